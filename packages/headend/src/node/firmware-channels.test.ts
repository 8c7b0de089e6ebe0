// The head-end's part of a firmware campaign: the sealed firmware-update command carries its
// arguments (a copy sent again too), a firmware-progress event reaches the event listeners once,
// and the firmware a status reports is kept.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deviceTopic } from '@phasewire/core';
import { decodeCommand, type Command } from '@phasewire/core/protocol';
import { headEndFixture, type HeadEndFixture } from '../testing/headend-test-kit.ts';

const until = async (predicate: () => boolean, what: string): Promise<void> => {
  const deadline = Date.now() + 10_000;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

const args = { campaign: 'spring', target: 'PW3/r2/PW3-r2-1.4.0.bin', version: '1.4.0', notBefore: 1, notAfter: 2 };

void describe('firmware over the head-end (embedded broker)', () => {
  let f: HeadEndFixture;
  before(async () => { f = await headEndFixture('embedded'); });
  after(async () => { await f.close(); });

  void it('seals a firmware-update command with its arguments, and sends them again to a device that comes online later', async () => {
    const meter = await f.device('meter-fw-1');
    const commands: Command[] = [];
    meter.client.on('message', (topic, payload) => {
      if (!topic.endsWith('/cmd/req')) return;
      void Promise.resolve(meter.downlink.openValue(meter.id, new Uint8Array(payload)))
        .then((opened) => { commands.push(decodeCommand(opened.value)); });
    });
    // Not seen online yet: the head-end sends the command again once the device says online.
    const sent = f.headEnd.sendCommand(meter.id, 'firmware-update', 3000, { firmware: args });
    await until(() => commands.length === 1, 'the command');
    await meter.client.publishAsync(deviceTopic(meter.id, 'status'), Buffer.from(JSON.stringify({
      state: 'online', model: 'PW3', firmware: { version: '1.3.0', slot: 'a', securityVersion: 2 },
    })), { qos: 1 });
    await until(() => commands.length === 2, 'the copy sent on online');
    const record = await sent;
    assert.equal(record.status, 'pending');
    assert.deepEqual(commands.map((c) => [c.id, c.op, c.firmware]),
      [[record.id, 'firmware-update', args], [record.id, 'firmware-update', args]]);
    assert.deepEqual(f.headEnd.reportedFirmware().get(meter.id), { version: '1.3.0', slot: 'a', securityVersion: 2 });
  });

  void it('hands each firmware-progress event to the listeners once, a copy sent again not', async () => {
    const meter = await f.device('meter-fw-2');
    const seen: [string, string, unknown][] = [];
    const stop = f.headEnd.onDeviceEvent((device, kind, body) => { seen.push([device, kind, body]); });
    try {
      const body = { kind: 'firmware-progress', campaign: 'spring', target: args.target, version: '1.4.0', state: 'trial' };
      const sealed = await meter.sender.sealValue(meter.id, 'event', body);
      await meter.client.publishAsync(deviceTopic(meter.id, 'up/events'), Buffer.from(sealed), { qos: 1 });
      await meter.client.publishAsync(deviceTopic(meter.id, 'up/events'), Buffer.from(sealed), { qos: 1 });
      const counter = Buffer.from(sealed).readBigUInt64BE(8);
      await until(() => meter.acks.filter((entry) => entry.counter === counter).length === 2, 'both acks');
      assert.deepEqual(seen, [[meter.id, 'firmware-progress', body]]);
    } finally {
      stop();
    }
  });
});
