// Two ingest workers, each with its own pools, on one PostgreSQL database (readings store and
// counter table): every message of one device delivered to both at once is accepted by exactly
// one, acknowledged by both (its readings are stored), and stored once.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { toWireBatch } from '@phasewire/core';
import type { Clock, MeterId } from '@phasewire/core';
import { EnvelopeReceiver, EnvelopeSender, InstalledEnvelopeKeys, KeyRing, MemoryCounterStore } from '@phasewire/secure';
import type { DeviceId } from '@phasewire/secure';
import { NodeAead } from '@phasewire/secure/node';
import { PostgresMeterStore } from '@phasewire/store/node';
import { startPostgres, type PostgresServer } from '@phasewire/store/testing';
import { HeadEndCounters } from './head-end-counters.ts';
import { PostgresCounterTable } from './postgres-counter-table.ts';
import { Ingest } from './ingest.ts';
import type { IngestOutcome } from './ingest.ts';
import { snapshot, voltageL1 } from '../testing/headend-test-kit.ts';

const clock: Clock = { now: () => Date.now() };
const t0 = Date.UTC(2026, 0, 5);
let server: PostgresServer | undefined;
const database = 'phasewire_workers_test';

before(async () => {
  server = await startPostgres({ fast: true });
  await server.createDatabase(database);
});
after(async () => { await server?.stop(); });

void it('accepts each counter of a device once when two workers receive every message at once', async () => {
  if (server === undefined) throw new Error('the test PostgreSQL server is not running');
  const connectionString = server.connectionString(database);
  const meter = 'meter-workers-1' as MeterId;
  const device = meter as unknown as DeviceId;
  const aead = new NodeAead();
  const keys = new InstalledEnvelopeKeys(aead);
  keys.install(device, 1, randomBytes(32));
  const ring = new KeyRing({ clock, initialKeyId: 1 });
  const closers: (() => Promise<void>)[] = [];
  const worker = async () => {
    const store = await PostgresMeterStore.open({ connectionString, poolSize: 2 });
    const table = await PostgresCounterTable.open({ connectionString, poolSize: 2 });
    closers.push(() => store.close(), () => table.close());
    const window = new HeadEndCounters(table, 'deferred');
    const receiver = new EnvelopeReceiver({ direction: 'uplink', aead, keys, keyRing: ring, window });
    const acks = new EnvelopeSender({ direction: 'downlink', aead, keys, keyRing: ring,
      counters: new HeadEndCounters(table, 'immediate') });
    const published: string[] = [];
    const ingest = new Ingest({ store, receiver, window, acks, clock,
      publish: (topic) => { published.push(topic); return Promise.resolve(); } });
    return { ingest, published };
  };
  try {
    const [a, b] = [await worker(), await worker()];
    const uplink = new EnvelopeSender({ direction: 'uplink', aead, keys, keyRing: ring, counters: new MemoryCounterStore() });
    const outcomes: [IngestOutcome, IngestOutcome][] = [];
    for (let i = 1; i <= 40; i++) {
      const sealed = await uplink.sealValue(device, 'readings', toWireBatch({ meter, snapshots: [snapshot(meter, t0 + i * 60_000, 230)] }));
      outcomes.push(await Promise.all([a.ingest.handle(device, meter, sealed), b.ingest.handle(device, meter, sealed)]));
    }
    await Promise.all([a.ingest.idle(), b.ingest.idle()]);
    const stored = outcomes.map((pair) => pair.filter((outcome) => outcome.kind === 'stored').length);
    assert.deepEqual(stored, Array.from({ length: 40 }, () => 1), 'exactly one worker accepted each counter');
    const others = outcomes.flat().flatMap((outcome) => (outcome.kind === 'refused' ? [outcome.reason] : []));
    assert.deepEqual(new Set(others), new Set(['replayed']));
    assert.equal(a.ingest.messages + b.ingest.messages, 40);
    // The loser acknowledges too (the readings are in the store): 40 acks from each worker in all,
    // whichever of them won.
    assert.equal(a.published.length + b.published.length, 80);
    const reader = await PostgresMeterStore.open({ connectionString, poolSize: 1 });
    closers.push(() => reader.close());
    const readings = await reader.readings(meter, voltageL1, { from: t0, to: t0 + 41 * 60_000 });
    assert.equal(readings.length, 40, 'each reading stored once');
  } finally {
    for (const close of closers) await close();
  }
});
