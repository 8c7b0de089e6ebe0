import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseMeterId } from '../ids.ts';
import { deviceTopic, mayPublish, maySubscribe, parseTopic } from './topics.ts';

const a = parseMeterId('meter-a01');
const b = parseMeterId('meter-b02');
const gateway = parseMeterId('gateway-01');

describe('topic namespace', () => {
  it('builds and parses the topics of a device', () => {
    assert.equal(deviceTopic(a, 'up/readings'), 'pw/v1/meter-a01/up/readings');
    assert.deepEqual(parseTopic('pw/v1/meter-a01/cmd/req'), { device: a, channel: 'cmd/req', direction: 'downlink' });
    assert.deepEqual(parseTopic('pw/v1/meter-a01/status'), { device: a, channel: 'status', direction: 'uplink' });
  });

  it('does not parse foreign, malformed or wildcard topics', () => {
    for (const topic of [
      'pw/v2/meter-a01/status', 'pw/v1/meter-a01', 'pw/v1/meter-a01/up', 'pw/v1/+/status', 'pw/v1/Meter/status',
      'pw/v1/meter-a01/up/readings/x', '$SYS/broker',
    ]) {
      assert.equal(parseTopic(topic), undefined, topic);
    }
  });

  it('lets a device publish only uplink channels of its own namespace', () => {
    assert.ok(mayPublish(a, 'pw/v1/meter-a01/up/readings'));
    assert.ok(mayPublish(a, 'pw/v1/meter-a01/status'));
    assert.ok(!mayPublish(a, deviceTopic(b, 'up/readings')), "another meter's topic");
    assert.ok(!mayPublish(a, 'pw/v1/meter-a01/cmd/req'), 'a downlink channel');
    assert.ok(!mayPublish(a, 'pw/v1/meter-a01/#'));
  });

  it('lets a gateway publish for the meters registered behind it, and no others', () => {
    const behind = new Set([a]);
    assert.ok(mayPublish(gateway, 'pw/v1/meter-a01/up/readings', behind));
    assert.ok(!mayPublish(gateway, 'pw/v1/meter-b02/up/readings', behind));
  });

  it('lets a device subscribe to its own downlink channels only', () => {
    assert.ok(maySubscribe(a, 'pw/v1/meter-a01/cmd/req'));
    assert.ok(maySubscribe(a, 'pw/v1/meter-a01/#'));
    assert.ok(!maySubscribe(a, 'pw/v1/meter-b02/cmd/req'));
    assert.ok(!maySubscribe(a, 'pw/v1/+/cmd/req'));
    assert.ok(!maySubscribe(a, 'pw/v1/#'));
    assert.ok(!maySubscribe(a, '#'));
    assert.ok(!maySubscribe(a, 'pw/v1/meter-a01/up/readings'), 'uplink of its own is not for it to read');
    assert.ok(maySubscribe(gateway, 'pw/v1/meter-a01/cmd/req', new Set([a])));
    assert.ok(!maySubscribe(gateway, 'pw/v1/meter-b02/cmd/req', new Set([a])), 'a meter not behind the gateway');
  });
});
