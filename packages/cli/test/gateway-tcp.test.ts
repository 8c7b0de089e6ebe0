// `phasewire gateway run` on Modbus/TCP with `transport.maxInFlight`: the configuration reaches both
// the client and the scheduler, so the read blocks of a poll arrive at the meter's server together
// (phasewire's Modbus/TCP server serves concurrent transactions), and the readings are uplinked
// as on any bus. Without the field, one block at a time. The head-end is the agent test kit's, as
// in gateway-run.test.ts.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Command } from 'commander';
import { parseMeterId, quantity } from '@phasewire/core';
import { createSimulatedMeter } from '@phasewire/meter';
import { startTestHeadEnd, type TestHeadEnd } from '@phasewire/agent/testing';
import { createProfileSlave, planReads } from '@phasewire/modbus';
import { ModbusTcpServer, loadProfiles } from '@phasewire/modbus/node';
import { registerGateway } from '../src/commands/gateway.ts';
import { bufferIo } from '../src/io.ts';

const profiles = await loadProfiles();
const sdm630 = profiles.find((p) => p.model === 'sdm630');
assert.ok(sdm630 !== undefined);
const meter = parseMeterId('tcp-meter-1');

let head: TestHeadEnd;
let dir: string;

before(async () => {
  [head, dir] = await Promise.all([startTestHeadEnd(), mkdtemp(join(tmpdir(), 'phasewire-gateway-tcp-'))]);
  await writeFile(join(dir, 'ca.pem'), head.testCa.anchors);
  await writeFile(join(dir, 'tokens.json'), JSON.stringify({ [meter]: await head.token(meter) }));
});
after(async () => {
  await head.close();
  await rm(dir, { recursive: true, force: true });
});

/** The meter's slave on phasewire's Modbus/TCP server, answering each read 20 ms after it came, and the most reads it held at once. */
async function meterServer() {
  const simulated = createSimulatedMeter({ meter, scenario: 'balanced-resistive', mode: 'phasor', seed: 3, start: Date.now() });
  const slave = createProfileSlave({ profile: sdm630 as NonNullable<typeof sdm630>, values: () => simulated.advanceTo(Date.now()) });
  const seen = { active: 0, most: 0 };
  const server = await ModbusTcpServer.listen({
    port: 0,
    handler: async (request, unit) => {
      seen.active++;
      seen.most = Math.max(seen.most, seen.active);
      await new Promise((resolve) => setTimeout(resolve, 20));
      seen.active--;
      return slave(request, unit);
    },
  });
  return { server, seen };
}

async function runUntilReadings(config: Record<string, unknown>, name: string, readings: number): Promise<string> {
  await writeFile(join(dir, name), JSON.stringify({
    headEnd: { server: `mqtts://127.0.0.1:${head.brokerPort}`, enroll: head.estUrl, keyServer: head.keyUrl, ca: 'ca.pem', tokens:
      'tokens.json' },
    dataDir: 'data', statsEvery: '1h', ...config,
  }));
  let interrupt = (): void => undefined;
  const io = { ...bufferIo({}, dir), interrupted: new Promise<void>((resolve) => { interrupt = resolve; }) };
  const root = new Command('phasewire').exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err });
  registerGateway(root, io);
  const run = root.parseAsync(['gateway', 'run', '--config', name], { from: 'user' });
  run.catch(() => undefined);
  await Promise.race([
    head.until(() => (head.readings.get(meter)?.size ?? 0) >= readings, `${readings} readings at the head-end`, 30_000),
    run.then(() => { throw new Error(`gateway run ended early: ${io.stderr()}`); }),
  ]);
  interrupt();
  await run;
  return io.stdout();
}

describe('phasewire gateway run on Modbus/TCP', () => {
  it('sends the read blocks of a poll together when transport.maxInFlight says the server takes them, one at a time without it', async () =>
    {
    const blocks = planReads(sdm630).length;
    assert.ok(blocks >= 4, `${blocks} read blocks`);
    let readings = 0;
    for (const maxInFlight of [undefined, 4]) {
      const { server, seen } = await meterServer();
      try {
        readings += 3;
        const stdout = await runUntilReadings({
          transport: { port: `tcp://127.0.0.1:${server.port}`, timeout: '1s', ...(maxInFlight === undefined ? {} : { maxInFlight }) },
          meters: [{ meter, unit: 1, profile: 'sdm630', period: '200ms', timeout: '1s' }],
        }, `tcp-${maxInFlight ?? 1}.json`, readings);
        assert.match(stdout, /bus: 1 meters, 0 quarantined, \d+ polls \(0 failed, 0 implausible withheld\)/);
        assert.equal(seen.most, maxInFlight ?? 1, `maxInFlight ${String(maxInFlight)}: the server held ${seen.most} read(s) at once`);
      } finally {
        await server.close();
      }
    }
    const volts = quantity('voltageL1').obis;
    for (const snapshot of head.readings.get(meter)?.values() ?? []) {
      const value = snapshot.values.get(volts);
      assert.ok(value !== undefined && value > 200 && value < 260, `voltage L1 ${value}`);
    }
  });
});
