// The rig of the dashboard's browser tests: the whole head-end as `phasewire server` runs it, real
// meter agents that enroll over EST and publish sealed readings over MQTT/TLS 1.3 into its store,
// the HTTP API started as the server's `startApiServer` service on that store with the dashboard
// built by Vite, and Debian's Chromium driven by playwright-core.
//
// The API and the MDM are the server's standard services (standardServices, as `phasewire server`
// starts them): the live feed carries what the ingest committed, the alarms are the MDM service's
// over the stored data (its run follows each reading here, in place of its schedule's timer), and
// the unbalance figures are its power-quality summary.
import { rmSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ManualClock, parseMeterId, SeededRandom } from '@phasewire/core';
import type { MeterId, ObisCode } from '@phasewire/core';
import { linkProfiles } from '@phasewire/agent';
import { createProtectedMeter, createSimulatedMeter, type TripRecord } from '@phasewire/meter';
import { parseProtectionSettings } from '@phasewire/core/protocol';
import { ensureEnrolled, MeterAgent, protectedSource } from '@phasewire/agent/node';
import { deviceIdentity } from '@phasewire/secure';
import { parseServerConfig } from '@phasewire/server';
import type { AlarmDto } from '@phasewire/api';
import { standardServices, startPhasewireServer } from '@phasewire/server/node';
import type { ApiServer, LiveHub } from '@phasewire/api/node';
import type { PhasewireServer } from '@phasewire/server/node';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';

export const dashboardDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../dashboard');
export const chromiumPath = '/usr/bin/chromium';
/** ECOSYSTEM.md: Debian's Chromium headless as root in a container. */
export const chromiumArgs = ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

const quarterHour = 900_000;
/** Cheap scrypt for tests; the production cost is the API's default. */
const testScrypt = { N: 2 ** 10, r: 8, p: 1 };
export const userPassword = 'browser tests pass phrase';

let built: Promise<string> | undefined;

/**
 * Builds the dashboard once per test process into a folder of its own (Vite's programmatic build)
 * and returns it. Not into packages/dashboard/dist: Vite empties its output folder first, and the
 * test files run side by side, so one file's build would pull the pages from under another's server.
 */
export function buildDashboard(): Promise<string> {
  built ??= (async () => {
    const { build } = await import('vite');
    const outDir = await mkdtemp(join(tmpdir(), 'phasewire-dashboard-'));
    process.once('exit', () => { rmSync(outDir, { recursive: true, force: true }); });
    await build({ configFile: join(dashboardDir, 'vite.config.ts'), logLevel: 'warn', build: { outDir, emptyOutDir: true } });
    return outDir;
  })();
  return built;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath, args: chromiumArgs, headless: true });
}

/** A browser context for the rig's self-signed test CA, at a laptop's or a tablet's size. */
export async function newContext(browser: Browser, size: 'laptop' | 'tablet' = 'laptop'): Promise<BrowserContext> {
  const viewport = size === 'laptop' ? { width: 1366, height: 900 } : { width: 820, height: 1180 };
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport, reducedMotion: 'reduce' });
  // Every Content-Security-Policy violation of every page (CSP Level 3 §5.3: the document gets a
  // securitypolicyviolation event), reported through the console where the tests collect it.
  await context.addInitScript({
    content: `document.addEventListener('securitypolicyviolation', (e) => {
      console.error('[csp] ' + e.effectiveDirective + ' blocked ' + (e.blockedURI || 'inline') + ' on ' + e.documentURI +
        (e.sample ? ': ' + e.sample : ''));
    });`,
  });
  context.on('console', (message) => {
    const text = message.text();
    if (message.type() === 'error' && (text.startsWith('[csp] ') || text.includes('Content Security Policy'))) cspViolations.push(text);
  });
  return context;
}

/** The Content-Security-Policy violations seen so far in the contexts newContext made. */
export const cspViolations: string[] = [];

/**
 * Waits until a JavaScript expression is truthy in the page. Not `page.waitForFunction`: Playwright
 * runs that predicate through `eval` inside the page, which the dashboard's Content-Security-Policy
 * (script-src 'self', no 'unsafe-eval') refuses, so it fails or is reported as a violation.
 * `page.evaluate` goes through the DevTools protocol, which the page's CSP does not govern.
 */
export async function waitForPage(page: Page, expression: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await page.evaluate<boolean>(`Boolean(${expression})`)) return;
    } catch (error) {
      // A navigation in progress replaces the page's context: look again in the new one.
      if (!(error instanceof Error) || !/context was destroyed|navigat/i.test(error.message)) throw error;
    }
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting in the page for ${expression}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function signIn(page: Page, url: string, username: string, password = userPassword): Promise<void> {
  await page.goto(url);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Views' }).waitFor();
}

export interface RigMeter {
  readonly id: MeterId;
  readonly agent: MeterAgent;
  readonly clock: ManualClock;
}

export interface BrowserRig {
  readonly url: string;
  readonly server: PhasewireServer;
  readonly api: ApiServer;
  readonly hub: LiveHub;
  readonly meters: ReadonlyMap<string, RigMeter>;
  readonly alarms: ReadonlyMap<string, AlarmDto>;
  /** One more 15-minute reading from the meter's agent, through the ingest, then the MDM step. */
  read(meter: string): Promise<void>;
  /** The stored latest value of a quantity. */
  latest(meter: string, quantity: ObisCode): Promise<number | undefined>;
  close(): Promise<void>;
}

export interface RigMeterSpec {
  readonly id: string;
  readonly scenario: string;
  readonly link: 'wifi' | 'cellular' | 'rs485';
  /** Readings taken at start, 15 minutes apart, ending 15 to 30 minutes before now. */
  readonly readings: number;
  /** The readings end this much earlier still, ms (a meter whose clock is far behind the real one); 0 by default. */
  readonly behindMs?: number;
  /** Local protection with these settings (docs/protection.md): the agent reads a protected meter. */
  readonly protection?: Readonly<Record<string, unknown>>;
}

async function until(predicate: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!await predicate()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** POST as a signed-in user over HTTPS trusting the rig's CA; returns status and JSON. */
export function httpsJson(url: string, ca: string, method: string, path: string, body: unknown, session?: { cookie: string; csrf: string }):
  Promise<{ status: number; json: unknown; cookie: string | undefined }> {
  const target = new URL(path, url);
  const fullPath = target.pathname + target.search;
  return new Promise((resolvePromise, reject) => {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = text === undefined ? {} : { 'content-type': 'application/json' };
    if (session !== undefined) {
      headers['cookie'] = `pw_session=${session.cookie}`;
      headers['x-csrf-token'] = session.csrf;
    }
    const req = httpsRequest({ host: target.hostname, port: target.port, path: fullPath, method, headers, ca, servername: 'localhost',
      agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try { json = JSON.parse(raw); } catch { json = undefined; }
        const cookie = /pw_session=([^;]+)/.exec(String(res.headers['set-cookie'] ?? ''))?.[1];
        resolvePromise({ status: res.statusCode ?? 0, json, cookie });
      });
    });
    req.on('error', reject);
    req.end(text);
  });
}

export async function startBrowserRig(specs: readonly RigMeterSpec[]): Promise<BrowserRig> {
  const dir = await mkdtemp(join(tmpdir(), 'phasewire-browser-'));
  const staticDir = await buildDashboard();
  // The MDM runs after each reading (`read`), not on its timer, so the tests know when it has.
  const services = standardServices({ staticDir, mdm: { timer: false }, api: { scrypt: testScrypt } });
  // Every alarm as its latest transition left it, from the live feed's hub.
  const alarms = new Map<string, AlarmDto>();
  services.live.subscribe((event) => { if (event.type === 'alarm') alarms.set(event.alarm.id, event.alarm); });
  let server: PhasewireServer | undefined;
  const config = parseServerConfig({
    mqtt: { port: 0 }, enrollment: { port: 0 }, keyProvisioning: { port: 0 }, api: { port: 0 }, broker: { kind: 'embedded' },
    // The simulated meters measure through CTs (ratio 20) with a 6 A secondary rating.
    mdm: { meters: { defaults: { ctRatio: 20, maxCurrent: 6 } } },
  });
  const meters = new Map<string, RigMeter>();
  try {
    server = await startPhasewireServer({ config, dataDir: join(dir, 'data'), warn: () => undefined, services });
    const running = server;
    const started = services.api;
    const mdm = services.mdm;
    const hub = services.live;
    if (started === undefined || mdm === undefined) throw new Error('the API or the MDM service did not start');
    const caPem = await readFile(running.endpoints.caFile, 'utf8');

    // Users: the first admin's one-time password, then an operator, a viewer and a second admin made through the API.
    const admin = services.initialAdmin;
    if (admin === null) throw new Error('the first start made no admin');
    const login = await httpsJson(started.url, caPem, 'POST', '/api/v1/session', { username: admin.username, password: admin.password });
    const csrf = (login.json as { csrfToken?: unknown } | undefined)?.csrfToken;
    const session = { cookie: login.cookie ?? '', csrf: typeof csrf === 'string' ? csrf : '' };
    for (const [username, role] of [['ops', 'operator'], ['watcher', 'viewer'], ['chief', 'admin']] as const) {
      const made = await httpsJson(started.url, caPem, 'POST', '/api/v1/users', { username, password: userPassword, role }, session);
      if (made.status !== 200 && made.status !== 201) throw new Error(`Cannot create user ${username}: HTTP ${made.status} ${JSON.stringify(
        made.json)}`);
    }

    // The readings end one to two quarter hours before now: in the past of the MDM's clock (the
    // wall clock), yet too recent for its meter-silent rule (4 intervals without a reading) to fire
    // within a test run. Ending an hour back made every meter "silent" at the start, and whether a
    // meter's next reading cleared that alarm depended on whether the wall clock had passed another
    // quarter hour meanwhile: the alarms the tests see hung on the time of day.
    const end = Math.floor(Date.now() / quarterHour) * quarterHour - quarterHour;
    const runMdm = async (): Promise<void> => {
      const report = await mdm.runOnce();
      if (report.failures.length > 0) throw new Error(`The MDM run failed: ${JSON.stringify(report.failures)}`);
    };
    const take = async (m: RigMeter): Promise<void> => {
      m.clock.advance(quarterHour);
      await m.agent.takeReading();
      await until(() => m.agent.pending === 0 && m.agent.staged === 0, `the ack of ${m.id}`);
    };
    const read = async (m: RigMeter): Promise<void> => {
      await take(m);
      await runMdm();
    };

    for (const spec of specs) {
      const id = parseMeterId(spec.id);
      running.headEnd.registry.enrol({ id, kind: 'meter', model: 'pw-sim-3p', linkProfile: spec.link });
      const meterDir = join(dir, 'meters', spec.id);
      const token = await running.issueToken(deviceIdentity('meter', id));
      const { identity } = await ensureEnrolled({
        dataDir: meterDir, meter: id, token: token.token, estServer: running.endpoints.enrollment,
        keyServer: running.endpoints.keyProvisioning, trustedCa: caPem,
      });
      const start = end - (spec.behindMs ?? 0) - spec.readings * quarterHour;
      const clock = new ManualClock(start);
      const common = {
        identity, dataDir: meterDir, broker: { host: '127.0.0.1', port: running.endpoints.mqttPort, servername: 'localhost' },
        profile: { ...linkProfiles.wifi, reconnect: { initialMs: 50, maxMs: 200 } }, clock, random: new SeededRandom(3),
      };
      const meterOptions = { meter: id, scenario: spec.scenario, mode: 'phasor' as const, seed: 7, start };
      const trips: TripRecord[] = [];
      const agent = await MeterAgent.open(spec.protection === undefined
        ? { ...common, meter: createSimulatedMeter(meterOptions) }
        : { ...common, source: protectedSource(createProtectedMeter({ ...meterOptions, onTrip: (trip) => trips.push(trip),
          settings: parseProtectionSettings(spec.protection) }), trips) });
      agent.start();
      const m: RigMeter = { id, agent, clock };
      meters.set(spec.id, m);
      for (let k = 0; k < spec.readings; k++) await take(m);
    }
    await runMdm();

    const rig: BrowserRig = {
      url: started.url, server: running, api: started, hub, meters, alarms,
      async read(meter) {
        const m = meters.get(meter);
        if (m === undefined) throw new Error(`no meter ${meter} in the rig`);
        await read(m);
      },
      async latest(meter, quantity) {
        const stored = await running.store.latest(parseMeterId(meter));
        return stored.find((r) => r.quantity === quantity)?.value;
      },
      async close() {
        for (const m of meters.values()) await m.agent.stop();
        await running.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
    return rig;
  } catch (error) {
    for (const m of meters.values()) await m.agent.stop().catch(() => undefined);
    await server?.close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
