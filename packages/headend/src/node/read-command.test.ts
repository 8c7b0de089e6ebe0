// A `read` command through the head-end, with a real MQTT client over mutual TLS 1.3 answering as
// the meter agent does (its on-demand reading as a wire batch): the head-end answers quantities by
// OBIS code in base units with their unit names, never the batch's scaled integers.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deviceTopic, Q, toWireBatch, type Snapshot, type WireBatch } from '@phasewire/core';
import { decodeCommand, encodeCommandResponse } from '@phasewire/core/protocol';
import { headEndFixture } from '../testing/headend-test-kit.ts';
import type { HeadEndFixture, TestDevice } from '../testing/headend-test-kit.ts';

const t0 = Date.UTC(2026, 0, 5, 10, 0);

/**
 * Answers every command on the device's cmd/req with a reading batch as the meter agent would,
 * sealed on cmd/res; the answers published so far, for the test to wait for before it ends.
 */
function answerCommands(device: TestDevice, batchOf: (meter: string) => WireBatch): Promise<void>[] {
  const answers: Promise<void>[] = [];
  device.client.on('message', (topic, payload) => {
    if (!topic.endsWith('/cmd/req')) return;
    answers.push((async () => {
      const command = decodeCommand((await device.downlink.openValue(device.id, new Uint8Array(payload))).value);
      const body = encodeCommandResponse({ v: 1, id: command.id, ok: true, batch: batchOf(device.id) });
      const sealed = await device.sender.sealValue(device.id, 'command-response', body);
      await device.client.publishAsync(deviceTopic(device.id, 'cmd/res'), Buffer.from(sealed), { qos: 1 });
    })());
  });
  return answers;
}

describe('a read command through the head-end', { timeout: 60_000 }, () => {
  let f: HeadEndFixture;
  before(async () => { f = await headEndFixture('embedded'); });
  after(async () => { await f.close(); });

  it('answers the meter\'s reading by OBIS code, in base units with the unit named', async () => {
    const meter = await f.device('meter-read-1');
    const reading: Snapshot = {
      meter: meter.id, at: t0,
      values: new Map([[Q.voltageL1, 231.27], [Q.currentL1, 5.125], [Q.activeEnergyImport, 1_234_567.8], [Q.powerFactorL1, 0.9]]),
    };
    const answers = answerCommands(meter, () => toWireBatch({ meter: meter.id, snapshots: [{ ...reading, at: t0 - 900_000 }, reading] }));
    const record = await f.headEnd.sendCommand(meter.id, 'read', 10_000);
    await Promise.all(answers);
    assert.equal(record.status, 'done');
    assert.deepEqual(record.result, {
      at: '2026-01-05T10:00:00.000Z',
      values: {
        '1-0:32.7.0': { key: 'voltageL1', value: 231.27, unit: 'V' },
        '1-0:31.7.0': { key: 'currentL1', value: 5.125, unit: 'A' },
        '1-0:1.8.0': { key: 'activeEnergyImport', value: 1_234_567.8, unit: 'Wh' },
        '1-0:33.7.0': { key: 'powerFactorL1', value: 0.9, unit: '1' },
      },
    });
  });

  it('fails the command, saying why, when the answer holds no reading of the meter', async () => {
    const meter = await f.device('meter-read-2');
    const answers = answerCommands(meter, () => toWireBatch({
      meter: 'meter-other' as typeof meter.id, snapshots: [{ meter: meter.id, at: t0, values: new Map([[Q.voltageL1, 230]]) }],
    }));
    const record = await f.headEnd.sendCommand(meter.id, 'read', 10_000);
    await Promise.all(answers);
    assert.equal(record.status, 'failed');
    assert.equal(record.code, 'PW_ERR_HEADEND_COMMAND');
    assert.match(record.reason ?? '', /answered read command .* without a reading that can be used: .*meter-other/);
  });
});
