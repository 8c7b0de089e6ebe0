import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasCode } from '@phasewire/core';
import { ModbusExceptionError } from '../errors.ts';
import { ModbusMemory } from '../server/modbus-memory.ts';
import { openPtyPair } from '../testing/pty-pair.ts';
import { ModbusSerialClient } from './serial-client.ts';
import { ModbusSerialServer } from './serial-server.ts';

describe('RTU on a serial port (socat pty pair)', () => {
  it('serves a client over the line, answers only its address, and carries out broadcasts', async (t) => {
    const pty = await openPtyPair(t);
    const data = new ModbusMemory({ holdingRegisters: 20, coils: 8 });
    data.holdingRegisters.set([0x4366, 0x8000, 7]);
    const line = { baudRate: 9600, dataBits: 8, parity: 'even', stopBits: 1 } as const;
    const server = await ModbusSerialServer.open({ ...line, path: pty.a, units: [17], handler: data.handler });
    const client = await ModbusSerialClient.open({ ...line, path: pty.b, timeoutMs: 300, turnaroundDelayMs: 20 });
    try {
      const reads = [client.readHoldingRegisters(17, 0, 3), client.readHoldingRegisters(17, 1, 2)];
      assert.deepEqual(await Promise.all(reads), [Uint16Array.of(0x4366, 0x8000, 7), Uint16Array.of(0x8000, 7)]);
      await client.writeMultipleCoils(17, 0, [true, true, false, true]);
      assert.deepEqual(await client.readCoils(17, 0, 4), [true, true, false, true]);
      await assert.rejects(client.readHoldingRegisters(17, 19, 2), (error: unknown) => error instanceof ModbusExceptionError && error
        .exceptionCode === 2);
      await assert.rejects(client.readHoldingRegisters(18, 0, 1), (error: unknown) => hasCode(error, 'PW_ERR_MODBUS_TIMEOUT'));
      await client.writeSingleRegister(0, 5, 555);
      assert.equal(data.holdingRegisters[5], 555);
      assert.equal(server.stats.broadcasts, 1);
      assert.equal(server.stats.ignored, 1);
    } finally {
      await client.close();
      await server.close();
      await pty.close();
    }
  });
});

describe('RTU client on a serial port that goes away', () => {
  it('fails fast while the port is gone and reopens it by itself when it is back', { timeout: 20_000 }, async (t) => {
    const pty = await openPtyPair(t);
    const data = new ModbusMemory({ holdingRegisters: 4 });
    data.holdingRegisters.set([1, 2, 3, 4]);
    const line = { baudRate: 19_200, dataBits: 8, parity: 'none', stopBits: 2 } as const;
    let server = await ModbusSerialServer.open({ ...line, path: pty.a, units: [1], handler: data.handler });
    // A response timeout that a loaded machine cannot miss: the refusal while the port is gone must come
    // at once (PW_ERR_MODBUS_DISCONNECTED), not from a timeout.
    const client = await ModbusSerialClient.open({ ...line, path: pty.b, timeoutMs: 2_000, reopenDelayMs: 50, reopenMaxDelayMs: 200 });
    try {
      assert.deepEqual(await client.readHoldingRegisters(1, 0, 2), Uint16Array.of(1, 2));
      await server.close();
      await pty.cut();
      for (let wait = 0; wait < 100 && client.connected; wait++) await new Promise((resolve) => setTimeout(resolve, 20));
      await assert.rejects(client.readHoldingRegisters(1, 0, 2), (error: unknown) => hasCode(error, 'PW_ERR_MODBUS_DISCONNECTED'));
      await pty.restore();
      server = await ModbusSerialServer.open({ ...line, path: pty.a, units: [1], handler: data.handler });
      for (let wait = 0; wait < 200 && !client.connected; wait++) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.deepEqual(await client.readHoldingRegisters(1, 2, 2), Uint16Array.of(3, 4));
    } finally {
      await client.close();
      await server.close();
      await pty.close();
    }
  });
});
