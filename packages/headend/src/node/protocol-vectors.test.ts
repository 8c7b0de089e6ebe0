// The protocol's test vectors (core's protocol/vectors.ts) through the head-end's real receive
// path: a device over mutual TLS publishes each status payload and sealed command response, the
// embedded broker hands them to the head-end. The meter agent's tests run the same vectors through
// its side, so the two ends cannot drift apart again.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deviceTopic } from '@phasewire/core';
import { commandResponseVectors, decodeCommand, statusVectors } from '@phasewire/core/protocol';
import { answerOf } from '../command-message.ts';
import { headEndFixture } from '../testing/headend-test-kit.ts';
import type { HeadEndFixture, TestDevice } from '../testing/headend-test-kit.ts';

async function waitFor(predicate: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !predicate(); waited += 10) {
    if (waited > 10_000) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('protocol vectors through the head-end', { timeout: 120_000 }, () => {
  let f: HeadEndFixture;
  before(async () => { f = await headEndFixture('embedded'); });
  after(async () => { await f.close(); });

  const refusedCodes = (device: TestDevice): (string | undefined)[] =>
    f.events.filter((event) => event.device === device.id && event.reason !== undefined).map((event) => event.code);

  it('records every valid status vector and refuses every invalid one with its code', async () => {
    const device = await f.device('vectors-status');
    for (const vector of statusVectors.valid) {
      await device.client.publishAsync(deviceTopic(device.id, 'status'), Buffer.from(vector.wire as Uint8Array), { qos: 1 });
      // The valid vectors alternate online and offline, so each one is seen to land.
      await waitFor(() => f.headEnd.activity.get(device.id)?.online === (vector.decoded.state === 'online'), vector.name);
    }
    assert.deepEqual(refusedCodes(device), []);
    for (const vector of statusVectors.invalid) {
      const before = refusedCodes(device).length;
      await device.client.publishAsync(deviceTopic(device.id, 'status'), Buffer.from(vector.wire as Uint8Array), { qos: 1 });
      await waitFor(() => refusedCodes(device).length > before, vector.name);
      assert.deepEqual(refusedCodes(device).slice(before), [vector.code], vector.name);
    }
  });

  it('takes every valid command-response vector as the answer to its command', async () => {
    const device = await f.device('vectors-answers');
    for (const vector of commandResponseVectors.valid) {
      const answered = new Promise<void>((resolve, reject) => {
        const onMessage = (topic: string, payload: Buffer): void => {
          if (!topic.endsWith('/cmd/req')) return;
          device.client.off('message', onMessage);
          void (async () => {
            const command = decodeCommand((await device.downlink.openValue(device.id, new Uint8Array(payload))).value);
            const body = { ...(vector.wire as Record<string, unknown>), id: command.id };
            const sealed = await device.sender.sealValue(device.id, 'command-response', body);
            await device.client.publishAsync(deviceTopic(device.id, 'cmd/res'), Buffer.from(sealed), { qos: 1 });
          })().then(resolve, reject);
        };
        device.client.on('message', onMessage);
      });
      const record = await f.headEnd.sendCommand(device.id, 'reconnect', 10_000);
      const answer = answerOf({ ...vector.decoded, id: record.id });
      if (vector.decoded.ok) {
        assert.deepEqual([record.status, record.result], ['done', answer.result ?? {}], vector.name);
      } else {
        assert.deepEqual([record.status, record.code], ['failed', answer.code], vector.name);
        assert.ok(record.reason?.includes(vector.decoded.reason ?? ''), vector.name);
      }
      await answered;
    }
    assert.deepEqual(refusedCodes(device), []);
  });

  it('refuses every invalid command-response vector with its code', async () => {
    // A device logs its first 10 refusals in full (head-end-log.ts `sampled`): a fresh device for every 10 vectors.
    let device = await f.device('vectors-bad-answers');
    for (const [i, vector] of commandResponseVectors.invalid.entries()) {
      if (i > 0 && i % 10 === 0) device = await f.device(`vectors-bad-answers-${i}`);
      const before = refusedCodes(device).length;
      const sealed = await device.sender.sealValue(device.id, 'command-response', vector.wire);
      await device.client.publishAsync(deviceTopic(device.id, 'cmd/res'), Buffer.from(sealed), { qos: 1 });
      await waitFor(() => refusedCodes(device).length > before, vector.name);
      assert.deepEqual(refusedCodes(device).slice(before), [vector.code], vector.name);
    }
  });
});
