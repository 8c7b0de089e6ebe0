// `phasewire gateway run` from the command line, in process, against the agent test kit's head-end
// on loopback: two simulated meters on a simulated bus at 20× real time. The first run enrolls them
// with their tokens; the second has no enrollment settings at all and runs on the enrollments kept in
// the data directory. (The gateway itself, end to end, is tested in packages/gateway/test.)
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Command } from 'commander';
import { startTestHeadEnd, type TestHeadEnd } from '@phasewire/agent/testing';
import { parseMeterId, type MeterId } from '@phasewire/core';
import { loadProfiles } from '@phasewire/modbus/node';
import { registerGateway } from '../src/commands/gateway.ts';
import { bufferIo } from '../src/io.ts';

const profiles = await loadProfiles();
const meterOf = (unit: number): MeterId => parseMeterId(`gw-cli-meter-${unit}`);
const units = [1, 2];

let head: TestHeadEnd;
let dir: string;

before(async () => {
  head = await startTestHeadEnd();
  dir = await mkdtemp(join(tmpdir(), 'phasewire-gateway-cli-run-'));
  await writeFile(join(dir, 'ca.pem'), head.testCa.anchors);
  const tokens: Record<string, string> = {};
  for (const unit of units) tokens[meterOf(unit)] = await head.token(meterOf(unit));
  await writeFile(join(dir, 'tokens.json'), JSON.stringify(tokens));
});
after(async () => {
  await head.close();
  await rm(dir, { recursive: true, force: true });
});

/** Runs `gateway run --config <file>` until the first meter has three more readings at the head-end, then interrupts it. */
async function runUntilInterrupted(file: string, headEnd: Record<string, string>): Promise<string> {
  await writeFile(join(dir, file), JSON.stringify({
    transport: { simulated: { baud: 19_200, speed: 20 } },
    headEnd: { server: `mqtts://127.0.0.1:${head.brokerPort}`, ...headEnd },
    dataDir: 'data', statsEvery: '200ms',
    meters: units.map((unit) => ({ meter: meterOf(unit), unit, profile: profiles[unit - 1]?.model, period: '5s' })),
  }));
  const readings = (): number => head.readings.get(meterOf(1))?.size ?? 0;
  const seen = readings();
  let interrupt = (): void => undefined;
  const io = { ...bufferIo({}, dir), interrupted: new Promise<void>((resolve) => { interrupt = resolve; }) };
  const root = new Command('phasewire').exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err });
  registerGateway(root, io);
  const run = root.parseAsync(['gateway', 'run', '--config', file], { from: 'user' });
  await head.until(() => readings() >= seen + 3, 'three more readings of the first meter');
  interrupt();
  await run;
  return io.stdout();
}

describe('gateway run from the command line', () => {
  it('runs until interrupted, and again on the enrollments kept in the data directory', async () => {
    const enrolling = { enroll: head.estUrl, keyServer: head.keyUrl, ca: 'ca.pem', tokens: 'tokens.json' };
    const first = await runUntilInterrupted('enrolling.json', enrolling);
    assert.match(first, /gateway polling 2 meter\(s\) over a simulated bus/);
    assert.match(first, /gateway stopped; \d+ message\(s\) kept for the next start/);
    const second = await runUntilInterrupted('enrolled.json', {});
    assert.match(second, /bus: 2 meters, 0 quarantined/);
    assert.match(second, /gateway stopped; \d+ message\(s\) kept for the next start/);
  });
});
