// Durability: the head-end process is killed with SIGKILL under sustained load and restarted; the
// device resends what no sealed `ack` has acknowledged, as its queue does. No reading whose ack was
// sent is lost, and none is stored twice. One test, both brokers.
//
// What carries each message across the kill:
// - Acknowledged by a sealed ack: the store. The ingest sends the ack only after the readings are
//   committed (ingest.ts), so the kill cannot take them back.
// - Embedded broker: the broker dies with the head-end, and with it every message it held; only the
//   device's queue carries the rest. The device reconnects to the restarted head-end and resends.
// - Mosquitto: it keeps running, the device stays connected to it and keeps sending while the
//   head-end is down. A message Mosquitto PUBACKed to the device is its own from then on: the
//   ingest's shared subscription ($share/ingest/…, QoS 1) belongs to a persistent session (client id
//   `ingest-1`, clean session 0), so what was in flight to the killed ingest without its PUBACK, and
//   what arrives while it is down, stays queued in that session (MQTT 3.1.1 §3.1.2.4, §4.4) and is
//   delivered when the restarted child resumes the session under the same client id. The ingest
//   PUBACKs a message only after its commit (external-ingest.ts), so nothing the broker let go of
//   was uncommitted. Mosquitto alone brings every reading to the store (the sealed acks of what it
//   delivers while the head-end is still starting wait for the front end: head-end.ts). What the
//   killed head-end committed without sending its ack is acknowledged on the device's resend, which
//   the replay window refuses and acknowledges again; every other resent copy is refused likewise
//   or stored once by the store's idempotence on (meter, quantity, time).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deviceTopic, toWireBatch } from '@phasewire/core';
import type { Clock, MeterId } from '@phasewire/core';
import { EnvelopeReceiver, EnvelopeSender, InstalledEnvelopeKeys, KeyRing, MemoryCounterStore } from '@phasewire/secure';
import { NodeAead } from '@phasewire/secure/node';
import { createTestCa } from '@phasewire/secure/testing';
import type { TestCa } from '@phasewire/secure/testing';
import type { MqttClient } from 'mqtt';
import { SqliteMeterStore } from '@phasewire/store/node';
import { decodeAck } from '@phasewire/core/protocol';
import { ackEntries } from '../ack-message.ts';
import { connectDevice, snapshot, voltageL1 } from '../testing/headend-test-kit.ts';
import type { BrokerKind } from '../testing/headend-test-kit.ts';
import type { ChildConfig } from '../testing/headend-until-killed.fixture.ts';
import { startMosquitto } from './mosquitto-process.ts';
import type { MosquittoProcess } from './mosquitto-process.ts';

const node = process.execPath;
const child = join(import.meta.dirname, '..', 'testing', 'headend-until-killed.fixture.ts');
const clock: Clock = { now: () => Date.now() };
const t0 = Date.UTC(2026, 0, 5);
const total = 1500;
/** Messages the device has in flight to the broker at once. */
const chunk = 25;
const ingestUser = 'headend-ingest';

/** Children still running: a failed test kills them in `after`, so the file ends. */
const children = new Set<ChildProcess>();

function startChild(configFile: string): Promise<{ process: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(node, [child, configFile], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.add(proc);
    proc.once('exit', () => { children.delete(proc); });
    let out = '';
    proc.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /port (\d+)/.exec(out);
      if (match !== null) resolve({ process: proc, port: Number(match[1]) });
    });
    proc.once('exit', (code) => { reject(new Error(`head-end child exited with ${code}`)); });
  });
}

/** Resolves once the store in `dir` (written by the child) holds `count` readings of the meter. */
async function storedCount(dir: string, meter: MeterId, count: number, signal: AbortSignal): Promise<void> {
  const store = await SqliteMeterStore.open({ path: join(dir, 'store.db') });
  try {
    while ((await store.readings(meter, voltageL1, { from: t0, to: t0 + total * 1000 })).length < count) {
      signal.throwIfAborted();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await store.close();
  }
}

function suite(kind: BrokerKind): void {
  describe(`head-end durability under SIGKILL with the ${kind} broker`, () => {
    let dir: string;
    let ca: TestCa;
    let mosquitto: MosquittoProcess | undefined;
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'phasewire-headend-kill-'));
      ca = await createTestCa();
    });
    after(async () => {
      for (const running of children) running.kill('SIGKILL');
      await mosquitto?.stop();
      await ca.close();
      await rm(dir, { recursive: true, force: true });
    });

    // The bound turns a lost message (a wait that never ends) into a failure.
    it('loses no acknowledged reading and stores none twice', { timeout: 60_000 }, async (t) => {
      const server = await ca.server();
      const identity = await ca.device('meter-crash-1');
      const meter = 'meter-crash-1' as MeterId;
      const raw = randomBytes(32);
      const data = join(dir, 'head-end');
      await mkdir(data);
      let external: ChildConfig['external'];
      if (kind === 'mosquitto') {
        const ingest = await ca.device(ingestUser, { kind: 'gateway' });
        mosquitto = await startMosquitto({ dir: join(dir, 'mosquitto'), identity: server, anchors: ca.anchors,
          crl: async () => (await ca.trust()).crl ?? '', ingestUser, gateways: () => [] });
        external = { port: mosquitto.port, chain: ingest.certificateChain, key: ingest.privateKey, clientId: 'ingest-1' };
      }
      const config: ChildConfig = { dir: data, chain: server.certificateChain, key: server.privateKey, anchors: ca.anchors,
        keys: { [meter]: raw.toString('hex') }, ...(external === undefined ? {} : { external }) };
      const configFile = join(dir, 'config.json');
      await writeFile(configFile, JSON.stringify(config));
      const aead = new NodeAead();
      const keys = new InstalledEnvelopeKeys(aead);
      keys.install(meter, 1, raw);
      const ring = new KeyRing({ clock, initialKeyId: 1 });
      const sender = new EnvelopeSender({ direction: 'uplink', aead, keys, keyRing: ring, counters: new MemoryCounterStore() });
      const downlink = new EnvelopeReceiver({ direction: 'downlink', aead, keys, keyRing: ring, window: new MemoryCounterStore() });
      // The device's queue: counter → sealed message, until acknowledged.
      const queue = new Map<bigint, Uint8Array>();
      const acked = new Set<bigint>();
      for (let i = 0; i < total; i++) {
        const sealed =
          await sender.sealValue(meter, 'readings', toWireBatch({ meter, snapshots: [snapshot(meter, t0 + i * 1000, 200 + i / 100)] }));
        queue.set(BigInt(i + 1), sealed);
      }
      let wake = (): void => undefined;
      const attach = async (port: number): Promise<MqttClient> => {
        const client = await connectDevice(port, identity, ca, meter);
        client.on('message', (_topic, payload) => {
          void (async () => {
            const opened = await downlink.openValue(meter, new Uint8Array(payload));
            for (const entry of ackEntries(decodeAck(opened.value))) { acked.add(entry.counter); queue.delete(entry.counter); }
            wake();
          })().catch(() => undefined);
        });
        await client.subscribeAsync(deviceTopic(meter, 'ack'), { qos: 1 });
        return client;
      };
      const publish = (client: MqttClient, sealed: Uint8Array): Promise<unknown> =>
        client.publishAsync(deviceTopic(meter, 'up/readings'), Buffer.from(sealed), { qos: 1 }).catch(() => undefined);
      // Sustained load: the device sends its readings in chunks, each once the broker has taken the
      // previous one (PUBACK), so the kill lands while readings are still arriving.
      let sending = true;
      const load = async (client: MqttClient): Promise<void> => {
        const all = [...queue.values()];
        for (let i = 0; i < all.length && sending; i += chunk)
          await Promise.all(all.slice(i, i + chunk).map((sealed) => publish(client, sealed)));
      };
      // The device's resend: everything no sealed ack has acknowledged.
      const sendAll = (client: MqttClient): void => {
        for (const sealed of queue.values()) void publish(client, sealed);
      };
      const waitFor = (done: () => boolean): Promise<void> => new Promise((resolve) => {
        wake = () => { if (done()) resolve(); };
        wake();
      });

      const first = await startChild(configFile);
      const client1 = await attach(first.port);
      const loading = load(client1);
      await waitFor(() => acked.size >= total / 5);
      first.process.kill('SIGKILL');
      const ackedBeforeKill = new Set(acked);
      // With the embedded broker the load ends with the connection; Mosquitto takes the rest of it
      // while the head-end is down.
      if (kind === 'embedded') sending = false;

      const second = await startChild(configFile);
      // The embedded broker died with the head-end: the device reconnects. Mosquitto did not: the
      // device keeps its connection and resends on it once the head-end is back.
      let client2 = client1;
      if (kind === 'embedded') {
        client1.end(true);
        client2 = await attach(second.port);
      } else {
        // Before the device resends anything, the persistent session alone brings every reading
        // to the store: that, not the resend, is what carries them across the kill.
        await loading;
        await storedCount(data, meter, total, t.signal);
      }
      sendAll(client2);
      await waitFor(() => queue.size === 0);
      sending = false;
      await loading;
      await client2.endAsync(true);
      second.process.kill('SIGTERM');
      await new Promise((resolve) => second.process.once('exit', resolve));

      const store = await SqliteMeterStore.open({ path: join(data, 'store.db') });
      const stored = await store.readings(meter, voltageL1, { from: t0, to: t0 + total * 1000 });
      await store.close();
      const times = stored.map((r) => r.at);
      assert.equal(new Set(times).size, times.length, 'no reading stored twice');
      assert.equal(times.length, total, 'every message stored once');
      for (const counter of ackedBeforeKill)
        assert.ok(times.includes(t0 + Number(counter - 1n) * 1000), `acked counter ${counter} is stored`);
      assert.ok(ackedBeforeKill.size < total, 'the kill came during the load');
    });
  });
}

suite('embedded');
suite('mosquitto');
