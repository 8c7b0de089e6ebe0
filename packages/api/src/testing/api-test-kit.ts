// A real API server for tests: HTTPS with a certificate from a test CA, a SQLite meter store with
// readings, a SQLite device registry, users of every role in two tenants, fake alarms and a fake
// command channel. `call` is an HTTPS client that trusts the test CA.
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock, parseMeterId, Q, ValidationError } from '@phasewire/core';
import type { MeterId, Reading } from '@phasewire/core';
import { createTestCa, MemoryTokenStore } from '@phasewire/secure/testing';
import type { TestCa } from '@phasewire/secure/testing';
import type { Role } from '../dto.ts';
import type { AlarmDto } from '../dto.ts';
import type { AlarmPort, LiveEvent } from '../ports.ts';
import type { CommandKind, CommandParams, CommandRecord } from '@phasewire/headend';
import { openHeadEndDatabase, SqliteDeviceRegistry } from '@phasewire/headend/node';
import { openMeterStore } from '@phasewire/store/node';
import { parseStoreConfig } from '@phasewire/store';
import type { MeterStore } from '@phasewire/store';
import { startApiServer } from '../node/api-server.ts';
import type { ApiServer, ApiServerOptions } from '../node/api-server.ts';
import { LiveHub } from '../node/live-hub.ts';
import { SqliteAccountStore } from '../node/sqlite-accounts.ts';
import { Authentication, defaultLoginLimits } from '../node/authentication.ts';
import { tokenStoreEnrollment } from '../node/token-store-enrollment.ts';

export const password = 'correct horse battery staple';
/** Cheap scrypt for tests only: the cost is a parameter, the production default is in passwords.ts. */
export const testScrypt = { N: 2 ** 10, r: 8, p: 1 };
const interval = 15 * 60_000;

export interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  /** The body parsed as JSON (undefined when it is not JSON). */
  readonly json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read answers field by field
}

export interface CallOptions {
  readonly session?: { cookie: string; csrf: string };
  readonly bearer?: string;
  readonly body?: unknown;
  readonly rawBody?: string;
  /** Leave out the CSRF header of a cookie session. */
  readonly noCsrf?: boolean;
  readonly headers?: Record<string, string>;
  /** The client's address (any of 127.0.0.0/8 on Linux): a second client as the server sees it. */
  readonly localAddress?: string;
}

export interface ApiRig {
  readonly server: ApiServer;
  readonly ca: TestCa;
  readonly store: MeterStore;
  readonly registry: SqliteDeviceRegistry;
  readonly hub: LiveHub;
  readonly clock: ManualClock;
  readonly commands: { device: string; kind: CommandKind; params?: CommandParams }[];
  readonly alarms: Map<string, AlarmDto>;
  /** Signed-in sessions by user name: viewer, analyst, operator, admin (tenant default), beta-admin (tenant beta). */
  readonly sessions: Map<string, { cookie: string; csrf: string }>;
  call(method: string, path: string, options?: CallOptions): Promise<Answer>;
  login(username: string, pass?: string): Promise<{ cookie: string; csrf: string }>;
  /** Adds a user (password `password`) and returns its id. */
  addUser(username: string, role: Role, tenant?: string): Promise<string>;
  readonly accounts: SqliteAccountStore;
  readonly auth: Authentication;
  close(): Promise<void>;
}

/** The day the rig's data lives on, and the rig clock: 10:00 UTC on it. */
export const day0 = Date.UTC(2026, 0, 15);

function memoryAlarms(alarms: Map<string, AlarmDto>, clock: ManualClock): AlarmPort {
  return {
    list: (query) =>
      Promise.resolve([...alarms.values()].filter((a) => query.meters.has(a.meter) && (!query.activeOnly || a.state !== 'cleared'))),
    get: (id) => Promise.resolve(alarms.get(id)),
    acknowledge(id, actor, note) {
      const alarm = alarms.get(id);
      if (alarm === undefined) throw new Error(`no alarm ${id}`);
      if (alarm.state !== 'raised' && alarm.state !== 'escalated') {
        return Promise.reject(new ValidationError('PW_ERR_ALARM_TRANSITION', `Cannot acknowledge alarm ${id}: it is ${alarm.state}`));
      }
      const next: AlarmDto = { ...alarm, state: 'acknowledged', acknowledgement: { at: new Date(clock.now()).toISOString(), actor, note } };
      alarms.set(id, next);
      return Promise.resolve(next);
    },
  };
}

function alarm(id: string, meter: string, severity: 'warn' | 'critical'): AlarmDto {
  return { id, meter, type: 'voltage-unbalance', state: 'raised', severity, raisedAt: new Date(day0 + 9 * 3_600_000).toISOString(),
    clearedAt: null, value: 2.4, peak: 2.9, unit: '%', acknowledgement: null };
}

export async function startApiRig(overrides: Partial<ApiServerOptions> = {}): Promise<ApiRig> {
  const dir = await mkdtemp(join(tmpdir(), 'phasewire-api-'));
  const ca = await createTestCa();
  const identity = await ca.server();
  const clock = new ManualClock(day0 + 10 * 3_600_000);
  const store = await openMeterStore(parseStoreConfig({ kind: 'sqlite', path: join(dir, 'store.db') }), clock);
  const headendDb = openHeadEndDatabase(join(dir, 'headend.db'));
  const registry = new SqliteDeviceRegistry(headendDb);
  const accounts = new SqliteAccountStore(join(dir, 'api.db'));
  const commands: { device: string; kind: CommandKind; params?: CommandParams }[] = [];
  const sent = new Map<string, CommandRecord>();
  const alarms = new Map<string, AlarmDto>([['al-1', alarm('al-1', 'm-a1', 'critical')], ['al-2', alarm('al-2', 'm-a2', 'warn')],
    ['al-9', alarm('al-9', 'm-b1', 'critical')]]);
  const hub = new LiveHub();

  const meters: [string, 'wifi' | 'cellular' | 'rs485', string][] =
    [['m-a1', 'wifi', 'default'], ['m-a2', 'rs485', 'default'], ['m-b1', 'cellular', 'beta']];
  // One meter per role for the routes that change a meter for good (revocation).
  for (const role of ['viewer', 'analyst', 'operator', 'admin']) meters.push([`m-x-${role}`, 'cellular', 'default']);
  for (const [id, link, tenant] of meters) {
    registry.enrol({ id: parseMeterId(id), kind: 'meter', model: 'pw-sim-3p', linkProfile: link });
    registry.bind(id, { fingerprint: `fp-${id}`, serial: `0a${id.length}` }, clock.now() - 60_000);
    if (tenant !== 'default') accounts.assignMeter(id, tenant);
  }
  registry.touch('m-a2', clock.now() - 3_600_000);
  const readings: Reading[] = [];
  for (const [id] of meters) {
    const meter: MeterId = parseMeterId(id);
    for (let t = day0; t <= day0 + 10 * 3_600_000; t += interval) {
      readings.push({ meter, quantity: Q.voltageL1, at: t, value: 230 + ((t / interval) % 3) });
      readings.push({ meter, quantity: Q.activeEnergyImport, at: t, value: 1_000 + (t - day0) / interval * 250 });
    }
  }
  await store.appendReadings(readings);

  const auth = new Authentication({ accounts, clock, scrypt: testScrypt });
  for (const role of ['viewer', 'analyst', 'operator', 'admin'] as Role[])
    await auth.createUser({ username: role, password, role, tenant: 'default' });
  await auth.createUser({ username: 'beta-admin', password, role: 'admin', tenant: 'beta' });

  const server = await startApiServer({
    identity, trust: ca.trustWithoutCrl, accounts, store, clock, scrypt: testScrypt, live: hub,
    devices: {
      registry,
      sendCommand(device, kind, _waitMs, params) {
        commands.push({ device, kind, ...(params === undefined ? {} : { params }) });
        const at = clock.now();
        const values = { [Q.voltageL1]: { key: 'voltageL1', value: 231.2, unit: 'V' } };
        const result = kind === 'read' ? { at: new Date(at).toISOString(), values } : {};
        const record: CommandRecord = {
          id: `cmd-${commands.length}`, device, kind, sentAt: at, expiresAt: at + 30_000, status: 'done', settledAt: at, result,
        };
        sent.set(record.id, record);
        return Promise.resolve(record);
      },
      command: (device, id) => (sent.get(id)?.device === device ? sent.get(id) : undefined),
      // The settings of the meter's last protection-settings command, and one trip of m-a1.
      protection(device) {
        const last = [...commands].reverse().find((c) => c.device === device && c.kind === 'protection-settings');
        const settings = last?.params?.settings;
        const trip = {
          at: day0 + 3_600_000, fn: 'phase-loss', reason: 'phase lost', settingsVersion: 1, values: { voltage: [230, 230, 0] },
        };
        return {
          settings: settings === undefined ? null
            : { version: Number(settings['version']), settings, confirmedAt: clock.now(), command: 'cmd-p' },
          trips: device === 'm-a1' ? [{ receivedAt: day0 + 3_600_500, record: trip }] : [],
        };
      },
      // The fleet: one trip each of m-a1 and of m-b1 (another tenant's), m-a1 tripped open and m-b1 disconnected.
      protectionFleet() {
        const trip = (fn: string, at: number) => ({ at, fn, reason: fn, settingsVersion: 1, values: { voltage: [230, 230, 0] } });
        const open = (device: string, by: 'trip' | 'remote', at: number) =>
          ({ device, relay: 'open' as const, armed: false, by, ...(by === 'trip' ? { fn: 'phase-loss' } : {}), at, receivedAt: at + 500 });
        return {
          trips: [{ device: 'm-b1', receivedAt: day0 + 7_200_500, record: trip('overcurrent', day0 + 7_200_000) },
            { device: 'm-a1', receivedAt: day0 + 3_600_500, record: trip('phase-loss', day0 + 3_600_000) }],
          open: [open('m-b1', 'remote', day0 + 7_300_000), open('m-a1', 'trip', day0 + 3_600_000)],
        };
      },
      revokeDevice(device) { registry.revoke(device, clock.now()); return Promise.resolve(); },
    },
    enrollment: tokenStoreEnrollment(new MemoryTokenStore(), clock),
    alarms: memoryAlarms(alarms, clock),
    loginLimits: { ...defaultLoginLimits, perIp: 1000 },
    rateLimit: { limit: 1_000_000, windowMs: 60_000 },
    ...overrides,
  });

  // One TLS session reused across calls, as a browser does: a handshake per call would dominate the run.
  const agent = new Agent({ keepAlive: true, ca: ca.anchors, servername: 'localhost', maxSockets: 4 });
  const call = (method: string, path: string, options: CallOptions = {}): Promise<Answer> => new Promise((resolve, reject) => {
    const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
    const headers: Record<string, string> = { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers };
    if (options.session !== undefined) {
      headers['cookie'] = `pw_session=${options.session.cookie}`;
      if (options.noCsrf !== true) headers['x-csrf-token'] = options.session.csrf;
    }
    if (options.bearer !== undefined) headers['authorization'] = `Bearer ${options.bearer}`;
    const from = options.localAddress === undefined ? {} : { localAddress: options.localAddress };
    const req = httpsRequest({ host: '127.0.0.1', port: server.port, path, method, headers, agent, ...from }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try { json = JSON.parse(text); } catch { json = undefined; }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    req.end(body);
  });

  const login = async (username: string, pass = password) => {
    const answer = await call('POST', '/api/v1/session', { body: { username, password: pass } });
    if (answer.status !== 200) throw new Error(`login ${username}: ${answer.status} ${answer.text}`);
    const setCookie = String(answer.headers['set-cookie'] ?? '');
    const cookie = /pw_session=([^;]+)/.exec(setCookie)?.[1] ?? '';
    return { cookie, csrf: String((answer.json as { csrfToken: unknown }).csrfToken) };
  };

  const sessions = new Map<string, { cookie: string; csrf: string }>();
  for (const name of ['viewer', 'analyst', 'operator', 'admin', 'beta-admin']) sessions.set(name, await login(name));

  return {
    server, ca, store, registry, hub, clock, commands, alarms, sessions, call, login, accounts, auth,
    async addUser(username, role, tenant = 'default') {
      return (await auth.createUser({ username, password, role, tenant })).id;
    },
    async close() {
      agent.destroy();
      await server.close();
      accounts.close();
      await store.close();
      headendDb.close();
      await ca.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export type { LiveEvent };
