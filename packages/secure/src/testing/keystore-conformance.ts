// The one conformance suite of the Keystore port (PRINCIPLES.md 12): every keystore runs it, the
// PKCS#11 keystore on SoftHSM2 and the software keystore on a temporary file. It is pure: the test
// runner, the assertions and the signature check of the platform are passed in by the test file.
import type { ErrorCode } from '@phasewire/core';
import { hasCode } from '@phasewire/core';
import type { EcCurve, Keystore } from '../keystore.ts';

/** The parts of node:assert/strict the suite uses. */
export interface ConformanceAssert {
  equal(actual: unknown, expected: unknown, message?: string): void;
  notEqual(actual: unknown, expected: unknown, message?: string): void;
  deepEqual(actual: unknown, expected: unknown, message?: string): void;
  notDeepEqual(actual: unknown, expected: unknown, message?: string): void;
  ok(value: unknown, message?: string): asserts value;
  rejects(promise: Promise<unknown>, check: (error: unknown) => boolean, message?: string): Promise<void>;
}

export interface ConformanceHarness {
  /** Registers one test (node:test's `test`). */
  readonly test: (name: string, body: () => Promise<void>) => unknown;
  readonly assert: ConformanceAssert;
  /** Verifies a DER ECDSA signature with the platform's own crypto against SubjectPublicKeyInfo DER. */
  readonly verify: (curve: EcCurve, publicKey: Uint8Array, data: Uint8Array, signature: Uint8Array) => boolean;
}

/**
 * Registers the suite. `open` opens the same store every time it is called (a new instance on
 * the same token or file), so the suite can check that keys outlive an instance.
 */
export function keystoreConformance(open: () => Promise<Keystore>, harness: ConformanceHarness): void {
  const { test, verify } = harness;
  // Annotated so that assert.ok narrows (TypeScript asks assertion targets to be declared with a type).
  const assert: ConformanceAssert = harness.assert;
  let serial = 0;
  const fresh = (stem: string): string => `${stem}-${++serial}`;
  const code = (expected: ErrorCode) => (error: unknown): boolean => hasCode(error, expected);
  const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
  const withStore = async (body: (store: Keystore) => Promise<void>): Promise<void> => {
    const store = await open();
    try {
      await body(store);
    } finally {
      await store.close();
    }
  };

  for (const curve of ['P-256', 'P-384'] as const) {
    test(`generates a ${curve} key pair whose signatures verify with the returned public key`, () => withStore(async (store) => {
      const label = fresh(`sign-${curve}`);
      const info = await store.generateKeyPair(label, curve);
      assert.equal(info.label, label);
      assert.equal(info.kind, 'ec-private');
      assert.equal(info.curve, curve);
      const { publicKey } = info;
      assert.ok(publicKey !== undefined && publicKey.length > 0, 'a public key is returned');
      const message = bytes(`reading batch signed with ${curve}`);
      const signature = await store.sign(label, message);
      assert.equal(signature[0], 0x30, 'the signature is a DER SEQUENCE');
      assert.ok(verify(curve, publicKey, message, signature), 'the signature verifies');
      assert.ok(!verify(curve, publicKey, bytes('another message'), signature), 'it does not verify another message');
      const again = await store.sign(label, message);
      assert.ok(verify(curve, publicKey, message, again), 'a second signature verifies too');
    }));
  }

  test('keeps keys when the store is closed and opened again', async () => {
    const label = fresh('persist');
    let publicKey: Uint8Array | undefined;
    await withStore(async (store) => {
      publicKey = (await store.generateKeyPair(label, 'P-256')).publicKey;
    });
    await withStore(async (store) => {
      const found = await store.find(label);
      assert.deepEqual(found?.publicKey, publicKey);
      const signature = await store.sign(label, bytes('after reopening'));
      assert.ok(publicKey !== undefined);
      assert.ok(verify('P-256', publicKey, bytes('after reopening'), signature));
    });
  });

  test('derives HKDF-Expand output that depends on the secret, the info and nothing else', () => withStore(async (store) => {
    const first = fresh('master');
    const second = fresh('master');
    await store.generateSecret(first);
    await store.generateSecret(second);
    const info = bytes('phasewire envelope v1 meter-0001');
    const a = await store.deriveKey(first, info, 32);
    assert.equal(a.length, 32);
    assert.deepEqual(await store.deriveKey(first, info, 32), a, 'the same secret and info give the same key');
    assert.notDeepEqual(await store.deriveKey(first, bytes('phasewire envelope v1 meter-0002'), 32), a, 'another info gives another key');
    assert.notDeepEqual(await store.deriveKey(second, info, 32), a, 'another secret gives another key');
    // One HKDF-Expand block truncated: a shorter output is a prefix of the longer (RFC 5869 §2.3).
    assert.deepEqual(await store.deriveKey(first, info, 16), a.subarray(0, 16));
    assert.deepEqual(await store.deriveKey(first, info, 1), a.subarray(0, 1));
    await assert.rejects(store.deriveKey(first, info, 0), code('PW_ERR_KEY_USAGE'));
    await assert.rejects(store.deriveKey(first, info, 33), code('PW_ERR_KEY_USAGE'));
  }));

  test('wraps and unwraps keys of several lengths, and refuses altered or foreign wrapped keys', () => withStore(async (store) => {
    const kek = fresh('kek');
    const other = fresh('kek');
    await store.generateSecret(kek);
    await store.generateSecret(other);
    for (const length of [16, 24, 32, 64]) {
      const key = Uint8Array.from({ length }, (_, i) => (i * 37 + length) & 0xff);
      const wrapped = await store.wrapKey(kek, key);
      // RFC 5649: the key's semiblocks plus one semiblock of integrity data.
      assert.equal(wrapped.length, length + 8, `wrapped length for a ${length}-byte key`);
      assert.deepEqual(await store.unwrapKey(kek, wrapped), key, `round trip of a ${length}-byte key`);
      const altered = Uint8Array.from(wrapped);
      altered[altered.length - 1] = (altered[altered.length - 1] ?? 0) ^ 0x01;
      await assert.rejects(store.unwrapKey(kek, altered), code('PW_ERR_KEY_UNWRAP'), 'a flipped bit is refused');
      await assert.rejects(store.unwrapKey(other, wrapped), code('PW_ERR_KEY_UNWRAP'), 'another wrapping key is refused');
    }
    await assert.rejects(store.wrapKey(kek, new Uint8Array(5)), code('PW_ERR_KEY_USAGE'), 'a key that would need padding is refused');
    await assert.rejects(store.wrapKey(kek, new Uint8Array(8)), code('PW_ERR_KEY_USAGE'), 'a key shorter than 16 bytes is refused');
    await assert.rejects(store.unwrapKey(kek, new Uint8Array(12)), code('PW_ERR_KEY_USAGE'), 'a length RFC 5649 cannot produce is refused');
  }));

  test('lists, finds and removes keys by label', () => withStore(async (store) => {
    const pair = fresh('listed-pair');
    const secret = fresh('listed-secret');
    const generated = await store.generateKeyPair(pair, 'P-384');
    await store.generateSecret(secret);
    const listed = await store.list();
    assert.deepEqual(listed.find((key) => key.label === pair), generated);
    assert.deepEqual(listed.find((key) => key.label === secret), { label: secret, kind: 'secret' });
    assert.deepEqual(await store.find(pair), generated);
    assert.equal(await store.find(fresh('never-made')), undefined);
    await store.remove(pair);
    await store.remove(secret);
    assert.equal(await store.find(pair), undefined);
    assert.equal(await store.find(secret), undefined);
    const after = (await store.list()).map((key) => key.label);
    assert.ok(!after.includes(pair) && !after.includes(secret), 'removed keys are no longer listed');
    await assert.rejects(store.sign(pair, bytes('x')), code('PW_ERR_KEY_NOT_FOUND'), 'a removed key cannot sign');
  }));

  test('refuses a label that is already in use, whatever the kind', () => withStore(async (store) => {
    const pair = fresh('taken');
    const secret = fresh('taken');
    await store.generateKeyPair(pair, 'P-256');
    await store.generateSecret(secret);
    await assert.rejects(store.generateKeyPair(pair, 'P-256'), code('PW_ERR_KEY_EXISTS'));
    await assert.rejects(store.generateSecret(pair), code('PW_ERR_KEY_EXISTS'));
    await assert.rejects(store.generateSecret(secret), code('PW_ERR_KEY_EXISTS'));
    await assert.rejects(store.generateKeyPair(secret, 'P-384'), code('PW_ERR_KEY_EXISTS'));
  }));

  test('refuses unknown labels, wrong key kinds and malformed labels', () => withStore(async (store) => {
    const unknown = fresh('unknown');
    await assert.rejects(store.sign(unknown, bytes('x')), code('PW_ERR_KEY_NOT_FOUND'));
    await assert.rejects(store.deriveKey(unknown, bytes('x'), 32), code('PW_ERR_KEY_NOT_FOUND'));
    await assert.rejects(store.wrapKey(unknown, new Uint8Array(32)), code('PW_ERR_KEY_NOT_FOUND'));
    await assert.rejects(store.unwrapKey(unknown, new Uint8Array(40)), code('PW_ERR_KEY_NOT_FOUND'));
    await assert.rejects(store.remove(unknown), code('PW_ERR_KEY_NOT_FOUND'));
    const pair = fresh('kind-pair');
    const secret = fresh('kind-secret');
    await store.generateKeyPair(pair, 'P-256');
    await store.generateSecret(secret);
    await assert.rejects(store.sign(secret, bytes('x')), code('PW_ERR_KEY_USAGE'), 'a secret cannot sign');
    await assert.rejects(store.deriveKey(pair, bytes('x'), 32), code('PW_ERR_KEY_USAGE'), 'an EC key cannot derive');
    await assert.rejects(store.wrapKey(pair, new Uint8Array(32)), code('PW_ERR_KEY_USAGE'), 'an EC key cannot wrap');
    for (const label of ['', ' spaced', 'a/b', 'x'.repeat(65)]) {
      await assert.rejects(store.generateSecret(label), code('PW_ERR_INVALID_ARGUMENT'), `label ${JSON.stringify(label)}`);
    }
  }));

  test('refuses every operation after close', async () => {
    const store = await open();
    const label = fresh('closing');
    await store.generateSecret(label);
    await store.close();
    await store.close();
    await assert.rejects(store.deriveKey(label, bytes('x'), 32), code('PW_ERR_KEYSTORE_CLOSED'));
    await assert.rejects(store.generateSecret(fresh('closed')), code('PW_ERR_KEYSTORE_CLOSED'));
    await assert.rejects(store.list(), code('PW_ERR_KEYSTORE_CLOSED'));
  });
}
