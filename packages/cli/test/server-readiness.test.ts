// /readyz and `phasewire server status` against real peers: the server on PostgreSQL with Mosquitto
// as its broker. Stopping PostgreSQL turns the store check to failing within seconds and restarting it
// turns it back; so does stopping Mosquitto (SIGSTOP: the process stays, answers nothing) and letting it
// go on (SIGCONT); killed (SIGKILL), the server starts it again. The CLI prints the same states and
// exits non-zero while the server is not ready.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseServerConfig } from '@phasewire/server';
import { standardServices, startPhasewireServer } from '@phasewire/server/node';
import type { PhasewireServer } from '@phasewire/server/node';
import { startPostgres, type PostgresServer } from '@phasewire/store/testing';
import { runCli } from '../src/run.ts';
import { bufferIo } from '../src/io.ts';
import { httpsJson } from './browser-kit.ts';

interface ReadyAnswer { status: string; checks: { name: string; state: string; detail: string }[] }

describe('readiness with PostgreSQL and Mosquitto stopped and started again', { timeout: 180_000 }, () => {
  let dir: string;
  let postgres: PostgresServer;
  let server: PhasewireServer;
  let url: string;
  let ca: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'phasewire-readiness-'));
    postgres = await startPostgres({ fast: true });
    await postgres.createDatabase('phasewire_ready');
    const services = standardServices({ mdm: { timer: false }, api: { scrypt: { N: 2 ** 10, r: 8, p: 1 } } });
    server = await startPhasewireServer({
      config: parseServerConfig({
        mqtt: { port: 0 }, enrollment: { port: 0 }, keyProvisioning: { port: 0 }, api: { port: 0 }, broker: { kind: 'mosquitto' },
        store: { kind: 'postgres', connectionString: postgres.connectionString('phasewire_ready'), schema: 'ready' },
      }),
      dataDir: join(dir, 'data'), services,
    });
    url = services.apiUrl ?? '';
    ca = await readFile(server.endpoints.caFile, 'utf8');
  });
  after(async () => {
    if (server.mosquitto?.pid !== undefined) process.kill(server.mosquitto.pid, 'SIGCONT');
    await server.close();
    await postgres.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const readyz = async (): Promise<{ status: number; answer: ReadyAnswer }> => {
    const got = await httpsJson(url, ca, 'GET', '/readyz', undefined);
    return { status: got.status, answer: got.json as ReadyAnswer };
  };
  const state = (answer: ReadyAnswer, name: string): string | undefined => answer.checks.find((c) => c.name === name)?.state;
  /** Polls /readyz until `check` has `wanted`; returns how long that took and the answer. */
  const until = async (check: string, wanted: 'ok' | 'failing'): Promise<{ ms: number; answer: ReadyAnswer; status: number }> => {
    const started = performance.now();
    for (;;) {
      const { status, answer } = await readyz();
      if (state(answer, check) === wanted) return { ms: performance.now() - started, answer, status };
      if (performance.now() - started > 30_000) throw new Error(`${check} did not turn ${wanted}: ${JSON.stringify(answer)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const status = async (): Promise<{ code: number; out: string; err: string }> => {
    const io = bufferIo({}, dir);
    const code = await runCli(['server', '--data-dir', join(dir, 'data'), 'status', '--url', url], io);
    return { code, out: io.stdout(), err: io.stderr() };
  };

  it('is ready with every check ok, and `phasewire server status` says so and exits 0', async () => {
    const { status: code, answer } = await readyz();
    assert.equal(code, 200, JSON.stringify(answer));
    assert.deepEqual(answer.checks.map((c) => [c.name, c.state]), [['store', 'ok'], ['broker', 'ok'], ['mdm', 'ok'], ['keystore', 'ok']]);
    assert.match(answer.checks[0]?.detail ?? '', /PostgreSQL \(schema ready\) takes writes/);
    assert.match(answer.checks[1]?.detail ?? '', /Mosquitto at 127\.0\.0\.1:\d+ accepts sessions/);
    const cli = await status();
    assert.equal(cli.code, 0, cli.err);
    assert.match(cli.out, /: ready\n/);
    assert.match(cli.out, /^ {2}store {5}ok {7}PostgreSQL/m);
  });

  it('turns the store check to failing while PostgreSQL is stopped, and back once it runs again', async () => {
    let failing: { ms: number; answer: ReadyAnswer; status: number } | undefined;
    let cli: { code: number; out: string; err: string } | undefined;
    await postgres.restart(async () => {
      failing = await until('store', 'failing');
      cli = await status();
    });
    const back = await until('store', 'ok');
    assert.ok(failing !== undefined && cli !== undefined);
    assert.equal(failing.status, 503);
    assert.equal(failing.answer.status, 'not-ready');
    assert.equal(state(failing.answer, 'broker'), 'ok', 'only the store fails');
    assert.equal(cli.code, 1, 'not ready: the command fails');
    assert.match(cli.out, /NOT READY\n[\s\S]*store {5}FAILING {2}\S/);
    assert.match(cli.err, /not ready: store failing \[PW_ERR_SERVER_NOT_READY\]/);
    process.stdout.write(`# PostgreSQL stopped: store failing after ${Math.round(failing.ms)} ms; `
      + `started: ok after ${Math.round(back.ms)} ms\n`);
    assert.equal((await readyz()).status, 200);
  });

  it('turns the broker check to failing while Mosquitto is stopped, and back once it goes on', async () => {
    const pid = server.mosquitto?.pid;
    assert.ok(pid !== undefined, 'the server runs Mosquitto');
    process.kill(pid, 'SIGSTOP');
    let failing;
    try {
      failing = await until('broker', 'failing');
      assert.equal(failing.status, 503);
      assert.match(state(failing.answer, 'store') ?? '', /ok/);
      assert.match(failing.answer.checks.find((c) => c.name === 'broker')?.detail ?? '',
        /did not answer a CONNECT within 1500 ms|has not answered a CONNECT/);
      const cli = await status();
      assert.equal(cli.code, 1);
      assert.match(cli.out, /broker {4}FAILING/);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    const back = await until('broker', 'ok');
    process.stdout.write(`# Mosquitto stopped: broker failing after ${Math.round(failing.ms)} ms; `
      + `continued: ok after ${Math.round(back.ms)} ms\n`);
    assert.equal((await readyz()).status, 200);
  });

  it('restarts a Mosquitto killed with SIGKILL, the ingest reconnects, and it is ready again', async () => {
    const pid = server.mosquitto?.pid;
    assert.ok(pid !== undefined && server.mosquitto !== undefined);
    const killed = performance.now();
    process.kill(pid, 'SIGKILL');
    // The restart and reconnect may both fall inside the readiness cache's second: failing is not always seen.
    while (server.mosquitto.restarts === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const back = await until('broker', 'ok');
    assert.equal(server.mosquitto.restarts, 1, 'restarted once');
    assert.notEqual(server.mosquitto.pid, pid);
    process.stdout.write(`# Mosquitto killed: restarted, broker ok ${Math.round(performance.now() - killed)} ms after the kill `
      + `(${Math.round(back.ms)} ms past the readiness cache)\n`);
    assert.equal((await readyz()).status, 200);
  });
});
