import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { hasCode } from '@phasewire/core';
import { NodeAead } from './node-aead.ts';

const aead = new NodeAead();

function sealed(plaintext: Uint8Array) {
  const key = aead.importKey(randomBytes(32));
  const nonce = randomBytes(12);
  const aad = randomBytes(30);
  const out = aead.seal(key, nonce, aad, plaintext, Uint8Array.of(9, 9));
  assert.deepEqual([...out.subarray(0, 2)], [9, 9], 'the header comes first');
  return { key, nonce, aad, ciphertext: out.subarray(2, 2 + plaintext.length), tag: out.subarray(2 + plaintext.length) };
}

test('opens what it sealed, with the associated data', () => {
  const plaintext = randomBytes(200);
  const { key, nonce, aad, ciphertext, tag } = sealed(plaintext);
  assert.deepEqual(Buffer.from(aead.open(key, nonce, aad, ciphertext, tag)), plaintext);
});

test('refuses a truncated tag, even a prefix of the right one (authTagLength is pinned to 16)', () => {
  const { key, nonce, aad, ciphertext, tag } = sealed(randomBytes(64));
  for (const length of [4, 8, 12, 15]) {
    assert.throws(() => aead.open(key, nonce, aad, ciphertext, tag.subarray(0, length)),
      (error) => hasCode(error, 'PW_ERR_ENVELOPE_AUTH'), `a ${length}-byte prefix of the tag`);
  }
});

test('refuses a flipped bit in ciphertext, tag, nonce or associated data', () => {
  const { key, nonce, aad, ciphertext, tag } = sealed(randomBytes(32));
  const flipped = (bytes: Uint8Array, index: number): Uint8Array => {
    const copy = Uint8Array.from(bytes);
    copy[index] = (copy[index] ?? 0) ^ 0x01;
    return copy;
  };
  const refused = (error: unknown): boolean => hasCode(error, 'PW_ERR_ENVELOPE_AUTH');
  assert.throws(() => aead.open(key, nonce, aad, flipped(ciphertext, 5), tag), refused);
  assert.throws(() => aead.open(key, nonce, aad, ciphertext, flipped(tag, 15)), refused);
  assert.throws(() => aead.open(key, flipped(nonce, 0), aad, ciphertext, tag), refused);
  assert.throws(() => aead.open(key, nonce, flipped(aad, 29), ciphertext, tag), refused);
  assert.throws(() => aead.open(aead.importKey(randomBytes(32)), nonce, aad, ciphertext, tag), refused);
});

test('every AES-GCM decipher in packages/secure pins authTagLength (security-anchors R10)', async () => {
  const root = join(import.meta.dirname, '..', '..');
  const files = (await readdir(root, { recursive: true })).filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'));
  let checked = 0;
  for (const file of files) {
    const text = await readFile(join(root, file), 'utf8');
    for (const match of text.matchAll(/createDecipheriv\(([^;]*?)\);/gs)) {
      if (!/gcm/i.test(match[1] ?? '') && !/algorithm/.test(match[1] ?? '')) continue;
      checked += 1;
      assert.match(match[1] ?? '', /authTagLength:\s*(16|envelopeTagLength|gcmTagLength)/, `${file}: ${match[0]}`);
    }
  }
  assert.ok(checked >= 2, `found ${checked} GCM deciphers to check`);
});
