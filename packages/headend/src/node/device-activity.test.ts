// Status and events reach the head-end's records with both brokers, and a bad one is refused and
// counted without stopping anything.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deviceTopic } from '@phasewire/core';
import { headEndFixture, snapshot } from '../testing/headend-test-kit.ts';
import type { BrokerKind, HeadEndFixture } from '../testing/headend-test-kit.ts';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { DeviceActivity } from './device-activity.ts';
import { openHeadEndDatabase } from './sqlite-registry.ts';

const until = async (predicate: () => boolean, what: string): Promise<void> => {
  const deadline = Date.now() + 10_000;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

function suite(kind: BrokerKind): void {
  describe(`device status and events with the ${kind} broker`, () => {
    let f: HeadEndFixture;
    before(async () => { f = await headEndFixture(kind); });
    after(async () => { await f.close(); });

    it('records online, then a graceful offline, with last seen', async () => {
      const meter = await f.device('meter-status-1');
      const start = Date.now();
      await meter.client.publishAsync(deviceTopic(meter.id, 'status'), Buffer.from('{"state":"online"}'), { qos: 1 });
      await until(() => f.headEnd.activity.get(meter.id)?.online === true, 'online');
      const since = f.headEnd.activity.get(meter.id)?.since ?? 0;
      assert.ok(since >= start);
      await meter.client.publishAsync(deviceTopic(meter.id, 'status'), Buffer.from('{"state":"offline"}'), { qos: 1 });
      await until(() => f.headEnd.activity.get(meter.id)?.online === false, 'offline');
      assert.ok((f.headEnd.activity.get(meter.id)?.lastSeen ?? 0) >= since);
    });

    it('publishes a device\'s will as offline when its link dies', async () => {
      const meter = await f.device('meter-will-1');
      await meter.client.publishAsync(deviceTopic(meter.id, 'status'), Buffer.from('{"state":"online"}'), { qos: 1 });
      await until(() => f.headEnd.activity.get(meter.id)?.online === true, 'online');
      // The fixture's clients have no will: connect one that has, and drop its socket.
      const identity = meter.identity;
      await meter.end();
      const withWill = await f.connectWithWill(identity, meter.id,
        { topic: deviceTopic(meter.id, 'status'), payload: Buffer.from('{"state":"offline"}'), qos: 1, retain: false });
      await withWill.publishAsync(deviceTopic(meter.id, 'status'), Buffer.from('{"state":"online"}'), { qos: 1 });
      await until(() => f.headEnd.activity.get(meter.id)?.online === true, 'online again');
      withWill.stream.destroy();
      await until(() => f.headEnd.activity.get(meter.id)?.online === false, 'the will');
    });

    it('records a sealed event once and acknowledges it (the copy too), and refuses a status that is not one, counting it as malformed',
      async () => {
      const meter = await f.device('meter-events-1');
      const sealed = await meter.sender.sealValue(meter.id, 'event', { kind: 'tamper', cover: 'open' });
      await meter.client.publishAsync(deviceTopic(meter.id, 'up/events'), Buffer.from(sealed), { qos: 1 });
      await meter.client.publishAsync(deviceTopic(meter.id, 'up/events'), Buffer.from(sealed), { qos: 1 });
      await until(() => f.headEnd.activity.events(meter.id).length === 1, 'the event');
      const events = f.headEnd.activity.events(meter.id);
      assert.deepEqual(events.map((event) => [event.kind, event.body]), [['tamper', { kind: 'tamper', cover: 'open' }]]);
      // Acknowledged like readings (an agent keeps its events queued until then), the copy again.
      const counter = Buffer.from(sealed).readBigUInt64BE(8);
      await until(() => meter.acks.filter((entry) => entry.counter === counter).length === 2, 'the acks of the event and its copy');
      await meter.client.publishAsync(deviceTopic(meter.id, 'status'), Buffer.from('{"state":"sleeping"}'), { qos: 1 });
      await until(() => f.headEnd.ingest.refusals.of(meter.id, 'malformed') === 1, 'the refusal');
      // Readings still flow on the same connection.
      await meter.publish(await meter.seal([snapshot(meter.id, Date.UTC(2026, 0, 1), 230)]));
      await until(() => meter.acks.length > 0, 'the ack');
    });
  });
}

describe('device activity, both brokers', { concurrency: 2 }, () => {
  suite('embedded');
  suite('mosquitto');
});

describe('device status writes', () => {
  let dir: string;
  before(async () => { dir = await mkdtemp(join(tmpdir(), 'pw-activity-')); });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  /** What a second connection (another process after a crash) finds in the file. */
  const onDisk = (path: string, id: string): { online: number; lastSeen: number } | undefined => {
    const db = new DatabaseSync(path, { readOnly: true });
    try {
      const row = db.prepare('SELECT online, last_seen FROM device_status WHERE id = ?').get(id);
      return row === undefined ? undefined : { online: Number(row['online']), lastSeen: Number(row['last_seen']) };
    } finally {
      db.close();
    }
  };

  it('shows a status change at once and writes the changes of a batch together on flush', () => {
    const path = join(dir, 'batch.db');
    const db = openHeadEndDatabase(path);
    const activity = new DeviceActivity(db, { flushMs: 60_000 });
    activity.status('meter-s1', 'online', 1_000);
    activity.status('meter-s2', 'online', 1_100);
    activity.status('meter-s1', 'offline', 1_200);
    assert.equal(activity.get('meter-s1')?.online, false);
    assert.equal(activity.pending, 2);
    assert.equal(onDisk(path, 'meter-s1'), undefined, 'nothing written before the batch');
    activity.flush();
    assert.deepEqual(onDisk(path, 'meter-s1'), { online: 0, lastSeen: 1_200 });
    assert.deepEqual(onDisk(path, 'meter-s2'), { online: 1, lastSeen: 1_100 });
    assert.equal(activity.pending, 0);
    db.close();
  });

  it('writes the batch by itself after flushMs, with the device\'s latest last seen', async () => {
    const path = join(dir, 'timer.db');
    const db = openHeadEndDatabase(path);
    const activity = new DeviceActivity(db, { flushMs: 20 });
    activity.status('meter-s3', 'online', 1_000);
    activity.seen('meter-s3', 3_000);
    // Waits for the timer's turn; the assertion is on what was written, not on how fast.
    for (let i = 0; i < 200 && onDisk(path, 'meter-s3') === undefined; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(onDisk(path, 'meter-s3'), { online: 1, lastSeen: 3_000 });
    db.close();
  });

  it('reads back after a reopen what was flushed at close', () => {
    const path = join(dir, 'reopen.db');
    const db = openHeadEndDatabase(path);
    const activity = new DeviceActivity(db, { flushMs: 60_000 });
    activity.status('meter-s4', 'online', 1_000);
    activity.seen('meter-s4', 2_000);
    activity.flush();
    db.close();
    const again = openHeadEndDatabase(path);
    assert.deepEqual(new DeviceActivity(again).get('meter-s4'), { id: 'meter-s4', online: true, since: 1_000, lastSeen: 2_000 });
    again.close();
  });
});
