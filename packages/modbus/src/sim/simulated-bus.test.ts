import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeededRandom, TransportError, hasCode } from '@phasewire/core';
import { ModbusExceptionError } from '../errors.ts';
import { FunctionCode } from '../function-code.ts';
import { defaultFraming, type SerialFraming } from '../rtu/rtu-timing.ts';
import { ModbusMemory } from '../server/modbus-memory.ts';
import { EventScheduler } from './event-scheduler.ts';
import { SimulatedBus, type Interference } from './simulated-bus.ts';
import { SimulatedMaster, type SimulatedMasterOptions } from './simulated-master.ts';
import { SimulatedSlave } from './simulated-slave.ts';

function meter(unit: number): ModbusMemory {
  const memory = new ModbusMemory({ holdingRegisters: 100, coils: 16 });
  for (let index = 0; index < 100; index++) memory.holdingRegisters[index] = unit * 1000 + index;
  return memory;
}

function setup(framing: SerialFraming, options: { interference?: Interference; master?: SimulatedMasterOptions; delayMs?: number; units?:
  number[] } = {}) {
  const scheduler = new EventScheduler();
  const bus = new SimulatedBus({ scheduler, framing, random: new SeededRandom(7), ...(options.interference ? { interference: options
    .interference } : {}) });
  const memories = new Map<number, ModbusMemory>();
  const slaves = new Map<number, SimulatedSlave>();
  for (const unit of options.units ?? [1, 2]) {
    const memory = meter(unit);
    memories.set(unit, memory);
    slaves.set(unit, new SimulatedSlave(bus, { addresses: [unit], handler: memory.handler, responseDelayMs: options.delayMs ?? 5 }));
  }
  const master = new SimulatedMaster(bus, options.master ?? {});
  return { scheduler, bus, master, slaves, memories };
}

const expected = (unit: number, address: number, count: number): Uint16Array =>
  Uint16Array.from({ length: count }, (_, index) => unit * 1000 + address + index);

const near = (actual: number, wanted: number, what: string): void => {
  assert.ok(Math.abs(actual - wanted) < 1e-6, `${what}: ${actual} ms, expected ${wanted} ms`);
};

describe('simulated RS-485 bus timing', () => {
  it('takes (8 request + 25 response characters) × 11 bits / 9600 baud + the slave\'s 5 ms turnaround for a read of 10 registers at 8E1',
    async () => {
    const { scheduler, master } = setup(defaultFraming(9600));
    const values = await scheduler.runUntilSettled(master.readHoldingRegisters(1, 0, 10));
    assert.deepEqual(values, expected(1, 0, 10));
    near(scheduler.now(), ((8 + 25) * 11 * 1000) / 9600 + 5, 'request, turnaround and response');
  });

  it('counts 10 bits per character at 8N1, the common non-conforming framing', async () => {
    const { scheduler, master } = setup({ baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 });
    await scheduler.runUntilSettled(master.readHoldingRegisters(1, 0, 10));
    near(scheduler.now(), ((8 + 25) * 10 * 1000) / 9600 + 5, 'request, turnaround and response');
  });

  it('keeps t3.5 of silence between frames: a slave that could answer at once still waits 3.5 characters, and so does the next request',
    async () => {
    const { scheduler, master, bus } = setup(defaultFraming(9600), { delayMs: 0 });
    const character = (11 * 1000) / 9600;
    await scheduler.runUntilSettled(Promise.all([master.readHoldingRegisters(1, 0, 10), master.readHoldingRegisters(2, 0, 10)]));
    near(scheduler.now(), 2 * (33 * character + 3.5 * character) + 3.5 * character, 'two transactions and the gap between them');
    assert.equal(bus.stats.collisions, 0);
  });

  it('uses the fixed 1.75 ms t3.5 above 19200 baud', async () => {
    const { scheduler, master } = setup(defaultFraming(115_200), { delayMs: 0 });
    await scheduler.runUntilSettled(master.readHoldingRegisters(1, 0, 10));
    near(scheduler.now(), (33 * 11 * 1000) / 115_200 + 1.75, 'request, t3.5 and response');
  });
});

describe('simulated RS-485 bus faults', () => {
  it('turns bit errors into counted CRC errors and timeouts, never into values', async () => {
    const { scheduler, master, bus, slaves } = setup(defaultFraming(9600), { interference: { bitErrorRate: 1e-3 }, master: { timeoutMs:
      50 } });
    let good = 0;
    const failures = new Map<string, number>();
    for (let round = 0; round < 2000; round++) {
      const unit = 1 + (round % 2);
      const address = round % 90;
      try {
        const values = await scheduler.runUntilSettled(master.readHoldingRegisters(unit, address, 10));
        assert.deepEqual(values, expected(unit, address, 10), `round ${round}`);
        good++;
      } catch (error) {
        assert.ok(hasCode(error, 'PW_ERR_CRC_MISMATCH') || hasCode(error, 'PW_ERR_MODBUS_TIMEOUT'), String(error));
        const code = hasCode(error, 'PW_ERR_CRC_MISMATCH') ? 'PW_ERR_CRC_MISMATCH' : 'PW_ERR_MODBUS_TIMEOUT';
        failures.set(code, (failures.get(code) ?? 0) + 1);
      }
    }
    const crcFailures = failures.get('PW_ERR_CRC_MISMATCH') ?? 0;
    const timeouts = failures.get('PW_ERR_MODBUS_TIMEOUT') ?? 0;
    assert.ok(bus.stats.flippedBits > 0);
    assert.ok(crcFailures > 0 && timeouts > 0, `${crcFailures} CRC failures, ${timeouts} timeouts`);
    assert.ok(good > 1000, `${good} good reads`);
    assert.equal(master.stats.corrupted, crcFailures, 'every corrupted response is counted and failed');
    const slaveCrcErrors = [...slaves.values()].reduce((sum, slave) => sum + slave.stats.requests, 0);
    assert.ok(slaveCrcErrors < 2000, 'corrupted requests never reach the handler');
    assert.ok(master.framerStats.crcErrors + master.framerStats.truncatedFrames > 0);
  });

  it('corrupts only the frames of a slave with its own bit error rate: its neighbour on the same line reads clean', async () => {
    const { scheduler, master, bus } = setup(defaultFraming(9600), { master: { timeoutMs: 50 }, units: [2] });
    const noisy = new SimulatedSlave(bus, { addresses: [1], handler: meter(1).handler, responseDelayMs: 5, bitErrorRate: 1e-3 });
    const failed = new Map<number, number>([[1, 0], [2, 0]]);
    for (let round = 0; round < 600; round++) {
      const unit = 1 + (round % 2);
      try {
        assert.deepEqual(await scheduler.runUntilSettled(master.readHoldingRegisters(unit, 0, 10)), expected(unit, 0, 10));
      } catch (error) {
        assert.ok(hasCode(error, 'PW_ERR_CRC_MISMATCH') || hasCode(error, 'PW_ERR_MODBUS_TIMEOUT'), String(error));
        failed.set(unit, (failed.get(unit) ?? 0) + 1);
      }
    }
    assert.equal(failed.get(2), 0, 'the clean slave never failed');
    assert.ok((failed.get(1) ?? 0) > 10, `the noisy slave failed ${failed.get(1)} times`);
    assert.equal(noisy.stats.requests, 300, 'requests to the noisy slave arrive clean');
    assert.ok(master.stats.corrupted > 0);
    assert.throws(() => new SimulatedSlave(bus, { addresses: [3], handler: meter(3).handler, bitErrorRate: 1 }), (error: unknown) =>
      hasCode(error, 'PW_ERR_INVALID_ARGUMENT'));
  });

  it('times a dead slave out without delaying the bus beyond its timeout, then hears it again when it comes back', async () => {
    const { scheduler, master, slaves } = setup(defaultFraming(9600), { master: { timeoutMs: 100 } });
    const character = (11 * 1000) / 9600;
    slaves.get(1)!.setOnline(false);
    const dead = master.readHoldingRegisters(1, 0, 10);
    const alive = master.readHoldingRegisters(2, 0, 10);
    dead.catch(() => undefined);
    await assert.rejects(scheduler.runUntilSettled(dead), (error: unknown) => hasCode(error, 'PW_ERR_MODBUS_TIMEOUT'));
    near(scheduler.now(), 8 * character + 100, 'the dead slave costs its request and its timeout');
    assert.deepEqual(await scheduler.runUntilSettled(alive), expected(2, 0, 10));
    near(scheduler.now(), 8 * character + 100 + 3.5 * character + 8 * character + 5 + 25 * character,
      'the next slave is served right after');
    slaves.get(1)!.setOnline(true);
    assert.deepEqual(await scheduler.runUntilSettled(master.readHoldingRegisters(1, 0, 10)), expected(1, 0, 10));
  });

  it('follows a slave that fails for a while and comes back by itself', async () => {
    const { scheduler, master, slaves } = setup(defaultFraming(19_200), { master: { timeoutMs: 50 } });
    slaves.get(1)!.failBetween(1000, 3000);
    const outcomes: string[] = [];
    const poll = (async () => {
      while (scheduler.now() < 5000) {
        try {
          await master.readHoldingRegisters(1, 0, 2);
          outcomes.push('ok');
        } catch (error) {
          outcomes.push(hasCode(error, 'PW_ERR_MODBUS_TIMEOUT') ? 'timeout' : String(error));
        }
        await new Promise<void>((resolve) => { scheduler.setTimeout(resolve, 200); });
      }
    })();
    await scheduler.runUntilSettled(poll);
    const firstTimeout = outcomes.indexOf('timeout');
    const lastTimeout = outcomes.lastIndexOf('timeout');
    assert.ok(firstTimeout > 0 && lastTimeout < outcomes.length - 1, outcomes.join(' '));
    assert.ok(outcomes.slice(firstTimeout, lastTimeout + 1).every((o) => o === 'timeout'), outcomes.join(' '));
    assert.ok(outcomes.every((o) => o === 'ok' || o === 'timeout'));
  });

  it('garbles a collision between a late answer and the next exchange, and counts it', async () => {
    const { scheduler, master, bus, slaves } = setup(defaultFraming(9600), { master: { timeoutMs: 100 }, units: [2] });
    // A slow slave at address 1 answers 125 ms after the request, while the next slave is answering, when the master has given up and moved
    // on.
    const slow = meter(1);
    const late = new SimulatedSlave(bus, { addresses: [1], handler: slow.handler, responseDelayMs: 125 });
    const first = master.readHoldingRegisters(1, 0, 10);
    const second = master.readHoldingRegisters(2, 0, 10);
    first.catch(() => undefined);
    second.catch(() => undefined);
    await assert.rejects(scheduler.runUntilSettled(first), (error: unknown) => hasCode(error, 'PW_ERR_MODBUS_TIMEOUT'));
    await assert.rejects(scheduler.runUntilSettled(second), (error: unknown) => hasCode(error, 'PW_ERR_CRC_MISMATCH'));
    assert.equal(bus.stats.collisions, 1);
    assert.equal(late.stats.responses, 1);
    assert.equal(slaves.get(2)!.stats.responses, 1);
    // The line clears and the bus works on.
    assert.deepEqual(await scheduler.runUntilSettled(master.readHoldingRegisters(2, 0, 10)), expected(2, 0, 10));
  });

  it('loses what is sent during a dropout, and works again after it', async () => {
    const { scheduler, master, bus } = setup(defaultFraming(9600), { interference: { dropouts: [{ fromMs: 0, toMs: 20 }] }, master: {
      timeoutMs: 50 } });
    await assert.rejects(scheduler.runUntilSettled(master.readHoldingRegisters(1, 0, 10)), (error: unknown) =>
      error instanceof TransportError);
    assert.equal(bus.stats.lostCharacters, 8);
    assert.deepEqual(await scheduler.runUntilSettled(master.readHoldingRegisters(1, 0, 10)), expected(1, 0, 10));
  });

  it('delivers a broadcast write to every slave and waits the turnaround delay, with no answer', async () => {
    const { scheduler, master, memories, slaves } = setup(defaultFraming(9600), { master: { turnaroundDelayMs: 100 } });
    await scheduler.runUntilSettled(master.writeSingleRegister(0, 7, 4242));
    near(scheduler.now(), 8 * (11 * 1000) / 9600 + 100, 'request and turnaround delay');
    assert.equal(memories.get(1)!.holdingRegisters[7], 4242);
    assert.equal(memories.get(2)!.holdingRegisters[7], 4242);
    assert.equal(slaves.get(1)!.stats.responses, 0);
    await assert.rejects(master.readHoldingRegisters(0, 0, 1), (error: unknown) => hasCode(error, 'PW_ERR_MODBUS_LIMIT'));
  });

  it('answers exceptions from the device as typed errors', async () => {
    const { scheduler, master } = setup(defaultFraming(9600));
    await assert.rejects(scheduler.runUntilSettled(master.readHoldingRegisters(1, 95, 10)),
      (error: unknown) => error instanceof ModbusExceptionError && error.exceptionCode === 2);
    await scheduler.runUntilSettled(master.request(1, { functionCode: FunctionCode.WriteMultipleCoils, address: 0, values: [true, false,
      true] }));
    assert.deepEqual(await scheduler.runUntilSettled(master.readCoils(1, 0, 3)), [true, false, true]);
  });
});
