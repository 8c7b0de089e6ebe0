import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasCode } from '@phasewire/core';
import { EventScheduler } from '../sim/event-scheduler.ts';
import { encodeRtuFrame } from '../rtu/rtu-frame.ts';
import { ChannelClient } from './modbus-client.ts';
import { RtuMaster } from './rtu-master.ts';

const hex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'));

function setup(maxQueued = 4) {
  const scheduler = new EventScheduler();
  const written: Uint8Array[] = [];
  const master = new RtuMaster({
    link: { write: (bytes) => { written.push(bytes); } },
    timers: scheduler, resync: 'silence', interFrameDelayMs: 4, transmitMs: (n) => n, maxQueued,
  });
  return { scheduler, written, master, client: new ChannelClient(master, { timeoutMs: 100 }) };
}

describe('RtuMaster', () => {
  it('sends one request at a time, keeping the inter-frame silence, and matches each answer to it', async () => {
    const { scheduler, written, master, client } = setup();
    const first = client.readHoldingRegisters(1, 0, 1);
    const second = client.readHoldingRegisters(2, 0, 1);
    await scheduler.runFor(1);
    assert.equal(written.length, 1, 'the second waits for the first');
    assert.deepEqual(written[0], encodeRtuFrame(1, hex('03 0000 0001')));
    await scheduler.runFor(20);
    master.receive(encodeRtuFrame(1, hex('03 02 00 2A')));
    assert.deepEqual(await first, Uint16Array.of(42));
    await scheduler.runFor(3);
    assert.equal(written.length, 1, 'not before t3.5 of silence');
    await scheduler.runFor(2);
    assert.equal(written.length, 2);
    master.receive(encodeRtuFrame(2, hex('03 02 00 07')));
    assert.deepEqual(await second, Uint16Array.of(7));
  });

  it('fails fast on a corrupted response, and refuses an answer from another address', async () => {
    const { scheduler, master, client } = setup();
    const corrupted = encodeRtuFrame(1, hex('03 02 00 2A'));
    corrupted[3] = 0x2b;
    const first = client.readHoldingRegisters(1, 0, 1);
    await scheduler.runFor(10);
    master.receive(corrupted);
    await assert.rejects(first, (error: unknown) => hasCode(error, 'PW_ERR_CRC_MISMATCH') && /failed its CRC check/.test((error as Error)
      .message));
    master.silence();
    const second = client.readHoldingRegisters(1, 0, 1);
    await scheduler.runFor(20);
    master.receive(encodeRtuFrame(9, hex('03 02 00 2A')));
    await assert.rejects(second, (error: unknown) => hasCode(error, 'PW_ERR_MODBUS_UNEXPECTED_RESPONSE') && /from address 9/.test((
      error as Error).message));
    assert.equal(master.stats.corrupted, 1);
  });

  it('counts a late answer after a timeout as unexpected instead of handing it to the next request', async () => {
    const { scheduler, master, client } = setup();
    const first = client.readHoldingRegisters(1, 0, 1, { timeoutMs: 50 });
    first.catch(() => undefined);
    await scheduler.runFor(100);
    await assert.rejects(first, (error: unknown) => hasCode(error, 'PW_ERR_MODBUS_TIMEOUT'));
    master.receive(encodeRtuFrame(1, hex('03 02 00 2A')));
    assert.equal(master.stats.unexpectedFrames, 1);
    assert.equal(master.stats.timeouts, 1);
  });

  it('bounds its queue and fails everything on link loss and close', async () => {
    const { scheduler, master, client } = setup(2);
    const pending = [client.readHoldingRegisters(1, 0, 1), client.readHoldingRegisters(1, 0, 1), client.readHoldingRegisters(1, 0, 1)];
    await scheduler.runFor(1);
    const overflow = client.readHoldingRegisters(1, 0, 1);
    await assert.rejects(overflow, (error: unknown) => hasCode(error, 'PW_ERR_MODBUS_QUEUE_FULL'));
    assert.equal(master.queued, 2);
    master.linkDown('the port closed');
    for (const request of pending) await assert.rejects(request, (error: unknown) => hasCode(error, 'PW_ERR_MODBUS_DISCONNECTED'));
    await assert.rejects(client.readHoldingRegisters(1, 0, 1), (error: unknown) => hasCode(error, 'PW_ERR_MODBUS_DISCONNECTED'));
    master.linkUp();
    const afterClose = client.readHoldingRegisters(1, 0, 1);
    await client.close();
    await assert.rejects(afterClose, (error: unknown) => hasCode(error, 'PW_ERR_MODBUS_CLOSED'));
    await assert.rejects(client.readHoldingRegisters(1, 0, 1), (error: unknown) => hasCode(error, 'PW_ERR_MODBUS_CLOSED'));
  });

  it('refuses addresses above 247 and reads to the broadcast address before sending anything', async () => {
    const { written, client } = setup();
    await assert.rejects(client.readHoldingRegisters(248, 0, 1), (error: unknown) => hasCode(error, 'PW_ERR_MODBUS_LIMIT'));
    await assert.rejects(client.readCoils(0, 0, 1), (error: unknown) => hasCode(error, 'PW_ERR_MODBUS_LIMIT'));
    await assert.rejects(client.writeMultipleRegisters(1, 0, [70_000]), (error: unknown) => hasCode(error, 'PW_ERR_MODBUS_LIMIT'));
    assert.equal(written.length, 0);
  });
});
