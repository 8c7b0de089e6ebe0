import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { toWireBatch } from '@phasewire/core';
import type { Clock, MeterId, ObisCode, Snapshot } from '@phasewire/core';
import { counterScope, EnvelopeReceiver, EnvelopeSender, InstalledEnvelopeKeys, KeyRing, MemoryCounterStore } from '@phasewire/secure';
import type { DeviceId } from '@phasewire/secure';
import { NodeAead } from '@phasewire/secure/node';
import type { MeterStore } from '../../store/meter-store.ts';
import type { TimeRange } from '../../store/periods.ts';
import { openHeadEndDatabase } from './sqlite-registry.ts';
import { SqliteCounters } from './sqlite-counters.ts';
import { Ingest } from './ingest.ts';
import { snapshot } from './headend-test-kit.ts';

const clock: Clock = { now: () => Date.now() };
const t0 = Date.UTC(2026, 0, 5);

describe('Ingest replay window', () => {
  let dir: string;
  let db: DatabaseSync;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'phasewire-ingest-'));
    db = openHeadEndDatabase(join(dir, 'headend.db'));
  });
  after(async () => {
    db.close();
    await rm(dir, { recursive: true, force: true });
  });

  const setup = (id: string, windowFlushMs: number) => {
    const meter = id as MeterId;
    const device = id as DeviceId;
    const aead = new NodeAead();
    const keys = new InstalledEnvelopeKeys(aead);
    keys.install(device, 1, randomBytes(32));
    const ring = new KeyRing({ clock, initialKeyId: 1 });
    const window = new SqliteCounters(db, 'deferred');
    const receiver = new EnvelopeReceiver({ direction: 'uplink', aead, keys, keyRing: ring, window });
    const acks = new EnvelopeSender({ direction: 'downlink', aead, keys, keyRing: ring, counters: new SqliteCounters(db, 'immediate') });
    const device_ = new EnvelopeSender({ direction: 'uplink', aead, keys, keyRing: ring, counters: new MemoryCounterStore() });
    const appended: Snapshot[][] = [];
    const store = {
      appendSnapshots: (snapshots: readonly Snapshot[]) => { appended.push([...snapshots]); return Promise.resolve({ inserted: snapshots.length, duplicate: 0, conflicting: 0 }); },
      // What a redelivery is checked against before its receipt is sent again.
      readings: (of: MeterId, quantity: ObisCode, range: TimeRange) => Promise.resolve(appended.flat().filter((s) => s.meter === of && s.at >= range.from && s.at < range.to)
        .flatMap((s) => { const value = s.values.get(quantity); return value === undefined ? [] : [{ meter: of, quantity, at: s.at, value }]; })),
    } as unknown as MeterStore;
    const published: string[] = [];
    const ingest = new Ingest({ store, receiver, window, acks, publish: (topic) => { published.push(topic); return Promise.resolve(); }, windowFlushMs });
    const seal = (i: number) => device_.sealValue(device, 'readings', toWireBatch({ meter, snapshots: [snapshot(meter, t0 + i * 1000, 230)] }));
    return { ingest, window, appended, published, seal, meter, device, scope: counterScope(device, 'uplink', 1) };
  };

  it('writes the window of committed groups once, after the readings, at the latest at idle()', async () => {
    const { ingest, window, appended, seal, meter, device, scope } = setup('meter-ingest-1', 60_000);
    const first = await seal(1);
    const second = await seal(2);
    assert.equal((await ingest.handle(device, meter, first)).kind, 'stored');
    assert.equal((await ingest.handle(device, meter, second)).kind, 'stored');
    assert.equal(appended.length, 2, 'two groups committed');
    assert.equal(window.durable(scope), 0n, 'the window lags the committed readings');
    await ingest.idle();
    assert.equal(window.durable(scope), 2n);
  });

  it('acknowledges again a redelivery whose readings are committed before its window is written', async () => {
    const { ingest, window, published, seal, meter, device, scope } = setup('meter-ingest-2', 60_000);
    const before = window.durable(scope);
    const message = await seal(3);
    assert.equal((await ingest.handle(device, meter, message)).kind, 'stored');
    await new Promise((resolve) => setImmediate(resolve));
    const acksAfterFirst = published.length;
    const again = await ingest.handle(device, meter, message);
    assert.equal(again.kind, 'refused');
    assert.equal(window.durable(scope), before, 'the window is not written yet');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(published.length, acksAfterFirst + 1, 'the redelivery gets its receipt again');
    await ingest.idle();
  });
});
