// `phasewire gateway scan` and `phasewire gateway run` on a serial device node, end to end: a socat
// pty pair is the null-modem cable; on one end phasewire's RTU slave serves two meters (an SDM630
// at unit 4 and an EM24 at unit 11, each the sensing layer's simulated meter through its model's
// register map) through the real `serialport` transport; on the other end the gateway's commands
// open the pty as they would /dev/ttyUSB0. ptys ignore the baud rate and the framing, but the
// port must still accept them (8E1, the Modbus default, and 8N2). The head-end is the agent test
// kit's, as in gateway-run.test.ts.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Command } from 'commander';
import { parseMeterId, quantity, type MeterId } from '@phasewire/core';
import { createSimulatedMeter } from '@phasewire/meter';
import { startTestHeadEnd, type TestHeadEnd } from '@phasewire/agent/testing';
import { createProfileSlave, type ModbusRequestHandler, type Parity } from '@phasewire/modbus';
import { ModbusSerialServer, loadProfiles } from '@phasewire/modbus/node';
import { openPtyPair, type PtyPair } from '@phasewire/modbus/testing';
import { registerGateway } from '../src/commands/gateway.ts';
import { bufferIo, type CliIo } from '../src/io.ts';

const profiles = await loadProfiles();
const served = [{ unit: 4, model: 'sdm630' }, { unit: 11, model: 'em24' }] as const;
const meterOf = (unit: number): MeterId => parseMeterId(`serial-meter-${unit}`);

/** Both meters on one RTU slave at the pty's `a` end; an address not served gets no answer, as on a real line. */
function meterHandlers(): ModbusRequestHandler {
  const handlers = new Map<number, ModbusRequestHandler>();
  for (const { unit, model } of served) {
    const profile = profiles.find((p) => p.model === model);
    assert.ok(profile !== undefined, model);
    const simulated = createSimulatedMeter({ meter: meterOf(unit), scenario: 'balanced-resistive', mode: 'phasor', seed: unit, start: Date
      .now() });
    handlers.set(unit, createProfileSlave({ profile, values: () => simulated.advanceTo(Date.now()) }));
  }
  return (request, unit) => {
    const handler = handlers.get(unit);
    if (handler === undefined) throw new Error(`unit ${unit} is not served`);
    return handler(request, unit);
  };
}

async function serveMeters(pty: PtyPair, line: { parity: Parity; stopBits: 1 | 2 }): Promise<ModbusSerialServer> {
  return ModbusSerialServer.open({ path: pty.a, baudRate: 9600, dataBits: 8, ...line, units: served.map((s) => s.unit), handler:
    meterHandlers() });
}

function program(io: CliIo): Command {
  const root = new Command('phasewire').exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err });
  registerGateway(root, io);
  return root;
}

let head: TestHeadEnd;
let dir: string;
let pty: PtyPair;

before(async () => {
  [head, dir, pty] = await Promise.all([startTestHeadEnd(), mkdtemp(join(tmpdir(), 'phasewire-gateway-serial-')), openPtyPair()]);
  await writeFile(join(dir, 'ca.pem'), head.testCa.anchors);
  const tokens: Record<string, string> = {};
  for (const { unit } of served) tokens[meterOf(unit)] = await head.token(meterOf(unit));
  await writeFile(join(dir, 'tokens.json'), JSON.stringify(tokens));
});
after(async () => {
  await Promise.all([head.close(), pty.close()]);
  await rm(dir, { recursive: true, force: true });
});

describe('phasewire gateway on a serial device (socat pty pair)', () => {
  it('scan finds the unit ids behind the port and identifies their models, at 8E1 and at 8N2', async () => {
    for (const line of [{ parity: 'even', stopBits: 1 }, { parity: 'none', stopBits: 2 }] as const) {
      const server = await serveMeters(pty, line);
      try {
        const io = bufferIo();
        await program(io).parseAsync(['gateway', 'scan', '--port', pty.b, '--baud', '9600', '--parity', line.parity, '--stop-bits', String(
          line.stopBits), '--units', '1-12', '--timeout', '150ms'], { from: 'user' });
        assert.equal(io.stdout().replace(/^(unit \d+: [\w-]+): .*$/gm, '$1'), `unit 4: sdm630\nunit 11: em24\n2 device(s) found on ${pty
          .b} (12 unit id(s) tried)\n`, `${line.parity} parity, ${line.stopBits} stop bit(s)`);
      } finally {
        await server.close();
      }
    }
  });

  it('run identifies the meters on the port and uplinks their readings through their own agents', async () => {
    const server = await serveMeters(pty, { parity: 'even', stopBits: 1 });
    try {
      await writeFile(join(dir, 'serial.json'), JSON.stringify({
        transport: { port: pty.b, baud: 9600, parity: 'even', stopBits: 1, timeout: '500ms' },
        headEnd: { server: `mqtts://127.0.0.1:${head.brokerPort}`, enroll: head.estUrl, keyServer: head.keyUrl, ca: 'ca.pem', tokens:
          'tokens.json' },
        dataDir: 'data', statsEvery: '1h',
        // `auto`: the models are identified over the serial line at start.
        meters: served.map(({ unit }) => ({ meter: meterOf(unit), unit, profile: 'auto', period: '300ms' })),
      }));
      let interrupt = (): void => undefined;
      const io = { ...bufferIo({}, dir), interrupted: new Promise<void>((resolve) => { interrupt = resolve; }) };
      const run = program(io).parseAsync(['gateway', 'run', '--config', 'serial.json'], { from: 'user' });
      run.catch(() => undefined);
      await Promise.race([
        head.until(() => served.every(({ unit }) => (head.readings.get(meterOf(unit))?.size ?? 0) >= 3),
          'three readings of each serial meter at the head-end', 30_000),
        run.then(() => { throw new Error(`gateway run ended early: ${io.stderr()}`); }),
      ]);
      interrupt();
      await run;
      assert.match(io.stdout(), new RegExp(`gateway polling 2 meter\\(s\\) over serial`));
      // `auto` says which model it picked and why: the SDM630 by its live values, the EM24 by its identity register.
      assert.match(io.stdout(),
        new RegExp(/^meter serial-meter-4 at unit 4: identified as sdm630: register 0x00E0/.source +
          / \(function 4\) answers and its register map reads a live meter \(frequency 5\d/.source, 'm'));
      assert.match(io.stdout(),
        /^meter serial-meter-11 at unit 11: identified as em24: identity register 0x000B \(function 3\) holds 16(4[89]|5[0-3])$/m);
      assert.match(io.stdout(), /bus: 2 meters, 0 quarantined/);
      assert.doesNotMatch(io.stderr(), /not staged|quarantined/, 'every poll was good and every reading staged');
      const v1 = quantity('voltageL1').obis;
      const hz = quantity('frequency').obis;
      for (const { unit } of served) {
        const readings = [...head.readings.get(meterOf(unit))?.values() ?? []];
        assert.ok(readings.length >= 3, `${meterOf(unit)}: ${readings.length} readings`);
        for (const snapshot of readings) {
          const volts = snapshot.values.get(v1);
          assert.ok(volts !== undefined && volts > 200 && volts < 260, `${meterOf(unit)} voltage L1 ${volts}`);
          const frequency = snapshot.values.get(hz);
          assert.ok(frequency !== undefined && frequency > 49 && frequency < 51, `${meterOf(unit)} frequency ${frequency}`);
        }
      }
    } finally {
      await server.close();
    }
  });
});
