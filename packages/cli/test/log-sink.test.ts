// A process whose stderr (the server's log) is a closed pipe or a file on a full disk keeps running:
// the write errors once crashed it (EPIPE, ENOSPC as an unhandled 'error' event on process.stderr).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { join } from 'node:path';

const sink = join(import.meta.dirname, '..', 'src', 'log-sink.ts');
// Logs 300 lines to stderr, then says it is alive on stdout.
const guard = `(await import(${JSON.stringify(sink)})).keepRunningWhenLogBreaks(process.stderr);`;
const script = (guarded: boolean): string => `${guarded ? guard : ''}
let n = 0;
const timer = setInterval(() => {
  process.stderr.write('log line ' + n + ' ' + 'x'.repeat(200) + '\\n');
  if (++n === 300) { clearInterval(timer); process.stdout.write('alive\\n'); }
}, 1);`;

function run(guarded: boolean, stderr: 'closed-pipe' | 'full-disk'): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const full = stderr === 'full-disk' ? openSync('/dev/full', 'w') : undefined;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script(guarded)],
      { stdio: ['ignore', 'pipe', full ?? 'pipe'] });
    if (full !== undefined) closeSync(full);
    // The reader of the log goes away at once.
    child.stderr?.destroy();
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => { out += chunk.toString(); });
    child.on('close', (code) => { resolve({ code, out }); });
  });
}

describe('a broken log sink', () => {
  for (const stderr of ['closed-pipe', 'full-disk'] as const) {
    it(`does not end the process (${stderr})`, async () => {
      const unguarded = await run(false, stderr);
      assert.notEqual(unguarded.code, 0, 'without the guard the write error ends the process');
      const guarded = await run(true, stderr);
      assert.equal(guarded.code, 0);
      assert.equal(guarded.out, 'alive\n');
    });
  }
});
