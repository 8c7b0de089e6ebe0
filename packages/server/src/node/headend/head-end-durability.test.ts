// Durability: the head-end process is killed with SIGKILL under sustained load and restarted; the
// device resends what was not acknowledged, as its queue does. No reading whose ack was sent is
// lost, and none is stored twice.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deviceTopic, toWireBatch } from '@phasewire/core';
import type { Clock, MeterId } from '@phasewire/core';
import { EnvelopeReceiver, EnvelopeSender, InstalledEnvelopeKeys, KeyRing, MemoryCounterStore } from '@phasewire/secure';
import { createTestCa, NodeAead } from '@phasewire/secure/node';
import type { TestCa } from '@phasewire/secure/node';
import type { MqttClient } from 'mqtt';
import { SqliteMeterStore } from '../store/sqlite/sqlite-meter-store.ts';
import { fromWireAck } from '../../headend/ack-message.ts';
import { connectDevice, snapshot, voltageL1 } from './headend-test-kit.ts';

const node = process.execPath;
const child = join(import.meta.dirname, 'headend-child.ts');
const clock: Clock = { now: () => Date.now() };
const t0 = Date.UTC(2026, 0, 5);
const total = 1500;

function startChild(configFile: string): Promise<{ process: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(node, [child, configFile], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /port (\d+)/.exec(out);
      if (match !== null) resolve({ process: proc, port: Number(match[1]) });
    });
    proc.once('exit', (code) => { reject(new Error(`head-end child exited with ${code}`)); });
  });
}

describe('head-end durability under SIGKILL', () => {
  let dir: string;
  let ca: TestCa;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'phasewire-headend-kill-'));
    ca = await createTestCa();
  });
  after(async () => {
    await ca.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('loses no acknowledged reading and stores none twice', async () => {
    const server = await ca.server();
    const identity = await ca.device('meter-crash-1');
    const meter = 'meter-crash-1' as MeterId;
    const raw = randomBytes(32);
    const configFile = join(dir, 'config.json');
    await writeFile(configFile, JSON.stringify({ dir, chain: server.certificateChain, key: server.privateKey, anchors: ca.anchors, keys: { [meter]: raw.toString('hex') } }));
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
      const sealed = await sender.sealValue(meter, 'readings', toWireBatch({ meter, snapshots: [snapshot(meter, t0 + i * 1000, 200 + i / 100)] }));
      queue.set(BigInt(i + 1), sealed);
    }
    let wake = (): void => undefined;
    const attach = async (port: number): Promise<MqttClient> => {
      const client = await connectDevice(port, identity, ca, meter);
      client.on('message', (_topic, payload) => {
        void (async () => {
          const opened = await downlink.openValue(meter, new Uint8Array(payload));
          for (const entry of fromWireAck(opened.value)) { acked.add(entry.counter); queue.delete(entry.counter); }
          wake();
        })().catch(() => undefined);
      });
      await client.subscribeAsync(deviceTopic(meter, 'ack'), { qos: 1 });
      return client;
    };
    const sendAll = (client: MqttClient): void => {
      for (const sealed of queue.values()) client.publish(deviceTopic(meter, 'up/readings'), Buffer.from(sealed), { qos: 1 }, () => undefined);
    };
    const waitFor = (done: () => boolean): Promise<void> => new Promise((resolve) => {
      wake = () => { if (done()) resolve(); };
      wake();
    });

    const first = await startChild(configFile);
    const client1 = await attach(first.port);
    sendAll(client1);
    await waitFor(() => acked.size >= total / 5);
    first.process.kill('SIGKILL');
    const ackedBeforeKill = new Set(acked);
    client1.end(true);

    const second = await startChild(configFile);
    const client2 = await attach(second.port);
    sendAll(client2);
    await waitFor(() => queue.size === 0);
    await client2.endAsync(true);
    second.process.kill('SIGTERM');

    const store = await SqliteMeterStore.open({ path: join(dir, 'store.db') });
    const stored = await store.readings(meter, voltageL1, { from: t0, to: t0 + total * 1000 });
    await store.close();
    const times = stored.map((r) => r.at);
    assert.equal(new Set(times).size, times.length, 'no reading stored twice');
    assert.equal(times.length, total, 'every message stored once');
    for (const counter of ackedBeforeKill) assert.ok(times.includes(t0 + Number(counter - 1n) * 1000), `acked counter ${counter} is stored`);
    assert.ok(ackedBeforeKill.size < total, 'the kill came during the load');
  });
});
