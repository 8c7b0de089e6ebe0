// startApiServer: the HTTP API v1 over HTTPS (TLS 1.3 under the project's policy, no client
// certificate: browsers present none), the OpenAPI 3.1 document made from the route schemas at
// /openapi.json, a docs page at /docs, the live feed at /api/v1/live and, optionally, the built
// dashboard at /. docs/api.md describes it for people; docs/adr/0007 says why sessions and tokens.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import Fastify, { LogController } from 'fastify';
import type { FastifyBaseLogger, FastifyError, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import cookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import websocket from '@fastify/websocket';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ConfigError, SecurityError } from '@phasewire/core';
import type { Clock } from '@phasewire/core';
import { constantTimeEqual } from '@phasewire/secure';
import { tlsServerOptions } from '@phasewire/secure/node';
import type { TlsIdentity, TlsTrust } from '@phasewire/secure/node';
import { authorise, changesState, findRule } from '../access.ts';
import type { ApiPrincipal } from '../access.ts';
import { answerFor, forbidden, RateLimitedError, schemaRefusal, unauthenticated } from '../api-errors.ts';
import type {
  AccountStore, AlarmPort, BillingPort, DevicePort, EnrollmentPort, FirmwarePort, LiveSource, OperationsPort, PowerQualityPort,
} from '../ports.ts';
import { FixedWindowLimiter } from '../rate-limiter.ts';
import { securityHeaders } from '../security-headers.ts';
import type { RateLimit } from '../rate-limiter.ts';
import type { MeterStore } from '@phasewire/store';
import { makeContext } from './api-context.ts';
import { clientErrorAnswer, frameworkAnswer, frameworkErrors, logFailure, stderrApiLog } from './error-answers.ts';
import type { ApiLog } from './error-answers.ts';
import type { ApiInstance } from './api-context.ts';
import { Authentication, sessionCookie } from './authentication.ts';
import type { LoginLimits, SessionPolicy } from './authentication.ts';
import { defaultLiveFeedLimits, liveFeed } from './live-feed.ts';
import type { LiveFeedLimits, LiveFeedStats } from './live-feed.ts';
import { LatestValues } from './latest-values.ts';
import { LiveHub } from './live-hub.ts';
import type { ScryptCost } from './passwords.ts';
import { accountRoutes } from './routes-accounts.ts';
import { meterRoutes } from './routes-meters.ts';
import { exportRoutes } from './routes-exports.ts';
import { powerQualityRoutes } from './routes-power-quality.ts';
import { operationRoutes } from './routes-operations.ts';
import { protectionRoutes } from './routes-protection.ts';
import { healthRoutes, operationsPaths } from './routes-health.ts';
import { billingRoutes } from './routes-billing.ts';
import { firmwareRoutes } from './routes-firmware.ts';
import { billExportRoutes } from './routes-bill-exports.ts';
import { SqliteAccountStore } from './sqlite-accounts.ts';

export interface ApiServerOptions {
  /** The server's TLS identity (a certificate from the project's CA, or one the operator supplies). */
  readonly identity: TlsIdentity;
  /** CA certificates for the TLS context (no client certificate is asked for). */
  readonly trust: TlsTrust;
  readonly host?: string;
  /** 0 (the default): the OS picks. */
  readonly port?: number;
  /** Directory for `api.db` (users, sessions, tokens, audit, meter tenants); or give `accounts`. */
  readonly dataDir?: string;
  readonly accounts?: AccountStore;
  readonly store: MeterStore;
  /** The head-end (`HeadEnd` fits), plus the CA's revocation when there is one. */
  readonly devices: DevicePort;
  readonly enrollment?: EnrollmentPort;
  readonly alarms?: AlarmPort;
  readonly powerQuality?: PowerQualityPort;
  /** Billing: tariffs, accounts, bill runs and bills (absent: the billing routes answer 404). */
  readonly billing?: BillingPort;
  /** Firmware images and campaigns (absent: the firmware routes answer 404). */
  readonly firmware?: FirmwarePort;
  /** Where live events come from (a LiveHub the composition feeds). */
  readonly live?: LiveSource;
  /** The built dashboard, served at /. */
  readonly staticDir?: string;
  readonly clock?: Clock;
  readonly scrypt?: ScryptCost;
  readonly session?: SessionPolicy;
  readonly loginLimits?: LoginLimits;
  /** Requests per client address per window on /api (default 1200 per minute). */
  readonly rateLimit?: RateLimit;
  /** Largest request body (default 64 KiB). */
  readonly bodyLimitBytes?: number;
  /** A meter seen within this window counts as online (default 5 min). */
  readonly onlineWindowMs?: number;
  readonly liveLimits?: Partial<LiveFeedLimits>;
  /** Origins allowed to open the live feed besides `https://<Host>` (e.g. a proxy's public origin). */
  readonly allowedOrigins?: readonly string[];
  /** Readiness checks and metrics for /readyz and /metrics (routes-health.ts); /readyz has no checks without it. */
  readonly operations?: OperationsPort;
  /** Fastify's own request log (pino); off by default. */
  readonly logger?: boolean;
  /**
   * The server's logger (pino): one line per request with its id, method, path (no query), status and
   * time, and Fastify's own errors; every answer names its id in `x-request-id`. Replaces `logger`.
   */
  readonly loggerInstance?: FastifyBaseLogger;
  /** Where the cause of every 500 goes (default standard error); `phasewire server` passes its log. */
  readonly log?: ApiLog;
}

export interface ApiServer {
  readonly port: number;
  /** `https://<host>:<port>` */
  readonly url: string;
  readonly accounts: AccountStore;
  readonly liveStats: Readonly<LiveFeedStats>;
  /** First start: creates `admin` with a one-time password when there is no user (null otherwise); print it once. */
  createInitialAdmin(): Promise<{ username: string; password: string } | null>;
  close(): Promise<void>;
}

const systemClock: Clock = { now: () => Date.now() };

function accountsOf(options: ApiServerOptions): AccountStore {
  if (options.accounts !== undefined) return options.accounts;
  if (options.dataDir === undefined)
    throw new ConfigError('PW_ERR_API_CONFIG',
      'Cannot start the API server: neither accounts nor dataDir is given; expected the data directory for api.db');
  return new SqliteAccountStore(join(options.dataDir, 'api.db'));
}

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  if (options.staticDir !== undefined && !existsSync(join(options.staticDir, 'index.html'))) {
    throw new ConfigError('PW_ERR_API_CONFIG',
      `Cannot serve the dashboard from ${options.staticDir}: it has no index.html; expected the dashboard's build output`);
  }
  const clock = options.clock ?? systemClock;
  const log = options.log ?? stderrApiLog;
  const accounts = accountsOf(options);
  const auth = new Authentication({
    accounts, clock,
    ...(options.session === undefined ? {} : { policy: options.session }),
    ...(options.scrypt === undefined ? {} : { scrypt: options.scrypt }),
    ...(options.loginLimits === undefined ? {} : { loginLimits: options.loginLimits }),
  });
  const limiter = new FixedWindowLimiter(options.rateLimit ?? { limit: 1200, windowMs: 60_000 }, clock);
  const hub = new LiveHub();
  const unsubscribeSource = options.live?.subscribe((event) => { hub.publish(event); });
  // Without a power-quality port, the fleet's VUF figure comes from the live readings' latest values
  // (map updates on each event, the figure worked out when a list asks for it).
  const latest = options.powerQuality === undefined ? new LatestValues() : undefined;
  const unsubscribeVuf = latest === undefined ? undefined : hub.subscribe((event) => {
    if (event.type === 'reading') latest.set(event.meter, Object.entries(event.values));
  });
  const principals = new WeakMap<FastifyRequest, ApiPrincipal>();
  // The live feed is made after the context that the account routes use to reach it.
  let revalidateLive = (): void => undefined;
  const ctx = makeContext({
    accounts, auth, clock, store: options.store, devices: options.devices, enrollment: options.enrollment, alarms: options.alarms,
    powerQuality: options.powerQuality, billing: options.billing, firmware: options.firmware,
    onlineWindowMs: options.onlineWindowMs ?? 5 * 60_000,
    latestVuf: (meter) => latest?.vufPercent(meter) ?? null, emit: (event) => { hub.publish(event); },
    authorityChanged: () => { revalidateLive(); },
  }, principals);

  const app: ApiInstance = Fastify({
    https: tlsServerOptions(options.identity, options.trust, { clientAuth: 'none' }),
    bodyLimit: options.bodyLimitBytes ?? 64 * 1024,
    ...(options.loggerInstance === undefined ? { logger: options.logger ?? false }
      // Fastify's own two lines a request are off: one line of ours a request, with what an operator needs.
      : { loggerInstance: options.loggerInstance, logController: new LogController({ disableRequestLogging: true }) }),
    // Our own ids: a client's x-request-id is not trusted into the log.
    requestIdHeader: false,
    genReqId: () => randomUUID(),
    // Errors met before routing and bytes that are not HTTP: answered as every other refusal.
    frameworkErrors: frameworkErrors(options.bodyLimitBytes ?? 64 * 1024, log),
    clientErrorHandler: clientErrorAnswer,
    // Login, CSV export and commands are bounded by the limits above; a stuck client is cut off here.
    connectionTimeout: 60_000,
    // close() must not wait on a client that keeps a connection (or a refused upgrade) open.
    forceCloseConnections: true,
    requestTimeout: 120_000,
  }).withTypeProvider<TypeBoxTypeProvider>();

  // The cookie plugin parses in its own onRequest hook: it must come before the access hook.
  await app.register(cookie);

  const bodyLimit = options.bodyLimitBytes ?? 64 * 1024;
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const answer = error.validation !== undefined ? answerFor(schemaRefusal(error.validationContext ?? 'body', error.validation))
      : frameworkAnswer(error, bodyLimit) ?? answerFor(error);
    if (answer.status >= 500) logFailure(log, request, error);
    if (answer.status === 401 || answer.status === 403)
      // The path without its query: a query may carry what a client should not have put there.
      request.log.warn({ code: answer.body.error.code, path: request.url.split('?')[0], ip: request.ip }, 'API request refused');
    if (error instanceof RateLimitedError) void reply.header('retry-after', String(error.retryAfterSeconds));
    return reply.code(answer.status).send(answer.body);
  });

  if (options.loggerInstance !== undefined) {
    app.addHook('onResponse', (request, reply, done) => {
      // Probes and scrapes come every few seconds: at debug, so that they do not drown the requests of people.
      const path = request.url.split('?')[0] ?? '';
      const line = { method: request.method, path, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 };
      if (operationsPaths.includes(path as typeof operationsPaths[number])) request.log.debug(line, 'request');
      else request.log.info(line, 'request');
      done();
    });
  }

  // Every answer, the dashboard's files, /docs and errors included (security-headers.ts says which CSP each gets).
  app.addHook('onSend', (request, reply, payload, done) => {
    void reply.headers(securityHeaders(request.url));
    void reply.header('x-request-id', request.id);
    if (request.url.startsWith('/api/')) void reply.header('cache-control', 'no-store');
    done(null, payload);
  });

  const access = (request: FastifyRequest): void => {
    if (!request.url.startsWith('/api/')) return;
    const general = limiter.hit(request.ip);
    if (!general.allowed) throw new RateLimitedError('requests from this address', general.retryAfterSeconds);
    const rule = findRule(request.method, request.routeOptions.url ?? '');
    if (rule === undefined || rule.minRole === null) return;
    const authorization = request.headers.authorization;
    let principal: ApiPrincipal | undefined;
    if (authorization !== undefined) principal = auth.fromBearer(authorization);
    else {
      const session = request.cookies[sessionCookie];
      principal = session === undefined ? undefined : auth.fromCookie(session);
      if (principal === undefined)
        throw unauthenticated(session === undefined ? 'no session cookie and no bearer token' : 'the session has ended; sign in again');
    }
    if (rule.url === '/api/v1/live') checkOrigin(request, principal, options.allowedOrigins ?? []);
    const decision = authorise(principal, rule);
    if (decision === 'session-only') throw forbidden(`${rule.method} ${rule.url} is for signed-in users, not bearer tokens`);
    if (decision === 'forbidden') {
      throw forbidden(principal.kind === 'user' ? `${rule.method} ${rule.url} needs the ${rule.minRole} role; ${principal.username} `
        + `is ${principal.role}` : `${rule.method} ${rule.url} needs a token with the ${rule.scope ?? ''} scope`);
    }
    if (principal.kind === 'user' && changesState(request.method)) {
      const header = request.headers['x-csrf-token'];
      if (typeof header !== 'string' || !constantTimeEqual(header, principal.csrfToken)) {
        throw new SecurityError('PW_ERR_API_CSRF',
          `Not allowed: ${request.method} ${rule.url} with a session cookie needs the x-csrf-token header from the sign-in answer`);
      }
    }
    principals.set(request, principal);
  };
  app.addHook('onRequest', (request, _reply, done) => {
    try {
      access(request);
      done();
    } catch (error) {
      done(error as Error);
    }
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'phasewire HTTP API', version: '1.0.0',
        description: 'Meters, readings, quality, power quality, alarms, commands, users, tokens and the audit log. docs/api.md '
        + 'explains authentication.' },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: sessionCookie },
          bearer: { type: 'http', scheme: 'bearer', description: 'pwt_<id>_<secret>' },
        },
      },
      security: [{ session: [] }, { bearer: [] }],
    },
    // The WebSocket route is not collected by the generator: describe its upgrade by hand.
    transformObject: ({ openapiObject }: { openapiObject: Record<string, unknown> }) => ({
      ...openapiObject,
      paths: { ...(openapiObject['paths'] as Record<string, unknown>), '/api/v1/live': liveDocument },
    }),
  } as Parameters<typeof swagger>[1]);
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });

  accountRoutes(app, ctx);
  meterRoutes(app, ctx);
  exportRoutes(app, ctx);
  powerQualityRoutes(app, ctx);
  operationRoutes(app, ctx);
  protectionRoutes(app, ctx);
  healthRoutes(app, options.operations, performance.now());
  billingRoutes(app, ctx);
  firmwareRoutes(app, ctx);
  billExportRoutes(app, ctx);
  const liveStats: LiveFeedStats = { sockets: 0, coalesced: 0, dropped: 0 };
  const feed = liveFeed(app, ctx, hub, { ...defaultLiveFeedLimits, ...options.liveLimits }, liveStats);
  revalidateLive = () => { feed.revalidate(); };
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());

  if (options.staticDir !== undefined) await app.register(fastifyStatic, { root: options.staticDir, wildcard: false });
  app.setNotFoundHandler((request, reply) => {
    // The dashboard routes in the browser: an unknown page path gets its index.html, when a browser
    // asks for a page. A probe or a scraper (a typo of /readyz, /metrics) gets a 404, never a 200 page.
    if (options.staticDir !== undefined && request.method === 'GET' && isPageRequest(request)) return reply.sendFile('index.html');
    return reply.code(404)
      .send({ error: { code: 'PW_ERR_API_NOT_FOUND',
      message: `Cannot find ${request.method} ${request.url.split('?')[0] ?? ''}: no such route` } });
  });

  await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
  const address = app.server.address() as AddressInfo;
  const host = options.host ?? '127.0.0.1';
  return {
    port: address.port,
    url: `https://${host.includes(':') ? `[${host}]` : host}:${address.port}`,
    accounts,
    liveStats,
    createInitialAdmin: () => auth.createInitialAdmin(),
    async close() {
      unsubscribeSource?.();
      unsubscribeVuf?.();
      await app.close();
      if (options.accounts === undefined) accounts.close();
    },
  };
}

/** The first path segments of machine endpoints: never answered with the dashboard's page. */
const machineSegment = /^\/(api|metric|health|ready|live|status)/i;

function isPageRequest(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  return !machineSegment.test(request.url) && accept.includes('text/html');
}

const liveDocument = {
  get: {
    tags: ['live'],
    summary: 'Live readings, meter state and alarms of my tenant (WebSocket, RFC 6455)',
    description: 'Upgrade to a WebSocket with the session cookie (Origin must be this server) or a bearer token with scope read. '
      + 'Server messages: {type:"reading",meter,at,values}, {type:"meter",meter,online,state,lastSeen}, {type:"alarm",alarm}. '
      + 'Client message: {type:"subscribe",meters:[ids]|"*"}. '
      + 'Close 4401: the session or token behind the socket ended (signed out, expired, idle, password or role changed, user disabled, '
        + 'token revoked or expired); sign in again. Close 1003: an unknown client message.',
    responses: {
      101: { description: 'Switching protocols: the feed is open' },
      401: { description: 'Not signed in' },
      403: { description: 'Another origin, or role or scope too low' },
    },
  },
};

/**
 * Cross-site WebSocket hijacking: a browser sends the cookie with any page's upgrade request, so a
 * cookie-authenticated upgrade must come from the server's own origin (RFC 6455 §10.2). A bearer
 * token is not sent by browsers on their own, so a machine client may omit Origin.
 */
function checkOrigin(request: FastifyRequest, principal: ApiPrincipal, allowed: readonly string[]): void {
  const origin = request.headers.origin;
  if (origin === undefined && principal.kind === 'token') return;
  const own = `https://${request.headers.host ?? ''}`;
  if (origin !== own && !allowed.includes(origin ?? '')) {
    throw new SecurityError('PW_ERR_API_ORIGIN',
      `Not allowed: the live feed was opened from origin ${JSON.stringify(origin ?? null)}; expected ${own}`);
  }
}
