// Status and events reach the head-end's records with both brokers, and a bad one is refused and
// counted without stopping anything.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deviceTopic } from '@phasewire/core';
import { headEndFixture, snapshot } from './headend-test-kit.ts';
import type { BrokerKind, HeadEndFixture } from './headend-test-kit.ts';
import { parseStatusPayload } from './device-activity.ts';

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
      const withWill = await f.connectWithWill(identity, meter.id, { topic: deviceTopic(meter.id, 'status'), payload: Buffer.from('{"state":"offline"}'), qos: 1, retain: false });
      await withWill.publishAsync(deviceTopic(meter.id, 'status'), Buffer.from('{"state":"online"}'), { qos: 1 });
      await until(() => f.headEnd.activity.get(meter.id)?.online === true, 'online again');
      withWill.stream.destroy();
      await until(() => f.headEnd.activity.get(meter.id)?.online === false, 'the will');
    });

    it('records a sealed event once, and refuses a status that is not one, counting it as malformed', async () => {
      const meter = await f.device('meter-events-1');
      const sealed = await meter.sender.sealValue(meter.id, 'event', { kind: 'tamper', cover: 'open' });
      await meter.client.publishAsync(deviceTopic(meter.id, 'up/events'), Buffer.from(sealed), { qos: 1 });
      await meter.client.publishAsync(deviceTopic(meter.id, 'up/events'), Buffer.from(sealed), { qos: 1 });
      await until(() => f.headEnd.activity.events(meter.id).length === 1, 'the event');
      const events = f.headEnd.activity.events(meter.id);
      assert.deepEqual(events.map((event) => [event.kind, event.body]), [['tamper', { kind: 'tamper', cover: 'open' }]]);
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

describe('status payloads', () => {
  it('reads online and offline and refuses anything else', () => {
    assert.equal(parseStatusPayload(Buffer.from('{"state":"online"}')), 'online');
    assert.equal(parseStatusPayload(Buffer.from('{"state":"offline"}')), 'offline');
    for (const bad of ['', '{}', '{"state":1}', 'online', '\u00ff\u00fe', `{"state":"online","pad":"${'x'.repeat(300)}"}`]) {
      assert.throws(() => parseStatusPayload(Buffer.from(bad, 'latin1')), { code: 'PW_ERR_HEADEND_MESSAGE' }, bad);
    }
  });
});
