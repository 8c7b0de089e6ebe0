// `phasewire demo` as a user runs it: a real process on a --data-dir that is not ./data. Its meters
// run on simulated time (60 times real time), and a command sent through the API must still be
// answered, by a Wi-Fi meter and by a cellular one that sleeps between windows: it expires on the
// meters' clock, not on the real one. Ctrl-C (SIGINT) stops it within
// 5 s, and the stop message names the data directory it used.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { httpsJson } from './browser-kit.ts';

const main = resolve(dirname(fileURLToPath(import.meta.url)), '../src/main.ts');
const anyPorts = ['--mqtt-port', '0', '--enroll-port', '0', '--key-port', '0', '--api-port', '0', '--firmware-port', '0'];

describe('phasewire demo as a process', { timeout: 180_000 }, () => {
  it('answers commands sent through the API while its meters run on simulated time, and stops within 5 s of SIGINT', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'phasewire-demo-process-'));
    const dataDir = join(dir, 'elsewhere');
    const child = spawn(process.execPath, [main, 'demo', '--data-dir', dataDir, ...anyPorts], { cwd: dir, stdio: ['ignore', 'pipe',
      'pipe'] });
    t.after(async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString('utf8'); });
    child.stderr.on('data', (chunk: Buffer) => { err += chunk.toString('utf8'); });
    const exited = new Promise<number | null>((resolveExit) => { child.once('exit', (code) => { resolveExit(code); }); });
    const until = async (predicate: () => boolean, what: string, timeoutMs = 90_000): Promise<void> => {
      const deadline = Date.now() + timeoutMs;
      while (!predicate()) {
        if (child.exitCode !== null) throw new Error(`the demo exited (${child.exitCode}) before ${what}\n${out}\n${err}`);
        if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}\n${out}\n${err}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    // A few ticks: by then the simulated clock is minutes ahead of the real one (60 s per second).
    await until(() => (out.match(/simulated time /g)?.length ?? 0) >= 5, 'five ticks of the demo');
    const url = /open the dashboard: (https:\/\/\S+?)\/ /.exec(out)?.[1];
    const password = /first start: sign in as "admin" with the one-time password (\S+)/.exec(out)?.[1];
    const caFile = /CA chain for meters +(\S+)/.exec(out)?.[1];
    assert.ok(url !== undefined && password !== undefined && caFile !== undefined, out);
    const ca = await readFile(caFile, 'utf8');
    const login = await httpsJson(url, ca, 'POST', '/api/v1/session', { username: 'admin', password });
    assert.equal(login.status, 200, JSON.stringify(login.json));
    const session = { cookie: login.cookie ?? '', csrf: (login.json as { csrfToken: string }).csrfToken };
    type Result = { id: string; status: string; reason?: string; result?: { clockOffsetMs?: number } };
    // A Wi-Fi meter and a cellular one (which sleeps between windows and may be in its first, slow
    // window still): each command is answered, at once or, pending, when the meter wakes.
    for (const meter of ['demo-meter-001', 'demo-meter-005']) {
      for (const kind of ['read', 'clock-sync'] as const) {
        const answer = await httpsJson(url, ca, 'POST', `/api/v1/meters/${meter}/commands`, { kind }, session);
        assert.equal(answer.status, 200, JSON.stringify(answer.json));
        let result = answer.json as Result;
        for (const deadline = Date.now() + 90_000; result.status === 'pending' && Date.now() < deadline;) {
          await new Promise((r) => setTimeout(r, 1_000));
          result = (await httpsJson(url, ca, 'GET', `/api/v1/meters/${meter}/commands/${result.id}`, undefined, session)).json as Result;
        }
        assert.equal(result.status, 'done', `${meter} ${kind}: ${JSON.stringify(result)}`);
        // The meter's clock is set from the simulated time it runs on, its transit accounted for:
        // a small correction, not the minutes of simulated time a command spends on the way.
        const offset = result.result?.clockOffsetMs ?? Number.NaN;
        if (kind === 'clock-sync') assert.ok(Math.abs(offset) < 5 * 60_000, `${meter}: ${JSON.stringify(result)}`);
      }
    }

    const interruptedAt = Date.now();
    child.kill('SIGINT');
    const code = await Promise.race([exited, new Promise<'hung'>((r) => { setTimeout(() => { r('hung'); }, 5_000).unref(); })]);
    assert.notEqual(code, 'hung', `the demo did not stop within 5 s of SIGINT\n${out.slice(-2000)}\n${err}`);
    assert.equal(code, 0, err);
    assert.ok(Date.now() - interruptedAt < 5_000);
    assert.match(out, new RegExp(`demo stopped; ${dataDir.replaceAll(/[.*+?^${}()|[\]\\]/g, '\\$&')} keeps`));
  });
});
