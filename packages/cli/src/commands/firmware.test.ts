// `phasewire firmware` end to end with its keys in two SoftHSM2 tokens (offline: root; online:
// the rest): init, add, list, renew and rotate-keys through the real program and its exit codes.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startSoftHsm } from '@phasewire/secure/testing';
import type { SoftHsmFixture } from '@phasewire/secure/testing';
import { bufferIo } from '../io.ts';
import { runCli } from '../run.ts';

let hsm: SoftHsmFixture;
let cwd: string;

before(async () => {
  hsm = await startSoftHsm(['fw-offline', 'fw-online']);
  cwd = await mkdtemp(join(tmpdir(), 'phasewire-cli-firmware-'));
  await writeFile(join(cwd, 'image.bin'), 'firmware image 1.2.0\n');
});
after(async () => {
  await hsm.cleanup();
  await rm(cwd, { recursive: true, force: true });
});

async function firmware(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = bufferIo({ PHASEWIRE_PKCS11_PIN: hsm.pin }, cwd);
  const code = await runCli(['firmware', '--dir', 'repo', '--offline-token', 'fw-offline', '--online-token', 'fw-online', ...argv], io);
  return { code, out: io.stdout(), err: io.stderr() };
}

test('init, add, list, renew and rotate-keys', async () => {
  const init = await firmware('init');
  assert.equal(init.code, 0, init.err);
  assert.match(init.out, /2 of 3 root keys/);

  const add = await firmware('add', '--model', 'PW3', '--hardware-revision', 'r2', '--version', '1.2.0', '--security-version', '4',
    '--file', 'image.bin');
  assert.equal(add.code, 0, add.err);
  assert.match(add.out, /added PW3\/r2\/PW3-r2-1\.2\.0\.bin \(21 bytes, sha256 [0-9a-f]{64}, security version 4\)/);
  assert.equal((await readdir(join(cwd, 'repo', 'targets', 'PW3', 'r2'))).length, 1);

  const again = await firmware('add', '--model', 'PW3', '--hardware-revision', 'r2', '--version', '1.2.0', '--file', 'image.bin');
  assert.equal(again.code, 2);
  assert.match(again.err, /published already.*PW_ERR_FIRMWARE_INVALID/);

  const list = await firmware('list');
  assert.equal(list.code, 0, list.err);
  assert.match(list.out, /^MODEL\s+HW\s+VERSION\s+SECURITY\s+BYTES\s+SHA-256\nPW3\s+r2\s+1\.2\.0\s+4\s+21\s+[0-9a-f]{16}\n/);
  assert.match(list.out, /root 1 .*targets 2 .*snapshot 2 .*timestamp 2 /);

  assert.match((await firmware('renew')).out, /nothing to renew/);
  const rotate = await firmware('rotate-keys', '--role', 'online');
  assert.equal(rotate.code, 0, rotate.err);
  assert.match(rotate.out, /root is now version 2/);
  assert.equal((await firmware('rotate-keys', '--role', 'mirror')).code, 2);
});

test('without the tokens named the command says which option is missing', async () => {
  const io = bufferIo({}, cwd);
  assert.equal(await runCli(['firmware', 'list'], io), 2);
  assert.match(io.stderr(), /Missing --offline-token <label>/);
});
