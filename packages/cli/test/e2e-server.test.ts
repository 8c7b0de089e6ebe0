// The whole head-end as `phasewire server` runs it (startPhasewireServer), with real meter agents
// that enroll through its EST endpoint, fetch their envelope key over mutual TLS and publish over
// MQTT/TLS 1.3 through the link emulator: one suite, run against the embedded broker and against
// Mosquitto started by the server on loopback.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromWireBatch, ManualClock, parseMeterId, SeededRandom, toWireBatch } from '@phasewire/core';
import type { MeterId, ObisCode, Snapshot } from '@phasewire/core';
import { linkProfiles } from '@phasewire/agent';
import { createSimulatedMeter } from '@phasewire/meter';
import { ensureEnrolled, LinkEmulator, MeterAgent } from '@phasewire/agent/node';
import { deviceIdentity } from '@phasewire/secure';
import { parseServerConfig } from '@phasewire/server';
import { startPhasewireServer } from '@phasewire/server/node';
import type { PhasewireServer } from '@phasewire/server/node';
import { bufferIo } from '../src/io.ts';
import { runCli } from '../src/run.ts';

const t0 = Date.UTC(2026, 2, 2, 8, 0);
const minute = 60_000;

async function until(predicate: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!await predicate()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

interface Meter {
  readonly id: MeterId;
  readonly agent: MeterAgent;
  readonly clock: ManualClock;
  readonly link: LinkEmulator;
  /** What the agent read, by time: its twin meter gives the same values. */
  readonly expected: Map<number, Snapshot>;
  read(): Promise<void>;
}

function firstQuantity(m: Meter): ObisCode {
  const [quantity] = [...(m.expected.values().next().value?.values.keys() ?? [])];
  assert.ok(quantity !== undefined);
  return quantity;
}

function suite(broker: 'embedded' | 'mosquitto'): void {
  describe(`phasewire server with the ${broker} broker and real meter agents`, () => {
    let dir: string;
    let server: PhasewireServer;
    const meters: Meter[] = [];

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'phasewire-e2e-'));
      const config = parseServerConfig({ mqtt: { port: 0 }, enrollment: { port: 0 }, keyProvisioning: { port: 0 }, broker: { kind:
        broker } });
      server = await startPhasewireServer({ config, dataDir: join(dir, 'data') });
    });
    after(async () => {
      for (const meter of meters) {
        await meter.agent.stop();
        await meter.link.close();
      }
      await server.close();
      await rm(dir, { recursive: true, force: true });
    });

    const meter = async (name: string, scenario: string, start = t0): Promise<Meter> => {
      const id = parseMeterId(name);
      const dataDir = join(dir, 'meters', name);
      const token = await server.issueToken(deviceIdentity('meter', id));
      const { identity } = await ensureEnrolled({
        dataDir, meter: id, token: token.token, estServer: server.endpoints.enrollment, keyServer: server.endpoints.keyProvisioning,
        trustedCa: await readFile(server.endpoints.caFile, 'utf8'),
      });
      const profile = linkProfiles.wifi;
      // The wifi link without loss: the outage below is the only fault.
      const link = await LinkEmulator.start({ target: { host: '127.0.0.1', port: server.endpoints.mqttPort }, conditions: { latencyMs: 2 },
        random: new SeededRandom(7) });
      const clock = new ManualClock(start);
      const simulated = createSimulatedMeter({ meter: id, scenario, mode: 'phasor', seed: 3, start });
      const twin = createSimulatedMeter({ meter: id, scenario, mode: 'phasor', seed: 3, start });
      // Fast reconnects keep the test short; the profile's own backoff is tested with the agent.
      const agent = await MeterAgent.open({
        identity, dataDir, broker: { host: '127.0.0.1', port: link.port, servername: 'localhost' },
        profile: { ...profile, reconnect: { initialMs: 50, maxMs: 200 } }, meter: simulated, clock, random: new SeededRandom(1),
      });
      agent.start();
      const expected = new Map<number, Snapshot>();
      const created: Meter = {
        id, agent, clock, link, expected,
        async read() {
          // What goes on the wire: the batch carries each quantity in its catalogue resolution.
          const [sent] = fromWireBatch(toWireBatch({ meter: id, snapshots: [twin.advanceTo(clock.now())] })).snapshots;
          if (sent !== undefined) expected.set(clock.now(), sent);
          await agent.takeReading();
        },
      };
      meters.push(created);
      return created;
    };

    const storedTimes = async (m: Meter, quantity: ObisCode, from: number, to: number): Promise<number[]> =>
      (await server.store.readings(m.id, quantity, { from, to })).map((reading) => reading.at);

    it('enrolls a meter through EST and stores its readings intact, with its status online', async () => {
      const m = await meter('e2e-intact-1', 'developing-imbalance');
      for (let i = 0; i < 5; i++) {
        m.clock.advance(minute);
        await m.read();
      }
      await until(() => m.agent.pending === 0 && m.agent.staged === 0, 'the acks');
      for (const [at, snapshot] of m.expected) {
        for (const [quantity, value] of snapshot.values) {
          const [stored] = await server.store.readings(m.id, quantity, { from: at, to: at + 1 });
          assert.ok(stored !== undefined, `${quantity} at ${at} is stored`);
          assert.equal(stored.value, value, `${quantity} at ${at}`);
        }
      }
      await until(() => server.headEnd.activity.get(m.id)?.online === true, 'online status');
      assert.equal(server.headEnd.registry.get(m.id)?.state, broker === 'embedded' ? 'active' : 'enrolled');
    });

    it('refuses the readings of a meter whose clock runs a day ahead: none stored, counted, and the agent is told and releases them',
      async () => {
      const m = await meter('e2e-ahead-1', 'balanced-resistive', Date.now() + 24 * 3_600_000);
      for (let i = 0; i < 3; i++) {
        m.clock.advance(minute);
        await m.read();
      }
      await until(() => m.agent.pending === 0 && m.agent.staged === 0, 'the acks');
      const readings = [...m.expected.values()].reduce((n, snapshot) => n + snapshot.values.size, 0);
      assert.equal(m.agent.stats.refusedReadings, readings);
      assert.equal(server.headEnd.ingest.refusals.of(m.id, 'implausible-time'), readings);
      assert.deepEqual(await server.store.latest(m.id), []);
    });

    it('backfills a 2-hour link outage in full, with no duplicate', async () => {
      const m = await meter('e2e-outage-1', 'balanced-motor');
      m.clock.advance(minute);
      await m.read();
      const quantity = firstQuantity(m);
      await until(() => m.agent.pending === 0, 'the first ack');
      m.link.cut();
      await until(() => !m.agent.connected, 'the link to drop');
      // Two hours of simulated time, one reading a minute, while the link is down.
      for (let i = 0; i < 120; i++) {
        m.clock.advance(minute);
        await m.read();
      }
      assert.equal(m.agent.pending, 120);
      if (broker === 'embedded') await until(() => server.headEnd.activity.get(m.id)?.online === false, 'the will');
      m.link.restore();
      await until(() => m.agent.pending === 0, 'the backlog to drain', 30_000);
      const times = await storedTimes(m, quantity, t0, t0 + 200 * minute);
      assert.deepEqual(times, [...m.expected.keys()]);
      assert.equal(new Set(times).size, 121);
      await until(() => server.headEnd.activity.get(m.id)?.online === true, 'online again');
    });

    it('cuts a revoked meter off: its session is dropped, its reconnects refused, nothing more is stored', async () => {
      const m = await meter('e2e-revoked-1', 'balanced-resistive');
      m.clock.advance(minute);
      await m.read();
      await until(() => m.agent.pending === 0, 'the first ack');
      const quantity = firstQuantity(m);
      await server.revoke(m.id);
      await until(() => !m.agent.connected, 'the session to drop');
      m.clock.advance(minute);
      await m.read();
      // Reconnects keep failing (the handshake or the CONNECT is refused); the reading stays queued.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      assert.equal(m.agent.connected, false);
      assert.equal(m.agent.pending, 1);
      assert.deepEqual(await storedTimes(m, quantity, t0, t0 + 10 * minute), [t0 + minute]);
      assert.equal(server.headEnd.registry.get(m.id)?.state, 'revoked');
    });
  });
}

// The two brokers' suites run side by side: each has its own server, data directory and ports.
describe('phasewire server end to end, both brokers', { concurrency: 2 }, () => {
  suite('embedded');
  suite('mosquitto');
});

describe('phasewire server restarted on its data directory', () => {
  it('makes the CA, keys and certificate on the first start, reuses them on the second, and an enrolled meter carries on', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'phasewire-restart-'));
    const dataDir = join(dir, 'data');
    const config = parseServerConfig({ mqtt: { port: 0 }, enrollment: { port: 0 }, keyProvisioning: { port: 0 } });
    const warnings: string[] = [];
    const files = ['pki/ca.json', 'pki/keystore.json', 'pki/keystore.key', 'server.pem', 'server.key'];
    const snapshotFiles = () => Promise.all(files.map((file) => readFile(join(dataDir, file), 'latin1')));
    try {
      const first = await startPhasewireServer({ config, dataDir, warn: (message) => warnings.push(message) });
      assert.equal(first.created.length, 3, first.created.join('\n'));
      assert.equal(first.keystoreKind, 'software');
      assert.match(warnings.join('\n'), /NOT a hardware security module/);
      const id = parseMeterId('e2e-restart-1');
      const token = await first.issueToken(deviceIdentity('meter', id));
      const meterDir = join(dir, 'meter');
      await ensureEnrolled({
        dataDir: meterDir, meter: id, token: token.token, estServer: first.endpoints.enrollment, keyServer: first.endpoints.keyProvisioning,
        trustedCa: await readFile(first.endpoints.caFile, 'utf8'),
      });
      const before = await snapshotFiles();
      await first.close();

      const second = await startPhasewireServer({ config, dataDir, warn: (message) => warnings.push(message) });
      try {
        assert.deepEqual(second.created, []);
        assert.deepEqual(await snapshotFiles(), before);
        const { identity, enrolled } = await ensureEnrolled({ dataDir: meterDir, meter: id, token: 'not used again', estServer:
          'https://127.0.0.1:1', trustedCa: '' });
        assert.equal(enrolled, false);
        const clock = new ManualClock(t0);
        const agent = await MeterAgent.open({
          identity, dataDir: meterDir, broker: { host: '127.0.0.1', port: second.endpoints.mqttPort, servername: 'localhost' }, profile:
            linkProfiles.wifi,
          meter: createSimulatedMeter({ meter: id, scenario: 'balanced-motor', mode: 'phasor', seed: 1, start: t0 }), clock, random:
            new SeededRandom(2),
        });
        agent.start();
        clock.advance(minute);
        await agent.takeReading();
        await until(() => agent.pending === 0 && agent.staged === 0, 'the ack after the restart');
        await agent.stop();
        assert.ok((await second.store.latest(id)).length > 0);
      } finally {
        await second.close();
      }
      // Another set of host names is the one change that makes a new listener certificate.
      const renamed = await startPhasewireServer({ config: { ...config, hosts: ['meters.example.net', '::1'] }, dataDir });
      await renamed.close();
      assert.deepEqual(renamed.created.map((line) => line.split(' (')[0]), ['server certificate for meters.example.net, ::1']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('phasewire server start-up failures', () => {
  it('refuses a port in use with PW_ERR_SERVER_START, closing what it had started', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'phasewire-busy-'));
    const first = await startPhasewireServer({ config: parseServerConfig({ mqtt: { port: 0 }, enrollment: { port: 0 }, keyProvisioning: {
      port: 0 } }), dataDir: join(dir, 'a') });
    try {
      const busy = Number(new URL(first.endpoints.enrollment).port);
      const config = parseServerConfig({ mqtt: { port: 0 }, enrollment: { port: busy }, keyProvisioning: { port: 0 } });
      await assert.rejects(startPhasewireServer({ config, dataDir: join(dir, 'b') }), (error: unknown) => {
        assert.equal((error as { code?: string }).code, 'PW_ERR_SERVER_START');
        assert.match((error as Error).message, new RegExp(`enrollment listener on 127\\.0\\.0\\.1:${busy} failed: .*EADDRINUSE`));
        return true;
      });
      // The failed start left its data directory usable: a start on it succeeds.
      const again = await startPhasewireServer({ config: parseServerConfig({ mqtt: { port: 0 }, enrollment: { port: 0 }, keyProvisioning: {
        port: 0 } }), dataDir: join(dir, 'b') });
      await again.close();
    } finally {
      await first.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('phasewire meter run against phasewire server', () => {
  it('enrolls with a token from `server token` and the URLs of the summary, and its readings are stored', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'phasewire-meter-run-'));
    const server = await startPhasewireServer({ config: parseServerConfig({ mqtt: { port: 0 }, enrollment: { port: 0 }, keyProvisioning: {
      port: 0 } }), dataDir: join(dir, 'data') });
    try {
      const tokenIo = bufferIo({}, dir);
      assert.equal(await runCli(['server', 'token', '--serial', 'meter-run-1'], tokenIo), 0, tokenIo.stderr());
      let interrupt = (): void => undefined;
      const io = bufferIo({}, dir, new Promise<void>((resolve) => { interrupt = resolve; }));
      const { endpoints } = server;
      const running = runCli([
        'meter', 'run', '--serial', 'meter-run-1', '--token', tokenIo.stdout().trim(), '--server', endpoints.mqtt, '--enroll', endpoints
          .enrollment,
        '--key-server', endpoints.keyProvisioning, '--ca', endpoints.caFile, '--interval', '100ms', '--data-dir', 'meter',
      ], io);
      const id = parseMeterId('meter-run-1');
      await until(async () => (await server.store.latest(id)).length > 0, 'a stored reading of meter run');
      interrupt();
      assert.equal(await running, 0, io.stderr());
      assert.match(io.stdout(), /meter-run-1 enrolled/);
    } finally {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

