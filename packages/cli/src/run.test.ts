import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { catalogue } from '@phasewire/core';
import { bufferIo } from './io.ts';
import { runCli } from './run.ts';

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = bufferIo();
  const code = await runCli(argv, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

describe('phasewire command line', () => {
  it('prints help that names its commands', async () => {
    const { code, out } = await run('--help');
    assert.equal(code, 0);
    assert.match(out, /meter/);
    assert.match(out, /demo/);
  });

  it('refuses an unknown command with a usage error', async () => {
    const { code, err } = await run('meters');
    assert.equal(code, 2);
    assert.match(err, /unknown command 'meters'/);
  });

  it('lists the scenarios', async () => {
    const { code, out } = await run('meter', 'scenarios');
    assert.equal(code, 0);
    assert.match(out, /^balanced-motor +\S/m);
  });

  it('prints one CSV row per quantity per interval', async () => {
    const { code, out, err } = await run('meter', 'simulate', '--scenario', 'balanced-motor', '--duration', '1h', '--interval', '15m',
      '--format', 'csv');
    assert.equal(err, '');
    assert.equal(code, 0);
    const lines = out.trimEnd().split('\n');
    assert.equal(lines[0], 'meter,time,obis,quantity,value,unit');
    assert.equal(lines.length - 1, 4 * catalogue.length);
    assert.match(lines[1] ?? '', /^sim-meter-1,2026-01-01T00:15:00\.000Z,1-0:32\.7\.0,voltageL1,2\d\d(\.\d+)?,V$/);
    const times = new Set(lines.slice(1).map((line) => line.split(',')[1]));
    assert.deepEqual([...times], ['2026-01-01T00:15:00.000Z', '2026-01-01T00:30:00.000Z', '2026-01-01T00:45:00.000Z',
      '2026-01-01T01:00:00.000Z']);
  });

  it('prints JSON lines of the chosen quantities, the same for the same seed', async () => {
    const argv = ['meter', 'simulate', '--scenario', 'unbalanced', '--duration', '2m', '--interval', '1m', '--format', 'json',
      '--quantities', 'voltageL1,1-0:52.7.0', '--seed', '9'];
    const first = await run(...argv);
    assert.equal(first.code, 0);
    const readings = first.out.trimEnd().split('\n').map((line) => JSON.parse(line) as { quantity: string; value: number; unit:
      string; time: string });
    assert.deepEqual(readings.map((r) => r.quantity), ['voltageL1', 'voltageL2', 'voltageL1', 'voltageL2']);
    assert.ok(readings.every((r) => r.unit === 'V' && r.value > 100));
    assert.equal((await run(...argv)).out, first.out);
  });

  const refusals: readonly (readonly [string, readonly string[], RegExp])[] = [
    ['an unknown scenario', ['--scenario', 'no-such-load'], /Unknown scenario|unknown scenario/i],
    ['a negative duration', ['--scenario', 'balanced-motor', '--duration=-1h'], /--duration: expected a positive duration/],
    ['a zero duration', ['--scenario', 'balanced-motor', '--duration', '0s'], /expected a duration greater than zero/],
    ['a malformed interval', ['--scenario', 'balanced-motor', '--interval', 'often'], /--interval: expected a positive duration/],
    ['an interval longer than the duration', ['--scenario', 'balanced-motor', '--duration', '1m', '--interval', '1h'],
      /longer than --duration/],
    ['an unknown format', ['--scenario', 'balanced-motor', '--format', 'xml'], /--format: expected one of csv, json/],
    ['a malformed seed', ['--scenario', 'balanced-motor', '--seed', '1.5'], /--seed: expected a whole number/],
    ['a malformed start', ['--scenario', 'balanced-motor', '--start', 'yesterday'], /--start: expected an ISO 8601 time/],
    ['an unknown quantity', ['--scenario', 'balanced-motor', '--quantities', 'voltage'], /Unknown quantity "voltage"/],
    ['a missing scenario', [], /required option '--scenario <name>' not specified/],
  ];
  for (const [what, args, message] of refusals) {
    it(`refuses ${what} with a clear message and exit code 2`, async () => {
      const { code, out, err } = await run('meter', 'simulate', ...args);
      assert.equal(code, 2);
      assert.equal(out, '');
      assert.match(err, message);
      assert.doesNotMatch(err, /\n\s+at /, 'no stack trace');
    });
  }

  it('as a process, ends bad input with a message and a non-zero exit, never a stack trace', async () => {
    const bin = fileURLToPath(new URL('./main.ts', import.meta.url));
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(process.execPath, [bin, 'meter', 'simulate', '--scenario', 'nope'], (error, _stdout, stderr) => {
        resolve({ code: error === null ? 0 : (error.code as number | null), stderr });
      });
    });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^phasewire: .*\[PW_ERR_UNKNOWN_SCENARIO\]$/m);
    assert.doesNotMatch(result.stderr, /\n\s+at /);
  });
});
