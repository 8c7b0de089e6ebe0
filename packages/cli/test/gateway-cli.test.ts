// `phasewire gateway scan|run|simulate-bus`: options and configuration refused before any bus or
// network work, and a scan of a Modbus/TCP bus that serves two meters' profiles.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import { hasCode, parseMeterId, type ErrorCode } from '@phasewire/core';
import { parseGatewayConfig } from '@phasewire/gateway';
import { createSimulatedMeter } from '@phasewire/meter';
import { createProfileSlave, type ModbusRequestHandler } from '@phasewire/modbus';
import { ModbusTcpServer, loadProfiles } from '@phasewire/modbus/node';
import { parseUnits, registerGateway } from '../src/commands/gateway.ts';
import { bufferIo } from '../src/io.ts';

function program(cwd = '.') {
  const io = bufferIo({}, cwd);
  const root = new Command('phasewire').exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err });
  registerGateway(root, io);
  return { root, io };
}

const refusedWith = (code: ErrorCode, pattern?: RegExp) => (error: unknown): boolean => hasCode(error, code) && (pattern === undefined ||
  pattern.test((error as Error).message));

describe('phasewire gateway options', () => {
  it('has scan, run and simulate-bus', () => {
    assert.deepEqual(program().root.commands.find((c) => c.name() === 'gateway')?.commands.map((c) => c.name()), ['scan', 'run',
      'simulate-bus']);
  });

  it('reads unit lists and ranges within 1..247', () => {
    assert.deepEqual(parseUnits('1-3,7,5-6,2'), [1, 2, 3, 5, 6, 7]);
    assert.equal(parseUnits('1-247').length, 247);
    for (const bad of ['0-3', '1-248', '5-1', 'all', '']) assert.throws(() => parseUnits(bad), refusedWith('PW_ERR_INVALID_OPTION',
      /--units/));
  });

  it('refuses a bad port, parity or unit list before opening anything', async () => {
    const scan = (args: string[]) => program().root.parseAsync(['gateway', 'scan', ...args], { from: 'user' });
    await assert.rejects(scan(['--port', 'udp://host:1']), refusedWith('PW_ERR_GATEWAY_FILE', /--port/));
    await assert.rejects(scan(['--port', '/dev/ttyS0', '--parity', 'mark']), refusedWith('PW_ERR_INVALID_OPTION', /--parity/));
    await assert.rejects(scan(['--port', '/dev/ttyS0', '--units', '0-9']), refusedWith('PW_ERR_INVALID_OPTION', /--units/));
  });

  it('refuses a missing or invalid configuration, naming the file and the field', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'phasewire-gateway-cli-'));
    try {
      const run = (file: string) => program(dir).root.parseAsync(['gateway', 'run', '--config', file], { from: 'user' });
      await assert.rejects(run('absent.json'), refusedWith('PW_ERR_GATEWAY_FILE', /absent\.json/));
      await writeFile(join(dir, 'bad.json'), JSON.stringify({ transport: { port: 'tcp://127.0.0.1:1' }, headEnd: { server:
        'mqtts://127.0.0.1:1' }, meters: [{ meter: 'gw-1', unit: 300 }] }));
      await assert.rejects(run('bad.json'), refusedWith('PW_ERR_GATEWAY_FILE', /bad\.json: field meters\[0\]\.unit is 300/));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('writes a simulated-bus configuration that run accepts, with the noisy and the dead meter asked for', async () => {
    const { root, io } = program();
    await root.parseAsync(['gateway', 'simulate-bus', '--server', 'mqtts://127.0.0.1:8883', '--meters', '4', '--noisy', '1', '--dead', '4'],
      { from: 'user' });
    const config = parseGatewayConfig(JSON.parse(io.stdout()), 'out');
    assert.equal(config.meters.length, 4);
    assert.equal(config.meters[0]?.simulate?.bitErrorRate, 1e-4);
    assert.deepEqual(config.meters[3]?.simulate?.deadBetween, [60_000, 180_000]);
    assert.equal(config.transport.kind, 'simulated');
  });

  it('writes the envelope-key endpoint that enrollment needs, and refuses --enroll without --key-server', async () => {
    const { root, io } = program();
    const args = ['gateway', 'simulate-bus', '--server', 'mqtts://127.0.0.1:8883', '--enroll', 'https://127.0.0.1:8443', '--ca', 'ca.pem'];
    await root.parseAsync([...args, '--key-server', 'https://127.0.0.1:8444'], { from: 'user' });
    const config = parseGatewayConfig(JSON.parse(io.stdout()), 'out');
    assert.deepEqual([config.headEnd.enroll, config.headEnd.keyServer], ['https://127.0.0.1:8443', 'https://127.0.0.1:8444']);
    await assert.rejects(program().root.parseAsync(args, { from: 'user' }), refusedWith('PW_ERR_INVALID_OPTION',
      /--enroll alone: .*expected both or neither/));
  });
});

describe('phasewire gateway scan', () => {
  it('says at once that a Modbus/TCP port refuses the connection, naming the address', { timeout: 15_000 }, async () => {
    const listener = createServer().listen(0, '127.0.0.1');
    await once(listener, 'listening');
    const port = (listener.address() as AddressInfo).port;
    await new Promise((resolve) => { listener.close(resolve); });
    await assert.rejects(program().root.parseAsync(['gateway', 'scan', '--port', `tcp://127.0.0.1:${port}`, '--units', '1-2'], { from:
      'user' }),
      refusedWith('PW_ERR_MODBUS_DISCONNECTED', new RegExp(
        `^Cannot connect to the Modbus/TCP server 127\\.0\\.0\\.1:${port}: the connection was refused`)));
  });

  it('finds the units that answer on a Modbus/TCP bus and names their models', async () => {
    const profiles = await loadProfiles();
    const served = new Map<number, ModbusRequestHandler>();
    for (const [unit, model] of [[3, 'sdm630'], [9, 'em24']] as const) {
      const profile = profiles.find((p) => p.model === model);
      assert.ok(profile !== undefined);
      const meter = createSimulatedMeter({ meter: parseMeterId(`scan-${unit}`), scenario: 'balanced-resistive', mode: 'phasor', seed: unit,
        start: 0 });
      const snapshot = meter.advanceTo(60_000);
      served.set(unit, createProfileSlave({ profile, values: () => snapshot }));
    }
    const server = await ModbusTcpServer.listen({
      port: 0, units: (unit) => served.has(unit),
      handler: (request, unit) => served.get(unit)?.(request, unit) ?? { functionCode: request.functionCode, exceptionCode: 0x0b },
    });
    try {
      const { root, io } = program();
      await root.parseAsync(['gateway', 'scan', '--port', `tcp://127.0.0.1:${server.port}`, '--units', '1-12', '--timeout', '200ms'], {
        from: 'user' });
      const lines = io.stdout().split('\n');
      // Each model named with its evidence: the SDM630 has no identity register, so its values must read a live meter.
      assert.match(lines[0] ?? '',
        new RegExp(/^unit 3: sdm630: register 0x00E0 \(function 4\) answers and its register map reads a live meter/.source +
          / \(frequency 50(\.\d+)? Hz, voltageL1 2\d\d(\.\d+)? V/.source));
      assert.match(lines[1] ?? '', /^unit 9: em24: identity register 0x000B \(function 3\) holds 16(4[89]|5[0-3])$/);
      assert.deepEqual(lines.slice(2), [`2 device(s) found on tcp://127.0.0.1:${server.port} (12 unit id(s) tried)`, '']);
    } finally {
      await server.close();
    }
  });
});
