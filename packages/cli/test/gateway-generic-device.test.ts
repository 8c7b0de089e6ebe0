// `phasewire gateway` against a Modbus device that is no meter: Debian's pymodbus serving a block
// of zero registers at unit 1 (test/peers/pymodbus_generic_device.py), a peer phasewire did not
// write. Its registers answer every profile whose probe only asks that a register exists, so a
// scan that took an answer for evidence named it `dtsu666`, and `gateway run` with
// `"profile": "auto"` then uploaded V = 0, f = 0 and E = 0 as measured readings. Now: the scan
// names no model and says why; `auto` refuses to start and uploads nothing; a profile forced on it
// polls, withholds every reading as implausible, says so, and the head-end receives nothing.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Command } from 'commander';
import { hasCode, parseMeterId } from '@phasewire/core';
import { startTestHeadEnd, type TestHeadEnd } from '@phasewire/agent/testing';
import { freePort, startPeer, waitForPort } from '@phasewire/test-kit';
import { registerGateway } from '../src/commands/gateway.ts';
import { bufferIo } from '../src/io.ts';

const meter = parseMeterId('generic-1');
let head: TestHeadEnd;
let dir: string;
let port: number;
let stopPeer = (): Promise<void> => Promise.resolve();

/** Starts the pymodbus device and waits for its version line and its port. */
async function startGenericDevice(): Promise<number> {
  const listening = await freePort();
  const peer = await startPeer({
    name: 'pymodbus generic device', command: '/usr/bin/python3', args: [join(import.meta.dirname, 'peers', 'pymodbus_generic_device.py'),
      String(listening)],
    ready: { line: /^pymodbus \S+$/ },
  });
  stopPeer = () => peer.stop();
  await waitForPort(listening, { peer, name: 'pymodbus_generic_device.py' });
  return listening;
}

before(async () => {
  [head, dir] = await Promise.all([startTestHeadEnd(), mkdtemp(join(tmpdir(), 'phasewire-gateway-generic-'))]);
  port = await startGenericDevice();
  await writeFile(join(dir, 'ca.pem'), head.testCa.anchors);
  await writeFile(join(dir, 'tokens.json'), JSON.stringify({ [meter]: await head.token(meter) }));
});
after(async () => {
  await stopPeer();
  await head.close();
  await rm(dir, { recursive: true, force: true });
});

function gateway(interrupted?: Promise<void>) {
  const io = bufferIo({}, dir, interrupted);
  const root = new Command('phasewire').exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err });
  registerGateway(root, io);
  return { io, root };
}

async function writeConfig(name: string, profile: string): Promise<void> {
  await writeFile(join(dir, name), JSON.stringify({
    transport: { port: `tcp://127.0.0.1:${port}`, timeout: '1s' },
    headEnd: { server: `mqtts://127.0.0.1:${head.brokerPort}`, enroll: head.estUrl, keyServer: head.keyUrl, ca: 'ca.pem', tokens:
      'tokens.json' },
    dataDir: 'data', statsEvery: '300ms',
    meters: [{ meter, unit: 1, profile, period: '200ms', timeout: '1s' }],
  }));
}

describe('phasewire gateway and a pymodbus device that matches no profile', () => {
  it('scan finds the device and names no model, saying what it read', { timeout: 30_000 }, async () => {
    const { io, root } = gateway();
    await root.parseAsync(['gateway', 'scan', '--port', `tcp://127.0.0.1:${port}`, '--units', '1-2', '--timeout', '1s'], { from: 'user' });
    const lines = io.stdout().split('\n');
    assert.match(lines[0] ?? '', /^unit 1: \(answers, model not recognised\): no profile's identity matched \(/);
    assert.match(lines[0] ?? '',
      /dtsu666: register 0x2000 \(function 3\) answers but its register map reads no live meter \(frequency 0 Hz, expected 45–65 Hz/);
    assert.match(lines[0] ?? '', /pac2200: device identification object 0 is "Generic I\/O"/);
    assert.equal(lines[1], `1 device(s) found on tcp://127.0.0.1:${port} (2 unit id(s) tried)`);
  });

  it('run with "profile": "auto" refuses to start, says why, and uploads nothing', { timeout: 30_000 }, async () => {
    await writeConfig('auto.json', 'auto');
    let interrupt = (): void => undefined;
    const { io, root } = gateway(new Promise<void>((resolve) => { interrupt = resolve; }));
    const state = { settled: false };
    const run = root.parseAsync(['gateway', 'run', '--config', 'auto.json'], { from: 'user' }).then(() => undefined, (error: unknown) =>
      error)
      .finally(() => { state.settled = true; });
    // A gateway that starts polling instead is stopped at once, so that the failure is reported and nothing is left running.
    while (!state.settled && !io.stdout().includes('gateway polling')) await new Promise((resolve) => setTimeout(resolve, 50));
    interrupt();
    const error = await run;
    assert.ok(hasCode(error, 'PW_ERR_GATEWAY_IDENTIFY'), `expected PW_ERR_GATEWAY_IDENTIFY, the gateway ${error === undefined ?
      `started: ${io.stdout()}` : `failed: ${error instanceof Error ? error.message : 'not with an error'}`}`);
    assert.match((error as Error).message,
      new RegExp(/^Cannot identify meter generic-1 at unit 1: it answered, but no profile's identity matched/.source +
        / .*frequency 0 Hz.*nothing is polled or uploaded$/.source));
    assert.equal(head.readings.get(meter), undefined);
  });

  it('run with a profile forced on it polls, withholds every reading as implausible, says so, and the head-end receives none', { timeout:
    45_000 }, async () => {
    await writeConfig('forced.json', 'dtsu666');
    let interrupt = (): void => undefined;
    const { io, root } = gateway(new Promise<void>((resolve) => { interrupt = resolve; }));
    const run = root.parseAsync(['gateway', 'run', '--config', 'forced.json'], { from: 'user' });
    run.catch(() => undefined);
    // The agent is enrolled and online (its status reached the broker), and at least 5 polls were withheld.
    await Promise.race([
      head.until(() => head.status.get(meter)?.includes('online') === true, 'the agent online'),
      run.then(() => { throw new Error(`gateway run ended early: ${io.stderr()}`); }),
    ]);
    try {
      for (let waited = 0; !/IMPLAUSIBLE ([5-9]|\d\d+) withheld/.test(io.stdout()); waited += 50) {
        if (waited > 20_000) throw new Error(`no 5 withheld readings in the statistics: ${io.stdout()} ${io.stderr()}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      interrupt();
      await run;
    }
    assert.match(io.stderr(),
      /generic-1 reading of \S+ withheld, not uploaded: no live meter reads frequency 0 Hz, expected 45–65 Hz; voltageL1 0 V/);
    assert.equal(io.stderr().match(/withheld, not uploaded/g)?.length, 1, 'said once for the run of implausible readings');
    assert.match(io.stdout(), /bus: 1 meters, 0 quarantined, \d+ polls \(0 failed, \d+ implausible withheld\)/);
    assert.equal(head.readings.get(meter), undefined, 'no reading reached the head-end');
    assert.deepEqual(head.messages.filter((m) => m.meter === meter), []);
  });
});
