// TUF signatures made through the keystore port on SoftHSM2 verify outside phasewire: with
// OpenSSL over the canonical JSON bytes (TUF §4.1, §4.2.1) and with Node's own verifier.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createPublicKey, verify } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { hasCode } from '@phasewire/core';
import { Pkcs11Keystore } from '../keystore/pkcs11-keystore.ts';
import { startSoftHsm } from '../../testing/softhsm-test-kit.ts';
import type { SoftHsmFixture } from '../../testing/softhsm-test-kit.ts';
import {
  canonicalBytes, encodeTufMetadata, fromHex, keystoreTufSigner, parseTufMetadata, signTufMetadata, tufDateTime, tufKeyId,
} from '../../tuf/tuf-signing.ts';
import type { TimestampSigned } from '../../tuf/tuf-metadata-schema.ts';

const run = promisify(execFile);
let hsm: SoftHsmFixture;
let keystore: Pkcs11Keystore;
let work: string;

before(async () => {
  hsm = await startSoftHsm(['tuf']);
  keystore = await Pkcs11Keystore.open(hsm.options('tuf'));
  work = await mkdtemp(join(tmpdir(), 'phasewire-tuf-'));
});

after(async () => {
  await keystore.close();
  await hsm.cleanup();
  await rm(work, { recursive: true, force: true });
});

const timestamp: TimestampSigned = {
  _type: 'timestamp', spec_version: '1.0.31', version: 7, expires: tufDateTime(Date.UTC(2030, 0, 1, 12, 30, 15, 999)),
  meta: { 'snapshot.json': { version: 3, length: 515, hashes: { sha256: 'ab'.repeat(32) } } },
};

test('canonical JSON sorts keys and writes no spaces; the date-time has whole seconds and Z (TUF §4.1, §4.2.3)', () => {
  assert.equal(new TextDecoder().decode(canonicalBytes({ b: 1, a: [true, 'x"\\'] })), '{"a":[true,"x\\"\\\\"],"b":1}');
  assert.equal(timestamp.expires, '2030-01-01T12:30:15Z');
});

test('a signature by a SoftHSM key verifies with openssl over the canonical bytes, and its key id is SHA-256 of the key', async () => {
  await keystore.generateKeyPair('tuf-online-1', 'P-256');
  const signer = await keystoreTufSigner(keystore, 'tuf-online-1');
  assert.equal(signer.keyid, await tufKeyId(signer.key));
  const { stdout } = await run('sh', ['-c', 'printf %s "$0" | openssl dgst -sha256 -hex | cut -d" " -f2',
    new TextDecoder().decode(canonicalBytes(signer.key))]);
  assert.equal(stdout.trim(), signer.keyid);

  const metadata = await signTufMetadata(timestamp, [signer, signer]);
  assert.equal(metadata.signatures.length, 1, 'one signature per key id (TUF §4.2.1)');
  const [signature] = metadata.signatures;
  assert.ok(signature !== undefined);
  await writeFile(join(work, 'key.pem'), signer.key.keyval.public);
  await writeFile(join(work, 'signed.json'), canonicalBytes(timestamp));
  await writeFile(join(work, 'sig.der'), fromHex(signature.sig));
  const verified = await run('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', join(work, 'key.pem'), '-rawin', '-digest', 'sha256',
    '-in', join(work, 'signed.json'), '-sigfile', join(work, 'sig.der')]);
  assert.match(verified.stdout, /Signature Verified Successfully/);
  assert.ok(verify('sha256', canonicalBytes(timestamp), createPublicKey(signer.key.keyval.public), fromHex(signature.sig)));

  const altered = { ...timestamp, version: 8 };
  await writeFile(join(work, 'signed.json'), canonicalBytes(altered));
  await assert.rejects(run('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', join(work, 'key.pem'), '-rawin', '-digest', 'sha256',
    '-in', join(work, 'signed.json'), '-sigfile', join(work, 'sig.der')]),
  (error: { stdout?: string }) => /Signature Verification Failure/.test(error.stdout ?? ''));

  const parsed = parseTufMetadata('timestamp', encodeTufMetadata(metadata), 'timestamp.json');
  assert.deepEqual(parsed, metadata);
});

test('a key that is missing or not P-256 cannot sign TUF metadata', async () => {
  await keystore.generateKeyPair('tuf-p384', 'P-384');
  await assert.rejects(keystoreTufSigner(keystore, 'tuf-p384'), (error) => hasCode(error, 'PW_ERR_TUF_KEY') && /P-384/.test(error.message));
  await assert.rejects(keystoreTufSigner(keystore, 'tuf-none'),
    (error) => hasCode(error, 'PW_ERR_TUF_KEY') && /no such key/.test(error.message));
});

test('metadata that is not JSON or misses a field is refused with the field named', () => {
  const bytes = new TextEncoder().encode(JSON.stringify({ signed: { ...timestamp, meta: {} }, signatures: [] }));
  assert.throws(() => parseTufMetadata('timestamp', bytes, 'timestamp.json'),
    (error) => hasCode(error, 'PW_ERR_TUF_METADATA') && /signed\.meta/.test(error.message));
  assert.throws(() => parseTufMetadata('root', new TextEncoder().encode('{'), '1.root.json'),
    (error) => hasCode(error, 'PW_ERR_TUF_METADATA'));
});
