// The project's test command cannot hang: every test has a default timeout, and a test file whose
// tests are over exits even when something it started still holds the event loop, killing the peers
// it started. Proven by running the flags of `npm test` on a file that hangs in those ways.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

const root = join(import.meta.dirname, '..', '..', '..');
const testScript = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: { test: string } }).scripts.test;

/** Whether a process runs: it exists and is no zombie (an orphan waits for whoever reaps it here). */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/s.test(stat);
  } catch {
    return false;
  }
}

/** The environment of a top-level test run: without the runner's NODE_TEST_CONTEXT, which makes a nested run report to its parent. */
function childEnv(pidFile: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PHASEWIRE_FIXTURE_PID_FILE: pidFile };
  delete env['NODE_TEST_CONTEXT'];
  return env;
}

describe('the test command of package.json', () => {
  it('gives every test a default timeout of at most three minutes and exits when the tests are over', () => {
    const timeout = /--test-timeout=(\d+)/.exec(testScript)?.[1];
    assert.ok(timeout !== undefined, `npm test sets --test-timeout: ${testScript}`);
    assert.ok(Number(timeout) > 0 && Number(timeout) <= 180_000, `default timeout ${timeout} ms is at most 3 min`);
    assert.match(testScript, /--test-force-exit/);
  });

  it('fails a test that never resolves by its name, and ends a file that leaks a peer and a timer', { timeout: 90_000 }, async () => {
    const directory = mkdtempSync(join(tmpdir(), 'phasewire-timeouts-'));
    after(() => { rmSync(directory, { recursive: true, force: true }); });
    const pidFile = join(directory, 'pid');
    // The flags of `npm test`, with the default timeout shortened so the proof takes seconds.
    const flags = testScript.split(/\s+/).filter((word) => /^--test-(force-exit|timeout=)/.test(word));
    const args = ['--test', ...flags, '--test-timeout=2000', join(import.meta.dirname, 'fixtures', 'hangs.fixture.ts')];
    const result = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = execFile(process.execPath, args, { env: childEnv(pidFile), timeout: 60_000 },
        (error, stdout, stderr) => { resolve({ code: error === null ? 0 : (child.exitCode ?? -1), output: stdout + stderr }); });
    });
    assert.notEqual(result.code, -1, `the run ended by itself, not by the guard: ${result.output}`);
    assert.notEqual(result.code, 0, 'a timed-out test fails the run');
    assert.match(result.output, /✖ never resolves[^\n]*\n\s+'test timed out after 2000ms'/);
    assert.match(result.output, /✔ leaves a peer and a timer running/);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    assert.ok(pid > 0);
    assert.equal(isAlive(pid), false, `the peer ${pid} that the file left running was killed when it exited`);
  });
});
