import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasCode } from '@phasewire/core';
import { EventScheduler } from '../sim/event-scheduler.ts';
import { decodeMbapFrame, encodeMbapFrame } from '../tcp/mbap.ts';
import { ChannelClient } from './modbus-client.ts';
import { MbapMaster } from './mbap-master.ts';

const hex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'));

function setup(maxInFlight: number, maxQueued = 16) {
  const scheduler = new EventScheduler();
  const written: Uint8Array[] = [];
  const aborted: Error[] = [];
  const master = new MbapMaster({
    link: { write: (bytes) => { written.push(bytes); }, abort: (error) => { aborted.push(error); } },
    timers: scheduler, maxInFlight, maxQueued,
  });
  master.linkUp();
  const answer = (index: number, pdu: string, unitId?: number): void => {
    const request = decodeMbapFrame(written[index]!);
    master.receive(encodeMbapFrame({ transactionId: request.transactionId, unitId: unitId ?? request.unitId, pdu: hex(pdu) }));
  };
  return { scheduler, written, aborted, master, answer, client: new ChannelClient(master, { timeoutMs: 100 }) };
}

describe('MbapMaster', () => {
  it('pipelines requests and matches answers by transaction id, in whatever order they come', async () => {
    const { written, answer, client } = setup(3);
    const reads = [client.readHoldingRegisters(1, 0, 1), client.readHoldingRegisters(1, 1, 1), client.readHoldingRegisters(2, 2, 1)];
    assert.equal(written.length, 3, 'all three are on the wire before any answer');
    assert.deepEqual(written.map((w) => decodeMbapFrame(w).transactionId), [1, 2, 3]);
    answer(2, '03 02 00 03');
    answer(0, '03 02 00 01');
    answer(1, '03 02 00 02');
    assert.deepEqual(await Promise.all(reads), [Uint16Array.of(1), Uint16Array.of(2), Uint16Array.of(3)]);
  });

  it('keeps to maxInFlight and sends the next as soon as a slot frees', async () => {
    const { written, answer, client } = setup(1);
    const first = client.readHoldingRegisters(1, 0, 1);
    const second = client.readHoldingRegisters(1, 1, 1);
    assert.equal(written.length, 1);
    answer(0, '03 02 00 01');
    assert.deepEqual(await first, Uint16Array.of(1));
    assert.equal(written.length, 2);
    answer(1, '03 02 00 02');
    assert.deepEqual(await second, Uint16Array.of(2));
  });

  it('drops a late answer to a timed-out request instead of giving it to another', async () => {
    const { scheduler, written, answer, master, client } = setup(1);
    const first = client.readHoldingRegisters(1, 0, 1, { timeoutMs: 50 });
    first.catch(() => undefined);
    const second = client.readHoldingRegisters(1, 1, 1, { timeoutMs: 500 });
    await scheduler.runFor(60);
    await assert.rejects(first, (error: unknown) => hasCode(error, 'PW_ERR_MODBUS_TIMEOUT') && /no response within 50 ms/.test((
      error as Error).message));
    assert.equal(written.length, 2);
    answer(0, '03 02 00 99');
    assert.equal(master.stats.unmatched, 1);
    answer(1, '03 02 00 02');
    assert.deepEqual(await second, Uint16Array.of(2));
  });

  it('refuses an answer from another unit, and a device exception becomes a typed error', async () => {
    const { answer, client } = setup(2);
    const wrongUnit = client.readHoldingRegisters(1, 0, 1);
    const refused = client.readHoldingRegisters(1, 900, 1);
    answer(0, '03 02 00 01', 5);
    answer(1, '83 02');
    await assert.rejects(wrongUnit, (error: unknown) => hasCode(error, 'PW_ERR_MODBUS_UNEXPECTED_RESPONSE'));
    await assert.rejects(refused, (error: unknown) => hasCode(error, 'PW_ERR_MODBUS_EXCEPTION')
      && /device answered exception 0x02 \(illegal data address\)/.test((error as Error).message));
  });

  it('asks for the connection to be dropped when the stream breaks MBAP framing', () => {
    const { aborted, master } = setup(1);
    master.receive(hex('0001 0007 0006 01 03 0000 0001'));
    assert.equal(aborted.length, 1);
    assert.ok(hasCode(aborted[0], 'PW_ERR_MBAP_HEADER'));
  });

  it('fails what is in flight on link loss, refuses while down, and bounds its queue', async () => {
    const { master, client } = setup(1, 1);
    const inFlight = client.readHoldingRegisters(1, 0, 1);
    const queued = client.readHoldingRegisters(1, 0, 1);
    await assert.rejects(client.readHoldingRegisters(1, 0, 1), (error: unknown) => hasCode(error, 'PW_ERR_MODBUS_QUEUE_FULL'));
    master.linkDown('the peer closed the connection');
    await assert.rejects(inFlight, (error: unknown) => hasCode(error, 'PW_ERR_MODBUS_DISCONNECTED'));
    await assert.rejects(queued, (error: unknown) => hasCode(error, 'PW_ERR_MODBUS_DISCONNECTED'));
    await assert.rejects(client.readHoldingRegisters(1, 0, 1), (error: unknown) => hasCode(error, 'PW_ERR_MODBUS_DISCONNECTED'));
  });

  it('never gives a transaction id still in flight to another request, skips 0, and wraps after 65535', async () => {
    const { written, answer, client } = setup(2);
    const stuck = client.readHoldingRegisters(1, 0, 1, { timeoutMs: 10_000_000 });
    stuck.catch(() => undefined);
    const reads: Promise<Uint16Array>[] = [];
    for (let round = 0; round < 70_000; round++) {
      // The request is written synchronously, so it can be answered at once.
      reads.push(client.readHoldingRegisters(1, 0, 1));
      answer(written.length - 1, '03 02 00 01');
    }
    await Promise.all(reads);
    const [first, ...later] = written.map((w) => decodeMbapFrame(w).transactionId);
    assert.equal(first, 1);
    assert.ok(!later.includes(1), 'id 1 stays with the request still waiting for its answer');
    assert.ok(!later.includes(0), 'id 0 is never used');
    assert.ok(later.some((id, index) => index > 0 && id < (later[index - 1] ?? 0)), 'the counter wrapped');
    await client.close();
  });

  it('counts a late answer as unmatched when its id\'s place is now held by another request', async () => {
    const { scheduler, written, answer, master, client } = setup(1);
    const late = client.readHoldingRegisters(1, 0, 1, { timeoutMs: 50 });
    late.catch(() => undefined);
    await scheduler.runFor(60);
    await assert.rejects(late, (error: unknown) => hasCode(error, 'PW_ERR_MODBUS_TIMEOUT'));
    // Two more requests, one after the other, so that one of them takes the place id 1 had.
    const second = client.readHoldingRegisters(1, 1, 1);
    answer(1, '03 02 00 02');
    assert.deepEqual(await second, Uint16Array.of(2));
    const third = client.readHoldingRegisters(1, 2, 1);
    assert.deepEqual(written.map((w) => decodeMbapFrame(w).transactionId), [1, 2, 3]);
    answer(0, '03 02 00 99');
    assert.equal(master.stats.unmatched, 1, 'the answer to id 1 settles nothing');
    answer(2, '03 02 00 03');
    assert.deepEqual(await third, Uint16Array.of(3));
  });

  it('rejects the request when its answer cannot be decoded, and goes on with the next', async () => {
    const { written, answer, client } = setup(1);
    const short = client.readHoldingRegisters(1, 0, 2);
    const next = client.readHoldingRegisters(1, 2, 1);
    answer(0, '03 02 00 01');
    await assert.rejects(short, (error: unknown) => hasCode(error, 'PW_ERR_MODBUS_UNEXPECTED_RESPONSE') && /1 registers, 2 were requested/
      .test((error as Error).message));
    assert.equal(written.length, 2);
    answer(1, '03 02 00 07');
    assert.deepEqual(await next, Uint16Array.of(7));
  });
});
