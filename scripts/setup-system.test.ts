// setup-system checks each peer by running it, and stops with a message that names a peer that does
// not work, what it printed and how to fix it. The peers are made unusable on purpose for the test
// only: a module that fails to import ahead of Debian's on PYTHONPATH, an mbpoll ahead on PATH.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

const script = join(import.meta.dirname, 'setup-system');

function setupSystem(
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(script, args, { env, timeout: 150_000 }, (_error, stdout, stderr) => {
      resolve({ code: child.exitCode ?? -1, stdout, stderr });
    });
  });
}

describe('scripts/setup-system', () => {
  it('runs every peer and says that each answered', { timeout: 180_000 }, async () => {
    const result = await setupSystem(['--check']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /every peer answered \(pymodbus, mbpoll, mosquitto, softhsm2, .*chromium, postgresql, socat, libmodbus/);
  });

  it('stops naming each peer that does not work, the error it printed and the fix', { timeout: 180_000 }, async () => {
    const planted = mkdtempSync(join(tmpdir(), 'phasewire-setup-'));
    after(() => { rmSync(planted, { recursive: true, force: true }); });
    writeFileSync(join(planted, 'serial_asyncio.py'), 'raise ImportError("planted: serial_asyncio made unusable for this test")\n');
    writeFileSync(join(planted, 'mbpoll'), '#!/bin/sh\necho "mbpoll: planted failure" >&2\nexit 1\n');
    chmodSync(join(planted, 'mbpoll'), 0o755);
    const result = await setupSystem(['--check'], { ...process.env, PYTHONPATH: planted, PATH: `${planted}:${process.env['PATH'] ?? ''}` });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /the peer 'pymodbus' does not work\.\n {2}ran: {6}\/usr\/bin\/python3 -c import serial, serial_asyncio/);
    assert.match(result.stderr, /ImportError: planted: serial_asyncio made unusable for this test/);
    assert.match(result.stderr, /fix: {6}apt-get install --reinstall python3-pymodbus python3-serial python3-serial-asyncio/);
    assert.match(result.stderr, new RegExp(
      /the peer 'mbpoll' does not work\.\n {2}ran: {6}mbpoll -V\n/.source +
      / {2}error: {4}exit code 1\n {2}printed: {2}mbpoll: planted failure/.source,
    ));
    assert.match(result.stderr, /2 peer\(s\) do not work/);
    assert.doesNotMatch(result.stderr, /the peer '(mosquitto|softhsm2|chromium|postgresql)'/);
  });

  it('refuses an argument it does not know, saying what it expected', async () => {
    const result = await setupSystem(['--instal']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /unknown argument '--instal': expected none, or --check/);
  });
});
