// `phasewire pki` end to end on a temporary CA directory, with the software keystore and with the
// CA keys in a SoftHSM2 token.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import process from 'node:process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { createDeviceCsr, deviceIdentity, toPem } from '@phasewire/secure';
import { generateSoftwareKey } from '@phasewire/secure/node';
import { bufferIo } from '../io.ts';
import { runCli } from '../run.ts';

const exec = promisify(execFile);

/** Runs `phasewire pki …` through the real program and its exit-code mapping. */
async function pki(cwd: string, env: Record<string, string>, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = bufferIo(env, cwd);
  const code = await runCli(['pki', ...argv], io);
  return { code, out: io.stdout(), err: io.stderr() };
}

let scratch: string;
let keyFile: string;

before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'phasewire-cli-pki-'));
  keyFile = join(scratch, 'keystore.key');
  await writeFile(keyFile, randomBytes(32), { mode: 0o600 });
});
after(async () => { await rm(scratch, { recursive: true, force: true }); });

describe('phasewire pki with the software keystore', () => {
  const ks = () => ['--dir', 'ca', '--keystore', 'software', '--keystore-key-file', keyFile];

  it('initialises, issues, lists, revokes, rotates and makes enrollment tokens', async () => {
    const cwd = await mkdtemp(join(scratch, 'software-'));
    const init = await pki(cwd, {}, ...ks(), 'init');
    assert.equal(init.code, 0, init.err);
    assert.match(init.out, /created CN=phasewire root CA, O=phasewire \(serial 01\)/);
    assert.match(init.err, /NOT a hardware security module/);

    const again = await pki(cwd, {}, ...ks(), 'init');
    assert.equal(again.code, 2);
    assert.match(again.err, /PW_ERR_CA_EXISTS/);

    const server = await pki(cwd, {}, ...ks(), 'issue', 'server', '--dns', 'localhost', '--ip', '127.0.0.1', '--out', 'head-end');
    assert.equal(server.code, 0, server.err);
    assert.equal((await stat(join(cwd, 'head-end.key'))).mode & 0o777, 0o600);
    const verified = await exec('openssl', ['verify', '-CAfile', join(cwd, 'ca', 'root.pem'), '-untrusted', join(cwd, 'head-end.pem'),
      '-purpose', 'sslserver', join(cwd, 'head-end.pem')]);
    assert.match(verified.stdout, /OK/);

    const key = generateSoftwareKey('P-384');
    await writeFile(join(cwd, 'm-7.csr'), toPem(await createDeviceCsr(deviceIdentity('meter', 'm-7'), key.signer), 'CERTIFICATE REQUEST'));
    const device = await pki(cwd, {}, ...ks(), 'issue', 'device', '--meter', 'm-7', '--csr', 'm-7.csr', '--out', 'm-7');
    assert.equal(device.code, 0, device.err);
    assert.match(device.out, /issued device certificate 04 for urn:phasewire:meter:m-7/);

    const mismatch = await pki(cwd, {}, ...ks(), 'issue', 'device', '--meter', 'm-8', '--csr', 'm-7.csr', '--out', 'm-8');
    assert.equal(mismatch.code, 1);
    assert.match(mismatch.err, /PW_ERR_SUBJECT_MISMATCH/);

    const revoke = await pki(cwd, {}, ...ks(), 'revoke', '04', '--reason', 'keyCompromise');
    assert.equal(revoke.code, 0, revoke.err);
    assert.match(revoke.out, /; no server runs on .*ca: in force when one starts\n$/);
    const crl = await exec('openssl', ['crl', '-in', join(cwd, 'ca', 'crl.pem'), '-noout', '-text']);
    assert.match(crl.stdout, /Serial Number: 04\s+Revocation Date/);

    const list = await pki(cwd, {}, ...ks(), 'list');
    assert.match(list.out, /^03 +server +CN=localhost, O=phasewire +\d{4}-\d\d-\d\d +valid$/m);
    assert.match(list.out, /^04 +device +urn:phasewire:meter:m-7 .* revoked \d{4}-\d\d-\d\d \(keyCompromise\)$/m);

    const unknown = await pki(cwd, {}, ...ks(), 'revoke', 'ff');
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /PW_ERR_UNKNOWN_SERIAL/);

    const rotate = await pki(cwd, {}, ...ks(), 'rotate');
    assert.equal(rotate.out, 'nothing is due for renewal\n');

    const token = await pki(cwd, {}, '--dir', 'ca', 'token', '--meter', 'm-9', '--expires', '24h');
    assert.equal(token.code, 0, token.err);
    assert.match(token.out, /^pwe1\.[0-9a-f]{16}\.[A-Za-z0-9_-]{43}\n$/);
    const tokens = await readFile(join(cwd, 'ca', 'tokens.json'), 'utf8');
    assert.ok(!tokens.includes(token.out.trim().split('.')[2] ?? 'x'), 'the secret is not stored');
    assert.match(tokens, /"device": "meter:m-9"/);
  });

  it('does not report a revocation done while the server running on the directory has not put it in force', async () => {
    const cwd = await mkdtemp(join(scratch, 'pending-'));
    assert.equal((await pki(cwd, {}, ...ks(), 'init')).code, 0);
    assert.equal((await pki(cwd, {}, ...ks(), 'issue', 'server', '--dns', 'localhost', '--out', 'head-end')).code, 0);
    // A live server (this process stands for it) that enforces CRL number 1 and never reloads.
    await writeFile(join(cwd, 'ca', 'in-force.json'), JSON.stringify({ pid: process.pid, crlNumber: 1 }));
    const pending = await pki(cwd, {}, ...ks(), 'revoke', '03', '--wait', '200ms');
    assert.equal(pending.code, 1);
    assert.match(pending.err, new RegExp(`^phasewire: Cannot confirm the revocation of 03: .*the server running on it \\(pid ${process
      .pid}\\) still has CRL number 1 in force after 200ms`, 'm'));
    assert.match(pending.err, /\[PW_ERR_REVOCATION_PENDING\]/);
    assert.equal(pending.out, '');
  });

  it('refuses a bad option value with a usage error', async () => {
    const cwd = await mkdtemp(join(scratch, 'options-'));
    const result = await pki(cwd, {}, '--keystore', 'tpm', 'list');
    assert.equal(result.code, 2);
    assert.match(result.err, /Invalid value "tpm" for --keystore: expected one of software, pkcs11/);
  });
});

/** A SoftHSM2 token of its own for this test process (SoftHSM reads SOFTHSM2_CONF at module load). */
async function softHsmToken(label: string): Promise<{ pin: string }> {
  const directory = await mkdtemp(join(scratch, 'softhsm-'));
  await mkdir(join(directory, 'tokens'), { mode: 0o700 });
  const conf = join(directory, 'softhsm2.conf');
  await writeFile(conf, `directories.tokendir = ${join(directory, 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\n`);
  process.env['SOFTHSM2_CONF'] = conf;
  const pin = randomBytes(8).toString('hex');
  await exec('softhsm2-util', ['--init-token', '--free', '--label', label, '--pin', pin, '--so-pin', randomBytes(8).toString('hex')]);
  return { pin };
}

describe('phasewire pki with the CA keys in a PKCS#11 token', () => {
  let hsm: { pin: string };
  before(async () => { hsm = await softHsmToken('phasewire-cli-ca'); });

  it('initialises the CA with its keys in the token and issues from it', async () => {
    const cwd = await mkdtemp(join(scratch, 'pkcs11-'));
    const args = ['--dir', 'ca', '--keystore', 'pkcs11', '--pkcs11-token', 'phasewire-cli-ca', '--pkcs11-pin-env', 'TEST_PIN'];
    const env = { TEST_PIN: hsm.pin };
    const init = await pki(cwd, env, ...args, 'init');
    assert.equal(init.code, 0, init.err);
    const listed = await exec('pkcs11-tool', ['--module', '/usr/lib/softhsm/libsofthsm2.so', '--token-label', 'phasewire-cli-ca', '--login',
      '--pin', hsm.pin, '--list-objects', '--type', 'privkey'], { env: { ...process.env } });
    assert.match(listed.stdout, /label:\s+phasewire-root-ca/);
    assert.match(listed.stdout, /label:\s+phasewire-issuing-ca/);
    const server = await pki(cwd, env, ...args, 'issue', 'server', '--dns', 'localhost', '--out', 'srv');
    assert.equal(server.code, 0, server.err);
    const wrongPin = await pki(cwd, { TEST_PIN: 'not-the-pin' }, ...args, 'list');
    assert.notEqual(wrongPin.code, 0);
    assert.match(wrongPin.err, /PW_ERR_KEYSTORE_AUTH/);
  });
});
