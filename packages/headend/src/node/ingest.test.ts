import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { toWireBatch } from '@phasewire/core';
import { ManualClock } from '@phasewire/core';
import type { Clock, MeterId, ObisCode, Snapshot } from '@phasewire/core';
import { counterScope, EnvelopeReceiver, EnvelopeSender, InstalledEnvelopeKeys, KeyRing, MemoryCounterStore } from '@phasewire/secure';
import type { DeviceId } from '@phasewire/secure';
import { NodeAead } from '@phasewire/secure/node';
import type { MeterStore } from '@phasewire/store';
import type { TimeRange } from '@phasewire/store';
import { openHeadEndDatabase } from './sqlite-registry.ts';
import { HeadEndCounters } from './head-end-counters.ts';
import { SqliteCounterTable } from './sqlite-counter-table.ts';
import { Ingest } from './ingest.ts';
import { snapshot } from '../testing/headend-test-kit.ts';
import { decodeAck } from '@phasewire/core/protocol';
import { ackEntries } from '../ack-message.ts';
import type { HeadEndEvent } from '../head-end-log.ts';
import type { ReadingTimeWindow } from '../reading-times.ts';

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
    const window = new HeadEndCounters(new SqliteCounterTable(db), 'deferred');
    const receiver = new EnvelopeReceiver({ direction: 'uplink', aead, keys, keyRing: ring, window });
    const acks = new EnvelopeSender({ direction: 'downlink', aead, keys, keyRing: ring,
      counters: new HeadEndCounters(new SqliteCounterTable(db), 'immediate') });
    const device_ = new EnvelopeSender({ direction: 'uplink', aead, keys, keyRing: ring, counters: new MemoryCounterStore() });
    const appended: Snapshot[][] = [];
    const store = {
      appendSnapshots: (snapshots: readonly Snapshot[]) => { appended.push([...snapshots]);
        return Promise.resolve({ inserted: snapshots.length, duplicate: 0, conflicting: 0 }); },
      // What a redelivery is checked against before its receipt is sent again.
      readings: (of: MeterId, quantity: ObisCode, range: TimeRange) =>
        Promise.resolve(appended.flat().filter((s) => s.meter === of && s.at >= range.from && s.at < range.to)
        .flatMap((s) => { const value = s.values.get(quantity);
          return value === undefined ? [] : [{ meter: of, quantity, at: s.at, value }]; })),
    } as unknown as MeterStore;
    const published: string[] = [];
    const ingest = new Ingest({ store, receiver, window, acks, publish: (topic) => { published.push(topic); return Promise.resolve(); },
      windowFlushMs, clock });
    const seal =
      (i: number) => device_.sealValue(device, 'readings', toWireBatch({ meter, snapshots: [snapshot(meter, t0 + i * 1000, 230)] }));
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

describe('Ingest reading times', () => {
  let dir: string;
  let db: DatabaseSync;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'phasewire-ingest-times-'));
    db = openHeadEndDatabase(join(dir, 'headend.db'));
  });
  after(async () => {
    db.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** ECMA-262 §21.4.1.22: past ±8.64e15 ms a Date is invalid. */
  const beyondDate = 8.64e15 + 60_000;
  const now = Date.UTC(2026, 5, 1, 12, 0);

  const setup = (id: string, readingTimes?: ReadingTimeWindow) => {
    const meter = id as MeterId;
    const device = id as DeviceId;
    const aead = new NodeAead();
    const keys = new InstalledEnvelopeKeys(aead);
    keys.install(device, 1, randomBytes(32));
    const headEndClock = new ManualClock(now);
    const ring = new KeyRing({ clock: headEndClock, initialKeyId: 1 });
    const window = new HeadEndCounters(new SqliteCounterTable(db), 'deferred');
    const receiver = new EnvelopeReceiver({ direction: 'uplink', aead, keys, keyRing: ring, window });
    const acks = new EnvelopeSender({ direction: 'downlink', aead, keys, keyRing: ring,
      counters: new HeadEndCounters(new SqliteCounterTable(db), 'immediate') });
    const meterSide = new EnvelopeSender({ direction: 'uplink', aead, keys, keyRing: ring, counters: new MemoryCounterStore() });
    const meterAcks = new EnvelopeReceiver({ direction: 'downlink', aead, keys, keyRing: ring, window: new MemoryCounterStore() });
    const appended: Snapshot[] = [];
    const store = { appendSnapshots: (snapshots: readonly Snapshot[]) => { appended.push(...snapshots);
      return Promise.resolve({ inserted: snapshots.length, duplicate: 0, conflicting: 0 }); } } as unknown as MeterStore;
    const published: Uint8Array[] = [];
    const events: HeadEndEvent[] = [];
    const ingest = new Ingest({
      store, receiver, window, acks, windowFlushMs: 0, clock: headEndClock, log: (event) => { events.push(event); },
      ...(readingTimes === undefined ? {} : { readingTimes }),
      publish: (_topic, payload) => { published.push(payload); return Promise.resolve(); },
    });
    const seal = (times: readonly number[]) =>
      meterSide.sealValue(device, 'readings', toWireBatch({ meter, snapshots: times.map((at) => snapshot(meter, at, 230)) }));
    const opened: ReturnType<typeof ackEntries>[] = [];
    /** Every ack published so far, opened as the meter does (each once: the meter's window refuses a second opening). */
    const receipts = async () => {
      for (const payload of published.slice(opened.length))
        opened.push(ackEntries(decodeAck((await meterAcks.openValue(device, payload)).value)));
      return opened;
    };
    return { ingest, appended, receipts, events, seal, meter, device };
  };

  it('stores the readings within the window, refuses those at t = 0, in 2200 and beyond a Date, counts them and says so in the ack',
    async () => {
    const { ingest, appended, receipts, events, seal, meter, device } = setup('meter-times-1');
    const good = [now - 30 * 60_000, now - 15 * 60_000, now + 5 * 60_000];
    const outcome = await ingest.handle(device, meter, await seal([0, ...good, Date.UTC(2200, 0, 1), beyondDate]));
    // Two quantities per snapshot: three snapshots kept, three refused.
    assert.deepEqual(outcome, { kind: 'stored', readings: 6, refused: 6 });
    assert.deepEqual(appended.map((s) => s.at), good);
    assert.equal(ingest.refusals.of(device, 'implausible-time'), 6);
    await ingest.idle();
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(await receipts(), [[{ keyId: 1, counter: 1n, refused: { code: 'PW_ERR_HEADEND_READING_TIME', readings: 6 } }]]);
    assert.deepEqual(events.map((event) => event.code), ['PW_ERR_HEADEND_READING_TIME']);
    assert.match(events.map((event) => event.msg).join(''), new RegExp(
      /^Cannot store 6 readings of meter meter-times-1: 3 snapshot times from 1970-01-01T00:00:00.000Z to 8640000000060000 ms/.source
      + / after the epoch are outside 2020-01-01T00:00:00.000Z to 2026-06-01T12:15:00.000Z; expected /.source));
  });

  it('acknowledges a message whose every reading is refused (stored nothing, sent again it would be refused again)', async () => {
    const { ingest, appended, receipts, seal, meter, device } = setup('meter-times-2');
    const outcome = await ingest.handle(device, meter, await seal([now + 16 * 60_000]));
    assert.deepEqual(outcome, { kind: 'stored', readings: 0, refused: 2 });
    assert.deepEqual(appended, []);
    await ingest.idle();
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(await receipts(), [[{ keyId: 1, counter: 1n, refused: { code: 'PW_ERR_HEADEND_READING_TIME', readings: 2 } }]]);
    // The next message, all of it within the window, is stored and acknowledged without a refusal.
    assert.deepEqual(await ingest.handle(device, meter, await seal([now])), { kind: 'stored', readings: 2 });
    await ingest.idle();
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual((await receipts())[1], [{ keyId: 1, counter: 2n }]);
  });

  it('takes its window from the options: a maximum age tightens the floor, and the ahead margin is the configured one', async () => {
    const { ingest, appended, seal, meter, device } =
      setup('meter-times-3', { earliest: Date.UTC(2020, 0, 1), maxAgeMs: 86_400_000, maxAheadMs: 60_000 });
    const outcome = await ingest.handle(device, meter, await seal([now - 2 * 86_400_000, now - 3_600_000, now + 5 * 60_000]));
    assert.deepEqual(outcome, { kind: 'stored', readings: 2, refused: 4 });
    assert.deepEqual(appended.map((s) => s.at), [now - 3_600_000]);
    await ingest.idle();
  });
});
