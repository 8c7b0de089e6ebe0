// `phasewire gateway run` as a real process, the way an operator runs it: a fatal error at start
// stops every agent and ends the process with a non-zero exit (it used to stay up, deaf to Ctrl-C
// and SIGTERM, until kill -9, and a second run then fought it for the meters' client ids), and
// SIGINT and SIGTERM stop it within a few seconds, while it polls and while its start hangs.
// Three simulated meters on a simulated bus; the head-end is the agent test kit's.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it, type TestContext } from 'node:test';
import { parseMeterId, type MeterId } from '@phasewire/core';
import { startTestHeadEnd, type TestHeadEnd } from '@phasewire/agent/testing';

const bin = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const metersOf = (group: string, count = 3): MeterId[] => Array.from({ length: count }, (_, i) => parseMeterId(`proc-${group}-${i + 1}`));
const meters = metersOf('a');
/** How long a stop may take: the exchange in progress, the agents' goodbyes, the bus closed. */
const stopWithinMs = 5_000;

let head: TestHeadEnd;
let dir: string;
/** Accepts TLS connections and never answers: an EST server that hangs. */
let silent: Server;
const silentSockets = new Set<Socket>();

before(async () => {
  [head, dir] = await Promise.all([startTestHeadEnd(), mkdtemp(join(tmpdir(), 'phasewire-gateway-process-'))]);
  silent = createServer((socket) => { silentSockets.add(socket); socket.on('error', () => undefined); }).listen(0, '127.0.0.1');
  await once(silent, 'listening');
  await writeFile(join(dir, 'ca.pem'), head.testCa.anchors);
  const tokens: Record<string, string> = {};
  // proc-b-4 has no token: the start of group b fails on it.
  for (const meter of [...meters, ...metersOf('b'), ...metersOf('d', 1)]) tokens[meter] = await head.token(meter);
  await writeFile(join(dir, 'tokens.json'), JSON.stringify(tokens));
});
after(async () => {
  for (const socket of silentSockets) socket.destroy();
  await new Promise((resolve) => { silent.close(resolve); });
  await head.close();
  await rm(dir, { recursive: true, force: true });
});

async function writeConfig(name: string, dataDir: string, headEnd: Record<string, string>, on: readonly MeterId[] = meters):
  Promise<string> {
  await writeFile(join(dir, name), JSON.stringify({
    transport: { simulated: { baud: 19_200, speed: 10 } },
    headEnd: { server: `mqtts://127.0.0.1:${head.brokerPort}`, ca: 'ca.pem', tokens: 'tokens.json', ...headEnd },
    dataDir, statsEvery: '1h',
    meters: on.map((meter, i) => ({ meter, unit: i + 1, profile: ['sdm630', 'em24', 'iem3255', 'sdm72d'][i], period: '2s', simulate: {
      scenario: 'balanced-resistive' } })),
  }));
  return name;
}

interface Run {
  readonly child: ChildProcess;
  readonly output: () => string;
  /** Resolves with the exit code (or the signal's name) once the process has ended. */
  readonly exited: Promise<number | string>;
}

/** Starts `phasewire gateway run`; the process is killed when the test ends, whatever happened. */
function gatewayRun(t: TestContext, config: string): Run {
  const child = spawn(process.execPath, [bin, 'gateway', 'run', '--config', config], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  const exited = new Promise<number | string>((resolve) => { child.once('exit', (code, signal) => { resolve(code ?? signal ??
    'unknown'); }); });
  t.after(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await exited;
  });
  return { child, output: () => output, exited };
}

/** The exit code, or a failure naming what the process said, when it has not ended within `ms`. */
async function exitWithin(run: Run, ms: number, what: string): Promise<number | string> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => { reject(new Error(
    `${what}: still running after ${ms} ms; it said:\n${run.output()}`)); }, ms); });
  try {
    return await Promise.race([run.exited, late]);
  } finally {
    clearTimeout(timer);
  }
}

async function until(predicate: () => boolean, what: string, run: Run, ms = 30_000): Promise<void> {
  for (let waited = 0; !predicate(); waited += 50) {
    if (waited > ms) throw new Error(`Timed out waiting for ${what}; the gateway said:\n${run.output()}`);
    if (run.child.exitCode !== null) throw new Error(`The gateway ended (${run.child.exitCode}) before ${what}:\n${run.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('phasewire gateway run as a process', () => {
  it('ends with a non-zero exit on a fatal error at start, and the next run finishes the enrollment without new tokens', { timeout:
    90_000 }, async (t) => {
    // No key endpoint: every meter enrolls, then cannot fetch its envelope key (what simulate-bus's gateway.json did).
    const failing = gatewayRun(t, await writeConfig('no-key-server.json', 'data', { enroll: head.estUrl }));
    const code = await exitWithin(failing, 30_000, 'the gateway after its fatal error');
    assert.notEqual(code, 0, failing.output());
    assert.equal(typeof code, 'number', `ended by ${String(code)}, not by itself`);
    assert.match(failing.output(),
      /phasewire: Cannot finish the enrollment of proc-a-\d: its certificate is issued and kept in .* \[PW_ERR_AGENT_KEY_PROVISIONING\]/);
    for (const meter of meters) assert.ok((await readdir(join(dir, 'data', 'meters', meter, 'identity'))).includes('device-chain.pem'),
      `${meter} keeps its certificate`);

    // The same tokens file, now spent: the kept certificates finish the enrollment; readings flow; SIGTERM stops it.
    const fixed = gatewayRun(t, await writeConfig('fixed.json', 'data', { enroll: head.estUrl, keyServer: head.keyUrl }));
    await until(() => meters.every((meter) => (head.readings.get(meter)?.size ?? 0) >= 2), 'two readings of every meter at the head-end',
      fixed);
    assert.doesNotMatch(fixed.output(), /PW_ERR_ENROLL_TOKEN_USED/);
    fixed.child.kill('SIGTERM');
    assert.equal(await exitWithin(fixed, stopWithinMs, 'the gateway after SIGTERM'), 0, fixed.output());
    assert.match(fixed.output(), /gateway stopped; \d+ message\(s\) kept for the next start/);
  });

  it('ends with a non-zero exit when one meter cannot start while the others have, stopping their agents', { timeout: 60_000 }, async (t) =>
    {
    const run = gatewayRun(t, await writeConfig('no-token.json', 'data-b', { enroll: head.estUrl, keyServer: head.keyUrl }, metersOf('b',
      4)));
    const code = await exitWithin(run, 30_000, 'the gateway after proc-b-4 could not enroll');
    assert.equal(code, 2, run.output());
    assert.match(run.output(), /phasewire: Cannot enroll meter proc-b-4 for the gateway: .* \[PW_ERR_GATEWAY_FILE\]/);
  });

  it('stops on SIGINT while it polls, and on SIGTERM while its start hangs', { timeout: 90_000 }, async (t) => {
    const polling = gatewayRun(t, await writeConfig('polling.json', 'data', { enroll: head.estUrl, keyServer: head.keyUrl }));
    await until(() => polling.output().includes('gateway polling'), 'the gateway polling', polling);
    polling.child.kill('SIGINT');
    assert.equal(await exitWithin(polling, stopWithinMs, 'the gateway after SIGINT'), 0, polling.output());

    // An EST server that accepts the connection and never answers: the start waits on it.
    const hanging = gatewayRun(t, await writeConfig('hanging.json', 'data-d', { enroll: `https://127.0.0.1:${(silent.address() as { port:
      number }).port}`, keyServer: head.keyUrl }, metersOf('d', 1)));
    await until(() => silentSockets.size > 0, 'the enrollment waiting on the silent server', hanging);
    hanging.child.kill('SIGTERM');
    const code = await exitWithin(hanging, stopWithinMs, 'the gateway after SIGTERM during its start');
    assert.notEqual(code, 0, 'a start cut short is no success');
    assert.match(hanging.output(), /phasewire: Gateway .*hanging\.json interrupted during its start .* \[PW_ERR_GATEWAY_INTERRUPTED\]/);
  });
});
