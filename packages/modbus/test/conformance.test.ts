// Conformance against peers no one here wrote: Debian's pymodbus (server and client), mbpoll,
// RTU on a socat pty pair, and tshark's Modbus/TCP dissector on a capture of phasewire's traffic.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ByteReader, ModbusExceptionError, ModbusMemory, ReadDeviceIdCode, deviceObjectText, registersToBytes } from '../src/index.ts';
import { ModbusRtuOverTcpClient, ModbusSerialClient, ModbusSerialServer, ModbusTcpClient, ModbusTcpServer } from '../src/node/index.ts';
import { freePort, waitForPort } from '@phasewire/test-kit';
import { peersDirectory, PYTHON, run, startCapture, startPythonPeer } from './peers.ts';
import { openPtyPair } from '../src/testing/pty-pair.ts';

/** The values test/peers/pymodbus_server.py serves. */
const peerHolding = [0x4366, 0x8000, ...Array.from({ length: 8 }, (_, index) => 1002 + index)];

/** A phasewire server with the same kind of known values, for the peers to read. */
function phasewireMemory(): ModbusMemory {
  const memory = new ModbusMemory({ holdingRegisters: 100, inputRegisters: 100, coils: 100, discreteInputs: 100 });
  for (let address = 0; address < 100; address++) {
    memory.holdingRegisters[address] = 1000 + address;
    memory.inputRegisters[address] = 2000 + address;
    memory.coils[address] = address % 3 === 0 ? 1 : 0;
    memory.discreteInputs[address] = address % 2;
  }
  memory.holdingRegisters.set([0x4366, 0x8000]);
  return memory;
}

const TIMEOUT = { timeout: 30_000 };

describe('phasewire clients against pymodbus servers', () => {
  it('reads and writes a pymodbus Modbus/TCP server', TIMEOUT, async (t) => {
    const port = await freePort();
    const peer = await startPythonPeer(t, 'pymodbus_server.py', ['tcp', String(port)]);
    t.diagnostic(`peer: ${peer.version}`);
    try {
      await waitForPort(port);
      const client = await ModbusTcpClient.connect({ host: '127.0.0.1', port, timeoutMs: 2000 });
      try {
        const holding = await client.readHoldingRegisters(1, 0, 10);
        assert.deepEqual([...holding], peerHolding);
        assert.equal(new ByteReader(registersToBytes(holding.subarray(0, 2)), 'ABCD').float32(), 230.5);
        assert.deepEqual([...await client.readInputRegisters(1, 0, 3)], [2000, 2001, 2002]);
        assert.deepEqual(await client.readCoils(1, 0, 7), [true, false, false, true, false, false, true]);
        assert.deepEqual(await client.readDiscreteInputs(1, 0, 4), [false, true, false, true]);
        await client.writeMultipleRegisters(1, 50, [7, 8, 9]);
        await client.writeSingleRegister(1, 53, 10);
        assert.deepEqual([...await client.readHoldingRegisters(1, 50, 4)], [7, 8, 9, 10]);
        await client.writeSingleCoil(1, 1, true);
        await client.writeMultipleCoils(1, 2, [true, true]);
        assert.deepEqual(await client.readCoils(1, 0, 4), [true, true, true, true]);
        await assert.rejects(client.readHoldingRegisters(1, 200, 2), (error: unknown) => error instanceof ModbusExceptionError && error
          .exceptionCode === 2);
        const identity = await client.readDeviceIdentification(1, ReadDeviceIdCode.Basic);
        assert.equal(deviceObjectText(identity.objects.get(0)!), 'pymodbus-peer');
        assert.equal(deviceObjectText(identity.objects.get(1)!), 'PEER');
      } finally {
        await client.close();
      }
    } finally {
      await peer.stop();
    }
  });

  it('reads a pymodbus server that speaks RTU over TCP', TIMEOUT, async (t) => {
    const port = await freePort();
    const peer = await startPythonPeer(t, 'pymodbus_server.py', ['rtutcp', String(port)]);
    t.diagnostic(`peer: ${peer.version}`);
    try {
      await waitForPort(port);
      const client = await ModbusRtuOverTcpClient.connect({ host: '127.0.0.1', port, timeoutMs: 2000 });
      try {
        const reads = [client.readHoldingRegisters(1, 0, 10), client.readInputRegisters(1, 5, 2)];
        const [holding, input] = await Promise.all(reads);
        assert.deepEqual([...holding!], peerHolding);
        assert.deepEqual([...input!], [2005, 2006]);
        await assert.rejects(client.readHoldingRegisters(1, 200, 2), (error: unknown) => error instanceof ModbusExceptionError && error
          .exceptionCode === 2);
      } finally {
        await client.close();
      }
    } finally {
      await peer.stop();
    }
  });

  it('reads a pymodbus RTU server on a serial line (socat pty pair)', TIMEOUT, async (t) => {
    const pty = await openPtyPair(t);
    const peer = await startPythonPeer(t, 'pymodbus_server.py', ['serial', pty.a]);
    t.diagnostic(`peer: ${peer.version}`);
    const client = await ModbusSerialClient.open({ path: pty.b, baudRate: 9600, dataBits: 8, parity: 'even', stopBits: 1, timeoutMs:
      1000 });
    try {
      // pymodbus opens its end a moment after printing its version; retry until it answers.
      let holding: Uint16Array | undefined;
      for (let attempt = 0; attempt < 20 && holding === undefined; attempt++) {
        holding = await client.readHoldingRegisters(1, 0, 10).catch(() => undefined);
      }
      assert.deepEqual([...holding ?? []], peerHolding);
      assert.deepEqual(await client.readDiscreteInputs(1, 0, 4), [false, true, false, true]);
      await client.writeSingleRegister(1, 60, 4242);
      assert.deepEqual([...await client.readHoldingRegisters(1, 60, 1)], [4242]);
    } finally {
      await client.close();
      await peer.stop();
      await pty.close();
    }
  });
});

describe('peers against phasewire servers', () => {
  it('serves the pymodbus client over Modbus/TCP', TIMEOUT, async (t) => {
    const memory = phasewireMemory();
    const server = await ModbusTcpServer.listen({ handler: memory.handler });
    try {
      const { stdout } = await run(PYTHON, [join(peersDirectory, 'pymodbus_client.py'), String(server.port)], { timeout: 20_000 });
      const [version, json] = stdout.trim().split('\n');
      t.diagnostic(`peer: ${version ?? ''}`);
      assert.deepEqual(JSON.parse(json ?? '{}'), {
        holding: [0x4366, 0x8000, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009],
        input: [2000, 2001, 2002, 2003, 2004],
        coils: [true, false, false, true, false, false, true, false],
        discrete: [false, true, false, true, false, true, false, true],
        written: [11, 22, 33],
        vendor: 'phasewire',
        exception: 2,
      });
    } finally {
      await server.close();
    }
  });

  it('serves mbpoll over Modbus/TCP, word order included', TIMEOUT, async (t) => {
    const memory = phasewireMemory();
    const server = await ModbusTcpServer.listen({ handler: memory.handler });
    const tcp = ['-m', 'tcp', '-a', '1', '-1', '-p', String(server.port)];
    try {
      const { stdout: version } = await run('dpkg-query', ['-W', '-f', '${Version}', 'mbpoll']);
      t.diagnostic(`peer: mbpoll ${version.trim()} (Debian package)`);
      const holding = await run('mbpoll', [...tcp, '-r', '3', '-c', '3', '-t', '4', '127.0.0.1']);
      assert.match(holding.stdout, /\[3\]:\s+1002\n\[4\]:\s+1003\n\[5\]:\s+1004/);
      const float = await run('mbpoll', [...tcp, '-r', '1', '-c', '1', '-t', '4:float', '-B', '127.0.0.1']);
      assert.match(float.stdout, /\[1\]:\s+230\.5/);
      const coils = await run('mbpoll', [...tcp, '-r', '1', '-c', '4', '-t', '0', '127.0.0.1']);
      assert.match(coils.stdout, /\[1\]:\s+1\n\[2\]:\s+0\n\[3\]:\s+0\n\[4\]:\s+1/);
      await run('mbpoll', ['-m', 'tcp', '-a', '1', '-p', String(server.port), '-r', '41', '-t', '4', '127.0.0.1', '4', '5', '6']);
      assert.deepEqual([...memory.holdingRegisters.subarray(40, 43)], [4, 5, 6]);
    } finally {
      await server.close();
    }
  });

  it('serves mbpoll over RTU on a serial line (socat pty pair)', TIMEOUT, async (t) => {
    // ptys ignore the baud rate and parity; both ends are set to 9600 8E1 all the same.
    const pty = await openPtyPair(t);
    const memory = phasewireMemory();
    const server = await ModbusSerialServer.open({ path: pty.a, baudRate: 9600, dataBits: 8, parity: 'even', stopBits: 1, units: [17],
      handler: memory.handler });
    try {
      const rtu = ['-m', 'rtu', '-b', '9600', '-d', '8', '-P', 'even', '-s', '1', '-a', '17', '-1'];
      const holding = await run('mbpoll', [...rtu, '-r', '3', '-c', '3', '-t', '4', pty.b]);
      assert.match(holding.stdout, /\[3\]:\s+1002\n\[4\]:\s+1003\n\[5\]:\s+1004/);
      const input = await run('mbpoll', [...rtu, '-r', '1', '-c', '2', '-t', '3', pty.b]);
      assert.match(input.stdout, /\[1\]:\s+2000\n\[2\]:\s+2001/);
      const float = await run('mbpoll', [...rtu, '-r', '1', '-c', '1', '-t', '4:float', '-B', pty.b]);
      assert.match(float.stdout, /\[1\]:\s+230\.5/);
      assert.equal(server.stats.requests, 3);
      assert.equal(server.framerStats.crcErrors, 0);
    } finally {
      await server.close();
      await pty.close();
    }
  });
});

describe('tshark decodes phasewire traffic', () => {
  it('dissects every Modbus/TCP frame of a client–server exchange without a malformed packet', TIMEOUT, async (t) => {
    const directory = await mkdtemp(join(tmpdir(), 'phasewire-capture-'));
    const file = join(directory, 'modbus.pcapng');
    const memory = phasewireMemory();
    const server = await ModbusTcpServer.listen({ handler: memory.handler });
    try {
      const { stdout: version } = await run('tshark', ['--version']);
      t.diagnostic(`peer: ${version.split('\n')[0] ?? ''}`);
      const capture = await startCapture(t, server.port, file);
      const client = await ModbusTcpClient.connect({ host: '127.0.0.1', port: server.port, maxInFlight: 4 });
      try {
        await Promise.all([client.readCoils(1, 0, 10), client.readDiscreteInputs(1, 0, 10), client.readHoldingRegisters(1, 0, 80), client
          .readInputRegisters(1, 0, 5)]);
        await client.writeSingleCoil(1, 3, true);
        await client.writeSingleRegister(1, 4, 1234);
        await client.writeMultipleCoils(1, 10, [true, false, true]);
        await client.writeMultipleRegisters(1, 20, [1, 2, 3]);
        await client.readDeviceIdentification(1, ReadDeviceIdCode.Basic);
        await assert.rejects(client.readHoldingRegisters(1, 99, 5), ModbusExceptionError);
      } finally {
        await client.close();
        await capture.stop();
      }
      const dissect = ['-r', file, '-o', `mbtcp.tcp.port:${server.port}`];
      const frames = await run('tshark', [...dissect, '-Y', 'mbtcp', '-T', 'fields', '-e', 'mbtcp.trans_id', '-e', 'modbus.func_code', '-e',
        'modbus.exception_code']);
      // One row per packet; pipelined messages that share a TCP segment share a row, comma-separated.
      const rows = frames.stdout.trim().split('\n').map((line) => line.split('\t').map((field) => (field === '' ? [] : field.split(','))));
      const transactions = rows.flatMap((row) => row[0] ?? []);
      assert.equal(transactions.length, 2 * 10, `ten requests and ten responses: ${JSON.stringify(rows)}`);
      const codes = new Set(rows.flatMap((row) => (row[1] ?? []).map(Number)));
      assert.deepEqual([...codes].sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 15, 16, 43]);
      assert.ok(rows.some((row) => row[2]?.includes('2') === true), 'the exception response is dissected with its code');
      const problems = await run('tshark', [...dissect, '-Y', '_ws.malformed || _ws.expert.severity >= "warning"']);
      assert.equal(problems.stdout.trim(), '', 'no malformed or suspicious packet');
    } finally {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    }
  });
});
