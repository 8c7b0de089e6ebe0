// A full disk makes every commit fail, for every device, for as long as it lasts. The log says so
// once and then counts (sampled-log.ts); it used to write lines per device and per failure.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { toWireBatch } from '@phasewire/core';
import type { Clock, MeterId } from '@phasewire/core';
import { EnvelopeReceiver, EnvelopeSender, InstalledEnvelopeKeys, KeyRing, MemoryCounterStore } from '@phasewire/secure';
import type { DeviceId } from '@phasewire/secure';
import { NodeAead } from '@phasewire/secure/node';
import type { MeterStore } from '@phasewire/store';
import type { HeadEndEvent } from '../head-end-log.ts';
import { openHeadEndDatabase } from './sqlite-registry.ts';
import { HeadEndCounters } from './head-end-counters.ts';
import { SqliteCounterTable } from './sqlite-counter-table.ts';
import { Ingest } from './ingest.ts';
import { sampledLog } from './sampled-log.ts';
import { snapshot } from '../testing/headend-test-kit.ts';

const clock: Clock = { now: () => Date.now() };
const t0 = Date.UTC(2026, 0, 5);
const devices = 20;
const messagesPerDevice = 50;

describe('the ingest log on a full disk', () => {
  let dir: string;
  let db: DatabaseSync;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'phasewire-diskfull-'));
    db = openHeadEndDatabase(join(dir, 'headend.db'));
  });
  after(async () => {
    db.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes one line for 1000 failed commits of 20 devices, then one count', async () => {
    const aead = new NodeAead();
    const keys = new InstalledEnvelopeKeys(aead);
    const ring = new KeyRing({ clock, initialKeyId: 1 });
    const window = new HeadEndCounters(new SqliteCounterTable(db), 'deferred');
    const receiver = new EnvelopeReceiver({ direction: 'uplink', aead, keys, keyRing: ring, window });
    const acks = new EnvelopeSender({ direction: 'downlink', aead, keys, keyRing: ring,
      counters: new HeadEndCounters(new SqliteCounterTable(db), 'immediate') });
    // What node:sqlite throws when a write meets a full disk (SQLITE_FULL).
    const full = Object.assign(new Error('database or disk is full'), { code: 'ERR_SQLITE_ERROR', errcode: 13 });
    const store = { appendSnapshots: () => Promise.reject(full) } as unknown as MeterStore;
    const events: HeadEndEvent[] = [];
    const log = (event: HeadEndEvent): void => { events.push(event); };
    const floods = sampledLog(log, clock);
    const ingest =
      new Ingest({ store, receiver, window, acks, publish: () => Promise.resolve(), log, floodLog: floods, maxGroup: 1, clock });
    const outcomes = [];
    for (let d = 0; d < devices; d++) {
      const device = `meter-full-${d}` as DeviceId;
      keys.install(device, 1, randomBytes(32));
      const sender = new EnvelopeSender({ direction: 'uplink', aead, keys, keyRing: ring, counters: new MemoryCounterStore() });
      for (let i = 0; i < messagesPerDevice; i++) {
        const sealed = await sender.sealValue(device, 'readings',
          toWireBatch({ meter: device as MeterId, snapshots: [snapshot(device as MeterId, t0 + i * 1000, 230)] }));
        outcomes.push(await ingest.handle(device, device as MeterId, sealed));
      }
    }
    await ingest.idle();
    floods.close();
    assert.equal(outcomes.filter((outcome) => outcome.kind === 'refused' && outcome.reason === 'store-failed').length,
      devices * messagesPerDevice);
    assert.equal(ingest.refusals.total('store-failed'), devices * messagesPerDevice, 'every failure is still counted');
    assert.equal(events.length, 2, events.map((event) => event.msg).join('\n'));
    const [first, summary] = events;
    assert.ok(first !== undefined && summary !== undefined);
    assert.match(first.msg, /^Cannot store the readings of meter-full-0: database or disk is full$/);
    assert.equal(summary.count, devices * messagesPerDevice - 1);
    assert.match(summary.msg, /^999 more since .* like: Cannot store the readings/);
  });
});
