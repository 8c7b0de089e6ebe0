import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { hasCode } from '@phasewire/core';
import { ModbusExceptionError } from '../errors.ts';
import { ConformityLevel, ReadDeviceIdCode } from '../function-code.ts';
import { deviceObjectText } from '../pdu/device-identification.ts';
import { ModbusMemory } from '../server/modbus-memory.ts';
import type { ModbusRequestHandler } from '../server/serve-request.ts';
import { ModbusRtuOverTcpClient } from './rtu-over-tcp-client.ts';
import { ModbusTcpClient } from './tcp-client.ts';
import { ModbusTcpServer } from './tcp-server.ts';
import { awaitFirstConnection } from './socket-master.ts';

function memory(): ModbusMemory {
  const m = new ModbusMemory({ coils: 100, discreteInputs: 100, holdingRegisters: 200, inputRegisters: 200 });
  for (let index = 0; index < 200; index++) {
    m.holdingRegisters[index] = index * 3;
    m.inputRegisters[index] = 0xffff - index;
  }
  m.discreteInputs.set([1, 1, 0, 1]);
  return m;
}

const sleep = (ms: number) => new Promise<void>((resolve) => { setTimeout(resolve, ms); });

describe('Modbus/TCP client against the server on loopback', () => {
  it('reads and writes every function code', async () => {
    const data = memory();
    data.deviceObjects.set(0x80, new Uint8Array(240).fill(0x41));
    data.deviceObjects.set(0x81, Uint8Array.from(Buffer.from('extended')));
    data.conformityLevel = ConformityLevel.ExtendedWithIndividual;
    const server = await ModbusTcpServer.listen({ handler: data.handler });
    const client = await ModbusTcpClient.connect({ host: '127.0.0.1', port: server.port });
    try {
      assert.deepEqual(await client.readHoldingRegisters(1, 10, 3), Uint16Array.of(30, 33, 36));
      assert.deepEqual(await client.readInputRegisters(1, 0, 2), Uint16Array.of(0xffff, 0xfffe));
      assert.deepEqual(await client.readDiscreteInputs(1, 0, 4), [true, true, false, true]);
      await client.writeSingleCoil(1, 5, true);
      await client.writeMultipleCoils(1, 6, [true, false, true]);
      assert.deepEqual(await client.readCoils(1, 4, 5), [false, true, true, false, true]);
      await client.writeSingleRegister(1, 0, 0xbeef);
      await client.writeMultipleRegisters(1, 1, [1, 2, 3]);
      assert.deepEqual(await client.readHoldingRegisters(1, 0, 4), Uint16Array.of(0xbeef, 1, 2, 3));
      const identity = await client.readDeviceIdentification(1, ReadDeviceIdCode.Extended);
      assert.equal(deviceObjectText(identity.objects.get(0)!), 'phasewire');
      assert.equal(deviceObjectText(identity.objects.get(0x81)!), 'extended', 'the second object came after "more follows"');
      assert.equal(identity.objects.get(0x80)!.length, 240);
      assert.equal(client.stats.requests, 9 + 3, 'the identification took three rounds of "more follows"');
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('turns an exception response into ModbusExceptionError with its code', async () => {
    const server = await ModbusTcpServer.listen({ handler: memory().handler });
    const client = await ModbusTcpClient.connect({ host: '127.0.0.1', port: server.port });
    try {
      await assert.rejects(client.readHoldingRegisters(1, 190, 20), (error: unknown) =>
        error instanceof ModbusExceptionError && error.exceptionCode === 2 && error.unit === 1
        && error.message === 'Cannot read holding registers (0x03) on unit 1: the device answered exception 0x02 (illegal data address)');
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('times out a request the server never answers, and the connection stays usable', async () => {
    let stall = true;
    const data = memory();
    const handler: ModbusRequestHandler = (request, unit) => (stall ? new Promise(() => undefined) : data.handler(request, unit));
    const server = await ModbusTcpServer.listen({ handler });
    const client = await ModbusTcpClient.connect({ host: '127.0.0.1', port: server.port, timeoutMs: 100 });
    try {
      await assert.rejects(client.readHoldingRegisters(1, 0, 1), (error: unknown) =>
        hasCode(error, 'PW_ERR_MODBUS_TIMEOUT') && /no response within 100 ms/.test((error as Error).message));
      stall = false;
      assert.deepEqual(await client.readHoldingRegisters(1, 1, 1), Uint16Array.of(3));
      assert.equal(client.stats.timeouts, 1);
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('reconnects by itself after the server restarts', async () => {
    const data = memory();
    let server = await ModbusTcpServer.listen({ handler: data.handler });
    const port = server.port;
    const client = await ModbusTcpClient.connect({ host: '127.0.0.1', port, minDelayMs: 20, maxDelayMs: 100 });
    try {
      assert.deepEqual(await client.readHoldingRegisters(1, 1, 1), Uint16Array.of(3));
      await server.close();
      await sleep(50);
      await assert.rejects(client.readHoldingRegisters(1, 1, 1), (error: unknown) => hasCode(error, 'PW_ERR_MODBUS_DISCONNECTED'));
      server = await ModbusTcpServer.listen({ handler: data.handler, port });
      await client.whenConnected();
      assert.deepEqual(await client.readHoldingRegisters(1, 2, 1), Uint16Array.of(6));
      assert.equal(client.connects, 2);
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('pipelines requests on one connection and matches the out-of-order answers by transaction id', async () => {
    const data = memory();
    let concurrent = 0;
    let peak = 0;
    // Later requests are answered sooner, so answers come back in reverse order.
    const handler: ModbusRequestHandler = async (request, unit) => {
      concurrent++;
      peak = Math.max(peak, concurrent);
      const address = 'address' in request ? request.address : 0;
      await sleep(40 - address * 4);
      concurrent--;
      return data.handler(request, unit);
    };
    const server = await ModbusTcpServer.listen({ handler });
    const client = await ModbusTcpClient.connect({ host: '127.0.0.1', port: server.port, maxInFlight: 8 });
    try {
      const reads = Array.from({ length: 8 }, (_, address) => client.readHoldingRegisters(1, address, 1));
      const values = await Promise.all(reads);
      assert.deepEqual(values.map((v) => v[0]), [0, 3, 6, 9, 12, 15, 18, 21]);
      assert.equal(peak, 8, 'all eight were being served at once');
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('answers a unit it does not serve with exception 0x0B, and drops a connection that breaks MBAP framing', async () => {
    const errors: unknown[] = [];
    const server = await ModbusTcpServer.listen({ handler: memory().handler, units: (unit) => unit === 1, onError: (e) => errors.push(e) });
    const client = await ModbusTcpClient.connect({ host: '127.0.0.1', port: server.port });
    try {
      await assert.rejects(client.readHoldingRegisters(9, 0, 1), (error: unknown) => error instanceof ModbusExceptionError && error
        .exceptionCode === 0x0b);
      const raw = connect(server.port, '127.0.0.1');
      await new Promise<void>((resolve) => raw.once('connect', () => { resolve(); }));
      raw.write(Buffer.from('0001000700060103000000010', 'hex'));
      await new Promise<void>((resolve) => raw.once('close', () => { resolve(); }));
      assert.ok(errors.some((error) => hasCode(error, 'PW_ERR_MBAP_HEADER')));
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('reports a server that is not there', async () => {
    const server = await ModbusTcpServer.listen({ handler: memory().handler });
    const port = server.port;
    await server.close();
    await assert.rejects(ModbusTcpClient.connect({ host: '127.0.0.1', port, connectTimeoutMs: 200, minDelayMs: 20 }),
      (error: unknown) => hasCode(error, 'PW_ERR_MODBUS_DISCONNECTED') && /Cannot connect to the Modbus\/TCP server/.test((error as Error)
        .message));
  });

  // A refused connection is known at the first attempt: waiting out the connect timeout (a minute
  // here, longer than the test may take) and then calling it a timeout would hide what happened.
  it('reports a refused connection at once, as refused, with the address', { timeout: 15_000 }, async () => {
    const server = await ModbusTcpServer.listen({ handler: memory().handler });
    const port = server.port;
    await server.close();
    for (const connect of [
      () => ModbusTcpClient.connect({ host: '127.0.0.1', port, connectTimeoutMs: 60_000 }),
      () => ModbusRtuOverTcpClient.connect({ host: '127.0.0.1', port, connectTimeoutMs: 60_000 }),
    ]) {
      await assert.rejects(connect(), (error: unknown) => hasCode(error, 'PW_ERR_MODBUS_DISCONNECTED')
        && new RegExp(`server 127\\.0\\.0\\.1:${port}: the connection was refused`).test((error as Error).message));
    }
  });

  it('reports a first connection that does not come within the timeout as a timeout, and closes the client', async () => {
    let closed = false;
    const silent = { firstAttempt: () => new Promise<void>(() => undefined), close: () => { closed = true; return Promise.resolve(); } };
    await assert.rejects(awaitFirstConnection(silent, 50, 'the Modbus/TCP server 192.0.2.1:502'), (error: unknown) => hasCode(error,
      'PW_ERR_MODBUS_DISCONNECTED')
      && /^Cannot connect to the Modbus\/TCP server 192\.0\.2\.1:502: no connection within 50 ms \(the host did not answer\)/.test((
        error as Error).message));
    assert.equal(closed, true);
  });
});

describe('RTU over TCP', () => {
  it('reads and writes through RTU frames on a TCP stream, one request at a time', async () => {
    const data = memory();
    const server = await ModbusTcpServer.listen({ handler: data.handler, framing: 'rtu' });
    const client = await ModbusRtuOverTcpClient.connect({ host: '127.0.0.1', port: server.port });
    try {
      const reads = [client.readHoldingRegisters(1, 0, 3), client.readInputRegisters(2, 0, 1), client.readDiscreteInputs(1, 0, 4)];
      assert.deepEqual(await Promise.all(reads), [Uint16Array.of(0, 3, 6), Uint16Array.of(0xffff), [true, true, false, true]]);
      await client.writeMultipleRegisters(1, 10, [7, 8]);
      assert.deepEqual(await client.readHoldingRegisters(1, 10, 2), Uint16Array.of(7, 8));
      await assert.rejects(client.readHoldingRegisters(1, 199, 2), (error: unknown) => error instanceof ModbusExceptionError && error
        .exceptionCode === 2);
      assert.equal(client.stats.responses, 6);
    } finally {
      await client.close();
      await server.close();
    }
  });
});
