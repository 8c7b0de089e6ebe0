// The server with its standard services, end to end: a real meter agent with an unbalanced supply
// (VUF 2.6 %) enrolls over EST and publishes sealed readings over MQTT/TLS 1.3; the ingest stores
// them and the live feed (a WebSocket over HTTPS, signed in as an operator) sends each one as it is
// committed; the MDM service's run raises the voltage-unbalance alarm, which comes over the feed
// and is listed by GET /api/v1/alarms; the power-quality summary gives the unbalance in percent.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock, parseMeterId, Q, SeededRandom } from '@phasewire/core';
import { linkProfiles } from '@phasewire/agent';
import { createSimulatedMeter } from '@phasewire/meter';
import { ensureEnrolled, MeterAgent } from '@phasewire/agent/node';
import { deviceIdentity } from '@phasewire/secure';
import { parseServerConfig } from '@phasewire/server';
import type { AlarmDto, AlarmList, PowerQuality } from '@phasewire/api';
import { standardServices, startPhasewireServer } from '@phasewire/server/node';
import type { PhasewireServer, StandardServices } from '@phasewire/server/node';
import { WebSocket } from 'ws';
import { httpsJson } from './browser-kit.ts';

const quarterHour = 900_000;
const meter = parseMeterId('e2e-unbalanced-1');
const password = 'end to end pass phrase';

type LiveMessage =
  | { type: 'reading'; meter: string; at: string; values: Record<string, number> }
  | { type: 'alarm'; alarm: AlarmDto }
  | { type: 'meter'; meter: string; online: boolean };

async function until(predicate: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!await predicate()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('the server with its standard services (MDM, API, live feed)', { timeout: 90_000 }, () => {
  let dir: string;
  let server: PhasewireServer;
  let services: StandardServices;
  let caPem: string;
  let url: string;
  let operator: { cookie: string; csrf: string };
  let socket: WebSocket;
  const messages: LiveMessage[] = [];
  let agent: MeterAgent | undefined;
  const logged: { level: string; msg: string }[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'phasewire-e2e-services-'));
    services = standardServices({ mdm: { timer: false }, api: { scrypt: { N: 2 ** 10, r: 8, p: 1 } } });
    server = await startPhasewireServer({
      config: parseServerConfig({
        mqtt: { port: 0 }, enrollment: { port: 0 }, keyProvisioning: { port: 0 }, api: { port: 0 },
        // The scenario's meter measures through 200/5 A CTs.
        mdm: { meters: { meters: { [meter]: { ctRatio: 40, maxCurrent: 5 } } } },
      }),
      dataDir: join(dir, 'data'), services, log: (event) => { logged.push(event); },
    });
    caPem = await readFile(server.endpoints.caFile, 'utf8');
    url = services.apiUrl ?? '';
    const admin = services.initialAdmin;
    assert.ok(admin !== null, 'a fresh data directory gets a first admin');
    const signIn = async (username: string, secret: string): Promise<{ cookie: string; csrf: string }> => {
      const answer = await httpsJson(url, caPem, 'POST', '/api/v1/session', { username, password: secret });
      assert.equal(answer.status, 200, JSON.stringify(answer.json));
      return { cookie: answer.cookie ?? '', csrf: (answer.json as { csrfToken: string }).csrfToken };
    };
    const adminSession = await signIn(admin.username, admin.password);
    const made = await httpsJson(url, caPem, 'POST', '/api/v1/users', { username: 'ops', password, role: 'operator' }, adminSession);
    assert.ok(made.status === 200 || made.status === 201, JSON.stringify(made.json));
    operator = await signIn('ops', password);
    socket = new WebSocket(`wss://localhost:${new URL(url).port}/api/v1/live`, {
      ca: caPem, headers: { origin: `https://localhost:${new URL(url).port}`, cookie: `pw_session=${operator.cookie}` },
    });
    socket.on('message', (data: Buffer) => { messages.push(JSON.parse(data.toString('utf8')) as LiveMessage); });
    await once(socket, 'open');
  });

  after(async () => {
    socket.close();
    await agent?.stop();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('sends each stored reading on the live feed, raises the unbalance alarm in the MDM and lists it over HTTPS', async () => {
    server.headEnd.registry.enrol({ id: meter, kind: 'meter', model: 'pw-sim-3p', linkProfile: 'wifi' });
    const token = await server.issueToken(deviceIdentity('meter', meter));
    const meterDir = join(dir, 'meter');
    const { identity } = await ensureEnrolled({
      dataDir: meterDir, meter, token: token.token, estServer: server.endpoints.enrollment, keyServer: server.endpoints.keyProvisioning,
        trustedCa: caPem,
    });
    // Two hours of 15-minute readings, ending an hour ago: in the past of the MDM's clock.
    const start = Math.floor((Date.now() - 3 * 3_600_000) / quarterHour) * quarterHour;
    const clock = new ManualClock(start);
    const running = await MeterAgent.open({
      identity, dataDir: meterDir, broker: { host: '127.0.0.1', port: server.endpoints.mqttPort, servername: 'localhost' },
      profile: { ...linkProfiles.wifi, reconnect: { initialMs: 50, maxMs: 200 } },
      meter: createSimulatedMeter({ meter, scenario: 'unbalanced', mode: 'phasor', seed: 5, start }), clock, random: new SeededRandom(5),
    });
    agent = running;
    running.start();
    for (let k = 0; k < 8; k++) {
      clock.advance(quarterHour);
      await running.takeReading();
      await until(() => running.pending === 0 && running.staged === 0, `the ack of reading ${k}`);
    }

    // The live feed: the last stored reading, with the values the store holds.
    const stored = await server.store.latest(meter);
    const lastAt = Math.max(...stored.map((r) => r.at));
    await until(() => messages.some((m) => m.type === 'reading' && m.meter === meter && Date.parse(m.at) === lastAt),
      'the last reading on the live feed');
    const reading = messages.find((m): m is Extract<LiveMessage, { type: 'reading' }> => m.type === 'reading' && Date.parse(m.at) ===
      lastAt);
    assert.equal(reading?.values[Q.voltageL2], stored.find((r) => r.quantity === Q.voltageL2 && r.at === lastAt)?.value);

    // The MDM's run over what the ingest stored raises the alarm (debounced over two intervals).
    const mdm = services.mdm;
    assert.ok(mdm !== undefined);
    const report = await mdm.runOnce();
    assert.deepEqual(report.failures, []);
    assert.ok(report.transitions > 0, JSON.stringify(report));
    await until(() => messages.some((m) => m.type === 'alarm' && m.alarm.meter === meter && m.alarm.type === 'voltage-unbalance'),
      'the alarm on the live feed');

    const listed = await httpsJson(url, caPem, 'GET', '/api/v1/alarms?state=active', undefined, operator);
    assert.equal(listed.status, 200, JSON.stringify(listed.json));
    const alarm = (listed.json as AlarmList).items.find((a) => a.meter === meter && a.type === 'voltage-unbalance');
    assert.ok(alarm !== undefined, JSON.stringify(listed.json));
    assert.ok(alarm.state === 'raised' || alarm.state === 'escalated', alarm.state);

    // Power quality from the MDM's summary, in percent as the contract says.
    const from = new Date(start).toISOString();
    const pq = await httpsJson(url, caPem, 'GET', `/api/v1/meters/${meter}/power-quality?from=${from}`, undefined, operator);
    assert.equal(pq.status, 200, JSON.stringify(pq.json));
    const vuf = (pq.json as PowerQuality).unbalance.vuf;
    assert.equal(vuf.standard, 'IEC 61000-4-30 VUF');
    assert.ok(vuf.value !== null && vuf.value > 2 && vuf.value < 3.5, `VUF ${String(vuf.value)} %`);
  });

  // Last: it takes the store away from the running server.
  it('writes a 500 of the API, with its cause, into the server log (phasewire server keeps Fastify\'s logger off)', async () => {
    await server.store.close();
    const answer = await httpsJson(url, caPem, 'GET', `/api/v1/meters/${meter}/readings?quantity=1-0:32.7.0`, undefined, operator);
    assert.equal(answer.status, 500);
    assert.deepEqual(answer.json, { error: { code: 'PW_ERR_API_INTERNAL', message:
      'The request failed inside the server; the server log has the cause' } });
    const line = logged.find((event) => event.msg.startsWith(`API: GET /api/v1/meters/${meter}/readings answered 500: `));
    assert.equal(line?.level, 'error', JSON.stringify(logged.map((event) => event.msg.slice(0, 120))));
    assert.doesNotMatch(line.msg, /quantity=|pw_session/, 'no query string or cookie in the log');
  });
});
