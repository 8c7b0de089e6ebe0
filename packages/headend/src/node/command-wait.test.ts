// Commands to devices that are not there when they are sent, through the head-end with real MQTT
// clients over mutual TLS 1.3: a cellular meter asleep past the wait gets a command that lives
// through its sleep, shown as pending, never as timed out; its answer, when it wakes, is recorded
// and acknowledged (a copy too, once). A command is judged `timeout` only once the device has sent
// readings from after its expiry without answering it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deviceTopic, toWireBatch } from '@phasewire/core';
import type { MqttClient } from 'mqtt';
import { decodeAck, decodeCommand, encodeCommandResponse } from '@phasewire/core/protocol';
import type { Command, CommandResponse } from '@phasewire/core/protocol';
import { ackEntries } from '../ack-message.ts';
import { wakeAllowanceMs } from '../command-record.ts';
import { connectDevice, headEndFixture, snapshot } from '../testing/headend-test-kit.ts';
import type { HeadEndFixture, TestDevice } from '../testing/headend-test-kit.ts';

async function until(predicate: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !predicate(); waited += 10) {
    if (waited > 20_000) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const counterOf = (envelope: Uint8Array): bigint => Buffer.from(envelope).readBigUInt64BE(8);

describe('commands to devices that are away', { timeout: 60_000 }, () => {
  let f: HeadEndFixture;
  before(async () => { f = await headEndFixture('embedded'); });
  after(async () => { await f.close(); });

  /** A connection with the meter's persistent session, as the agent keeps it: what is sent while it sleeps waits at the broker. */
  async function wake(meter: TestDevice, listen?: (client: MqttClient) => void): Promise<MqttClient> {
    const client = await connectDevice(f.headEnd.port, meter.identity, f.ca, meter.id, { clean: false }, listen);
    await client.subscribeAsync([deviceTopic(meter.id, 'cmd/req'), deviceTopic(meter.id, 'ack')], { qos: 1 });
    return client;
  }

  it('keeps a command to a sleeping cellular meter pending past the wait, and records its answer when the meter wakes', async () => {
    const meter = await f.device('meter-cell-sleeps');
    await meter.end();
    f.headEnd.registry.describe(meter.id, { linkProfile: 'cellular' });
    await (await wake(meter)).endAsync();

    // The wait (30 s in the API, shorter here) ends while the meter sleeps: pending, not timed out.
    const sent = await f.headEnd.sendCommand(meter.id, 'disconnect', 300);
    assert.equal(sent.status, 'pending');
    assert.ok(sent.expiresAt - sent.sentAt >= (wakeAllowanceMs.cellular ?? 0), 'the command lives through the meter\'s sleep');
    assert.equal(f.headEnd.command(meter.id, sent.id)?.status, 'pending');

    const acks: bigint[] = [];
    const answer = Promise.withResolvers<Uint8Array>();
    const client = await wake(meter, (woken) => {
      woken.on('message', (topic, payload) => {
        void (async () => {
          const opened = await meter.downlink.openValue(meter.id, new Uint8Array(payload));
          if (topic.endsWith('/ack')) acks.push(...ackEntries(decodeAck(opened.value)).map((entry) => entry.counter));
          if (!topic.endsWith('/cmd/req')) return;
          const command = decodeCommand(opened.value);
          answer.resolve(await meter.sender.sealValue(meter.id, 'command-response',
            encodeCommandResponse({ v: 1, id: command.id, ok: true, relay: 'open' })));
        })();
      });
    });
    const sealed = await answer.promise;
    await client.publishAsync(deviceTopic(meter.id, 'cmd/res'), Buffer.from(sealed), { qos: 1 });
    await until(() => f.headEnd.command(meter.id, sent.id)?.status === 'done', 'the late answer recorded');
    const recorded = f.headEnd.command(meter.id, sent.id);
    assert.deepEqual(recorded?.result, { relay: 'open' });
    await until(() => acks.includes(counterOf(sealed)), 'the ack of the answer');

    // The same answer again (as after a lost ack): acknowledged again, recorded once, no refusal.
    await client.publishAsync(deviceTopic(meter.id, 'cmd/res'), Buffer.from(sealed), { qos: 1 });
    await until(() => acks.filter((c) => c === counterOf(sealed)).length === 2, 'the ack of the copy');
    assert.deepEqual(f.headEnd.command(meter.id, sent.id), recorded);
    assert.equal(f.headEnd.ingest.refusals.of(meter.id, 'replayed'), 0);
    await client.endAsync();
  });

  it('sends a command again when a device that had no session at the broker comes online', async () => {
    const meter = await f.device('meter-first-window');
    // Its connection had a clean session: the broker keeps nothing for it, and drops what is sent to it.
    await meter.end();
    f.headEnd.registry.describe(meter.id, { linkProfile: 'cellular' });
    const sent = await f.headEnd.sendCommand(meter.id, 'read', 200);
    assert.equal(sent.status, 'pending');
    let answer: Uint8Array | undefined;
    const client = await wake(meter, (woken) => {
      woken.on('message', (topic, payload) => {
        if (!topic.endsWith('/cmd/req')) return;
        void (async () => {
          const command = decodeCommand((await meter.downlink.openValue(meter.id, new Uint8Array(payload))).value);
          const batch = toWireBatch({ meter: meter.id, snapshots: [snapshot(meter.id, sent.sentAt, 230)] });
          const body = encodeCommandResponse({ v: 1, id: command.id, ok: true, batch });
          answer = await meter.sender.sealValue(meter.id, 'command-response', body);
        })();
      });
    });
    await client.publishAsync(deviceTopic(meter.id, 'status'), '{"state":"online"}', { qos: 1, retain: true });
    await until(() => answer !== undefined, 'the command sent again');
    await client.publishAsync(deviceTopic(meter.id, 'cmd/res'), Buffer.from(answer ?? []), { qos: 1 });
    await until(() => f.headEnd.command(meter.id, sent.id)?.status === 'done', 'the answer of the command sent again');
    await client.endAsync();
  });

  it('anchors a clock-sync on the device\'s last message, and on the refusal of a device that found it stale', async () => {
    const meter = await f.device('meter-clock-1');
    await meter.publish(await meter.seal([snapshot(meter.id, Date.now(), 230)]));
    await meter.acked(1n);
    const syncs: Command[] = [];
    meter.client.on('message', (topic, payload) => {
      if (!topic.endsWith('/cmd/req')) return;
      void (async () => {
        const command = decodeCommand((await meter.downlink.openValue(meter.id, new Uint8Array(payload))).value);
        syncs.push(command);
        // The first found stale (as by a meter that slept since its last message), the second taken.
        const response: CommandResponse =
          syncs.length === 1 ? { v: 1, id: command.id, ok: false, code: 'PW_ERR_COMMAND_STALE', reason: 'may be old' }
          : { v: 1, id: command.id, ok: true, clockOffsetMs: -120 };
        const sealed = await meter.sender.sealValue(meter.id, 'command-response', encodeCommandResponse(response));
        await meter.client.publishAsync(deviceTopic(meter.id, 'cmd/res'), Buffer.from(sealed), { qos: 1 });
      })();
    });
    const record = await f.headEnd.sendCommand(meter.id, 'clock-sync', 10_000);
    assert.equal(record.status, 'done');
    assert.deepEqual(record.result, { clockOffsetMs: -120 });
    assert.deepEqual(syncs.map((c) => [c.id, c.after?.keyId, c.after?.counter]), [[record.id, 1, 1n], [record.id, 1, 2n]]);
    assert.ok(syncs.every((c) => (c.after?.heldMs ?? -1) >= 0), 'each says how long after its anchor came it was stamped');
    assert.ok((syncs[1]?.time ?? 0) >= (syncs[0]?.time ?? Infinity), 'stamped again');
  });

  it('judges a command unanswered only once the device has sent a reading from after its expiry', async () => {
    const meter = await f.device('meter-silent-1');
    const sent = await f.headEnd.sendCommand(meter.id, 'read', 200);
    assert.equal(sent.status, 'pending');
    await meter.publish(await meter.seal([snapshot(meter.id, sent.expiresAt - 1, 230)]));
    await meter.acked(1n);
    assert.equal(f.headEnd.command(meter.id, sent.id)?.status, 'pending', 'a reading from before the expiry proves nothing');
    await meter.publish(await meter.seal([snapshot(meter.id, sent.expiresAt, 231)]));
    await meter.acked(2n);
    await until(() => f.headEnd.command(meter.id, sent.id)?.status === 'timeout', 'the verdict');
    assert.match(f.headEnd.command(meter.id, sent.id)?.reason ?? '', /expired at .* without answering it, so it did not run and will not$/);
  });
});
