// An authentic readings message refused for good is acknowledged with its refusal (the device drops
// it from its queue), again when it is redelivered; a store failure and a forgery never are.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { ManualClock, toWireBatch } from '@phasewire/core';
import type { MeterId, ObisCode, Snapshot } from '@phasewire/core';
import { EnvelopeReceiver, EnvelopeSender, InstalledEnvelopeKeys, KeyRing, MemoryCounterStore } from '@phasewire/secure';
import type { DeviceId, MessageType } from '@phasewire/secure';
import { NodeAead } from '@phasewire/secure/node';
import type { MeterStore, TimeRange } from '@phasewire/store';
import { decodeAck } from '@phasewire/core/protocol';
import { ackEntries } from '../ack-message.ts';
import { snapshot } from '../testing/headend-test-kit.ts';
import { openHeadEndDatabase } from './sqlite-registry.ts';
import { HeadEndCounters } from './head-end-counters.ts';
import { SqliteCounterTable } from './sqlite-counter-table.ts';
import { Ingest } from './ingest.ts';

const now = Date.UTC(2026, 5, 1, 12, 0);

describe('Ingest refusals for good', () => {
  let dir: string;
  let db: DatabaseSync;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'phasewire-ingest-refusals-'));
    db = openHeadEndDatabase(join(dir, 'headend.db'));
  });
  after(async () => {
    db.close();
    await rm(dir, { recursive: true, force: true });
  });

  const setup = (id: string) => {
    const meter = id as MeterId;
    const device = id as DeviceId;
    const aead = new NodeAead();
    const keys = new InstalledEnvelopeKeys(aead);
    keys.install(device, 1, randomBytes(32));
    const clock = new ManualClock(now);
    const ring = new KeyRing({ clock, initialKeyId: 1 });
    const window = new HeadEndCounters(new SqliteCounterTable(db), 'deferred');
    const receiver = new EnvelopeReceiver({ direction: 'uplink', aead, keys, keyRing: ring, window });
    const acks = new EnvelopeSender({ direction: 'downlink', aead, keys, keyRing: ring,
      counters: new HeadEndCounters(new SqliteCounterTable(db), 'immediate') });
    const meterSide = new EnvelopeSender({ direction: 'uplink', aead, keys, keyRing: ring, counters: new MemoryCounterStore() });
    const meterAcks = new EnvelopeReceiver({ direction: 'downlink', aead, keys, keyRing: ring, window: new MemoryCounterStore() });
    const appended: Snapshot[] = [];
    const state = { storeDown: false };
    const store = {
      appendSnapshots: (snapshots: readonly Snapshot[]) => {
        if (state.storeDown) return Promise.reject(new Error('the disk is full'));
        appended.push(...snapshots);
        return Promise.resolve({ inserted: snapshots.length, duplicate: 0, conflicting: 0 });
      },
      readings: (of: MeterId, quantity: ObisCode, range: TimeRange) => Promise.resolve(appended
        .filter((s) => s.meter === of && s.at >= range.from && s.at < range.to)
        .flatMap((s) => {
          const value = s.values.get(quantity);
          return value === undefined ? [] : [{ meter: of, quantity, at: s.at, value }];
        })),
    } as unknown as MeterStore;
    const published: Uint8Array[] = [];
    const ingest = new Ingest({
      store, receiver, window, acks, windowFlushMs: 0, clock,
      publish: (_topic, payload) => { published.push(payload); return Promise.resolve(); },
    });
    const seal = (type: MessageType, body: unknown) => meterSide.sealValue(device, type, body);
    const sealRaw = (type: MessageType, body: Uint8Array) => meterSide.seal(device, type, body);
    const opened: ReturnType<typeof ackEntries>[] = [];
    /** Every ack published so far, opened as the meter does. */
    const receipts = async () => {
      await ingest.idle();
      await new Promise((resolve) => setImmediate(resolve));
      for (const payload of published.slice(opened.length))
        opened.push(ackEntries(decodeAck((await meterAcks.openValue(device, payload)).value)));
      return opened;
    };
    return { ingest, appended, receipts, seal, sealRaw, state, meter, device, clock };
  };

  it('acknowledges a body that is no batch, an envelope of another type and a batch of another meter, each with its refusal',
    async () => {
    const { ingest, appended, receipts, seal, meter, device } = setup('meter-refused-1');
    const other = 'meter-other-1' as MeterId;
    const outcomes = [
      await ingest.handle(device, meter, await seal('readings', { v: 1, m: meter })),
      await ingest.handle(device, meter, await seal('event', { kind: 'tamper' })),
      await ingest.handle(device, meter, await seal('readings', toWireBatch({ meter: other, snapshots: [snapshot(other, now, 230)] }))),
    ];
    assert.deepEqual(outcomes.map((o) => o.kind === 'refused' && [o.reason, o.acknowledged]),
      [['malformed', true], ['malformed', true], ['wrong-meter', true]]);
    assert.deepEqual(appended, []);
    assert.deepEqual((await receipts()).flat(), [
      { keyId: 1, counter: 1n, refused: { code: 'PW_ERR_BATCH_INVALID', readings: 0 } },
      { keyId: 1, counter: 2n, refused: { code: 'PW_ERR_HEADEND_MESSAGE', readings: 0 } },
      // Two quantities in the snapshot.
      { keyId: 1, counter: 3n, refused: { code: 'PW_ERR_HEADEND_WRONG_METER', readings: 2 } },
    ]);
    // The messages sealed after them are stored as ever.
    const next = await seal('readings', toWireBatch({ meter, snapshots: [snapshot(meter, now, 230)] }));
    assert.deepEqual(await ingest.handle(device, meter, next), { kind: 'stored', readings: 2 });
    assert.deepEqual((await receipts())[3], [{ keyId: 1, counter: 4n }]);
  });

  it('acknowledges an authentic body that is not CBOR with its refusal, at every copy, without moving the window', async () => {
    const { ingest, receipts, seal, sealRaw, meter, device } = setup('meter-refused-4');
    const unreadable = await sealRaw('readings', Uint8Array.of(0xff));
    for (let copy = 0; copy < 2; copy++) {
      const outcome = await ingest.handle(device, meter, unreadable);
      assert.equal(outcome.kind === 'refused' && outcome.acknowledged, true);
    }
    const receipt = [{ keyId: 1, counter: 1n, refused: { code: 'PW_ERR_ENVELOPE_BODY', readings: 0 } }];
    assert.deepEqual(await receipts(), [receipt, receipt]);
    // The next message, counter 2, is stored.
    const next = await seal('readings', toWireBatch({ meter, snapshots: [snapshot(meter, now, 230)] }));
    assert.deepEqual(await ingest.handle(device, meter, next), { kind: 'stored', readings: 2 });
  });

  it('acknowledges a redelivery of a message refused for good again, with the same refusal', async () => {
    const { ingest, receipts, seal, meter, device } = setup('meter-refused-2');
    const message = await seal('readings', { v: 1, m: meter });
    assert.equal((await ingest.handle(device, meter, message)).kind, 'refused');
    // Its ack was lost: the meter sends it again.
    const again = await ingest.handle(device, meter, message);
    assert.equal(again.kind === 'refused' && again.reason, 'replayed');
    const receipt = [{ keyId: 1, counter: 1n, refused: { code: 'PW_ERR_BATCH_INVALID', readings: 0 } }];
    assert.deepEqual(await receipts(), [receipt, receipt]);
  });

  it('acknowledges nothing while the store fails, nor a forgery; the message stored once the store is back is', async () => {
    const { ingest, appended, receipts, seal, state, meter, device } = setup('meter-refused-3');
    const good = await seal('readings', toWireBatch({ meter, snapshots: [snapshot(meter, now, 230)] }));
    state.storeDown = true;
    const down = await ingest.handle(device, meter, good);
    assert.equal(down.kind === 'refused' && down.reason, 'store-failed');
    assert.equal(down.kind === 'refused' && down.acknowledged, undefined);
    // Refused whole and authentic, but in a group the store could not commit: not acknowledged either.
    const refusedWhole = await seal('readings', { v: 1, m: meter });
    assert.equal((await ingest.handle(device, meter, refusedWhole)).kind === 'refused', true);
    const forged = await seal('readings', toWireBatch({ meter, snapshots: [snapshot(meter, now + 1000, 231)] }));
    forged[forged.length - 1] = (forged[forged.length - 1] ?? 0) ^ 1;
    const forgery = await ingest.handle(device, meter, forged);
    assert.equal(forgery.kind === 'refused' && forgery.reason, 'forged');
    assert.deepEqual(await receipts(), [], 'no receipt for anything the store did not commit, nor for the forgery');
    state.storeDown = false;
    assert.deepEqual(await ingest.handle(device, meter, good), { kind: 'stored', readings: 2 });
    assert.equal(appended.length, 1);
    assert.deepEqual(await receipts(), [[{ keyId: 1, counter: 1n }]]);
  });

  it('acknowledges a redelivery whose readings are not stored with them refused: future readings the clock has reached', async () => {
    const { ingest, appended, receipts, seal, meter, device, clock } = setup('meter-refused-5');
    // The meter's clock runs 20 minutes ahead: its readings are refused (more than 15 minutes ahead).
    const message = await seal('readings', toWireBatch({ meter, snapshots: [snapshot(meter, now + 20 * 60_000, 230)] }));
    assert.deepEqual(await ingest.handle(device, meter, message), { kind: 'stored', readings: 0, refused: 2 });
    // The ack is lost; the copy comes 10 minutes later, when its readings are within the window but not stored.
    clock.advance(10 * 60_000);
    const again = await ingest.handle(device, meter, message);
    assert.equal(again.kind === 'refused' && again.reason, 'replayed');
    assert.deepEqual(appended, []);
    // Before, the copy got no ack, and the meter sent it for ever.
    assert.deepEqual((await receipts())[1], [{ keyId: 1, counter: 1n, refused: { code: 'PW_ERR_REPLAY', readings: 2 } }]);
  });
});
