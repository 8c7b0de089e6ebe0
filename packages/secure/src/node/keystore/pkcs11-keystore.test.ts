import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createDecipheriv, randomBytes } from 'node:crypto';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { hasCode } from '@phasewire/core';
import { keystoreConformance } from '../../testing/keystore-conformance.ts';
import { nodeConformanceHarness } from '../../testing/keystore-conformance-kit.ts';
import { Pkcs11Keystore } from './pkcs11-keystore.ts';
import { acquireModule, pkcs11js, releaseModule } from './pkcs11-module.ts';
import { pinVariable, softHsmModule, startSoftHsm } from '../../testing/softhsm-test-kit.ts';
import type { SoftHsmFixture } from '../../testing/softhsm-test-kit.ts';

const run = promisify(execFile);
const tokenLabel = 'phasewire-keystore';
const otherTokenLabel = 'phasewire-other';
let hsm: SoftHsmFixture;

before(async () => {
  hsm = await startSoftHsm([tokenLabel, otherTokenLabel]);
});

after(async () => {
  await hsm.cleanup();
});

describe('PKCS#11 keystore on SoftHSM2: conformance', () => {
  keystoreConformance(() => Pkcs11Keystore.open(hsm.options(tokenLabel)), nodeConformanceHarness);
});

/** Runs `body` with a raw session on the token, for what the port deliberately cannot do. */
async function withRawSession<T>(body: (pkcs11: pkcs11js.PKCS11, session: Buffer) => T): Promise<T> {
  // A keystore holds the module initialised and the user logged in for the raw session as well.
  const keystore = await Pkcs11Keystore.open(hsm.options(tokenLabel));
  const pkcs11 = acquireModule(softHsmModule);
  try {
    const slot = pkcs11.C_GetSlotList(true).find((candidate) => pkcs11.C_GetTokenInfo(candidate).label.trimEnd() === tokenLabel);
    assert.ok(slot !== undefined);
    const session = pkcs11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
    try {
      return body(pkcs11, session);
    } finally {
      pkcs11.C_CloseSession(session);
    }
  } finally {
    releaseModule(softHsmModule);
    await keystore.close();
  }
}

test('derives in the token exactly the RFC 5869 Appendix A SHA-256 outputs for a known PRK', async () => {
  // RFC 5869 A.1 and A.3: PRK given, OKM's first block. The PRK is put in the token by the test
  // through a raw session; the keystore port has no import.
  const vectors = [
    { label: 'rfc5869-a1', prk: '077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5', info: 'f0f1f2f3f4f5f6f7f8f9',
      okm: '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf' },
    { label: 'rfc5869-a3', prk: '19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04', info: '',
      okm: '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d' },
  ];
  await withRawSession((pkcs11, session) => {
    for (const vector of vectors) {
      pkcs11.C_CreateObject(session, [
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
        { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_GENERIC_SECRET },
        { type: pkcs11js.CKA_TOKEN, value: true },
        { type: pkcs11js.CKA_PRIVATE, value: true },
        { type: pkcs11js.CKA_SENSITIVE, value: true },
        { type: pkcs11js.CKA_SIGN, value: true },
        { type: pkcs11js.CKA_LABEL, value: vector.label },
        { type: pkcs11js.CKA_VALUE, value: Buffer.from(vector.prk, 'hex') },
      ]);
    }
  });
  const keystore = await Pkcs11Keystore.open(hsm.options(tokenLabel));
  try {
    for (const vector of vectors) {
      const okm = await keystore.deriveKey(vector.label, Buffer.from(vector.info, 'hex'), 32);
      assert.equal(Buffer.from(okm).toString('hex'), vector.okm, vector.label);
    }
  } finally {
    await keystore.close();
  }
});

test('wraps in RFC 5649 form: what the token wraps, OpenSSL unwraps with the same key', async () => {
  const kek = randomBytes(32);
  await withRawSession((pkcs11, session) => {
    pkcs11.C_CreateObject(session, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
      { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
      { type: pkcs11js.CKA_TOKEN, value: true },
      { type: pkcs11js.CKA_PRIVATE, value: true },
      { type: pkcs11js.CKA_WRAP, value: true },
      { type: pkcs11js.CKA_UNWRAP, value: true },
      { type: pkcs11js.CKA_LABEL, value: 'known-kek' },
      { type: pkcs11js.CKA_VALUE, value: kek },
    ]);
  });
  const keystore = await Pkcs11Keystore.open(hsm.options(tokenLabel));
  try {
    const key = randomBytes(32);
    const wrapped = await keystore.wrapKey('known-kek', key);
    const decipher = createDecipheriv('id-aes256-wrap-pad', kek, Buffer.from('a65959a6', 'hex'));
    assert.deepEqual(Buffer.concat([decipher.update(wrapped), decipher.final()]), key);
  } finally {
    await keystore.close();
  }
});

test('keeps private and secret keys sensitive and unextractable inside the token', async () => {
  const keystore = await Pkcs11Keystore.open(hsm.options(tokenLabel));
  try {
    await keystore.generateKeyPair('never-out-ec', 'P-384');
    await keystore.generateSecret('never-out-secret');
  } finally {
    await keystore.close();
  }
  await withRawSession((pkcs11, session) => {
    const find = (objectClass: number, label: string): Buffer[] => {
      pkcs11.C_FindObjectsInit(session, [{ type: pkcs11js.CKA_CLASS, value: objectClass }, { type: pkcs11js.CKA_LABEL, value: label }]);
      const handles = pkcs11.C_FindObjects(session, 8);
      pkcs11.C_FindObjectsFinal(session);
      return handles;
    };
    const [wrapping] = find(pkcs11js.CKO_SECRET_KEY, 'never-out-secret').filter((handle) =>
      pkcs11.C_GetAttributeValue(session, handle, [{ type: pkcs11js.CKA_KEY_TYPE }])[0]!.value.readUInt32LE(0) === pkcs11js.CKK_AES);
    assert.ok(wrapping !== undefined);
    const keys = [...find(pkcs11js.CKO_PRIVATE_KEY, 'never-out-ec'), ...find(pkcs11js.CKO_SECRET_KEY, 'never-out-secret')];
    assert.equal(keys.length, 3, 'one private key and the two objects of the secret');
    for (const handle of keys) {
      const [sensitive, extractable] = pkcs11.C_GetAttributeValue(session, handle, [
        { type: pkcs11js.CKA_SENSITIVE }, { type: pkcs11js.CKA_EXTRACTABLE },
      ]);
      assert.equal(sensitive!.value[0], 1, 'CKA_SENSITIVE is true');
      assert.equal(extractable!.value[0], 0, 'CKA_EXTRACTABLE is false');
      // security-anchors R30: reading the value answers CKR_ATTRIBUTE_SENSITIVE.
      assert.throws(() => pkcs11.C_GetAttributeValue(session, handle, [{ type: pkcs11js.CKA_VALUE }]),
        (error: unknown) => error instanceof pkcs11js.Pkcs11Error && error.code === pkcs11js.CKR_ATTRIBUTE_SENSITIVE);
      // Nor can the token be asked to wrap it out under a key it holds.
      assert.throws(() => pkcs11.C_WrapKey(session, { mechanism: pkcs11js.CKM_AES_KEY_WRAP_PAD }, wrapping, handle, Buffer.alloc(512)),
        (error: unknown) => error instanceof pkcs11js.Pkcs11Error && error.code === pkcs11js.CKR_KEY_UNEXTRACTABLE);
    }
  });
});

test('pkcs11-tool sees the keys in the token as sensitive and never extractable, and cannot read them', async () => {
  const keystore = await Pkcs11Keystore.open(hsm.options(otherTokenLabel));
  try {
    await keystore.generateKeyPair('tool-ca', 'P-384');
    await keystore.generateSecret('tool-master');
  } finally {
    await keystore.close();
  }
  const tool = (...args: string[]) =>
    run('pkcs11-tool', ['--module', softHsmModule, '--token-label', otherTokenLabel, '--login', '--pin', hsm.pin, ...args]);
  const { stdout } = await tool('--list-objects');
  const objects = stdout.split(/\n(?=\S)/);
  const privateKey = objects.find((object) => object.startsWith('Private Key Object; EC') && /label:\s+tool-ca\n/.test(object));
  assert.ok(privateKey !== undefined, `pkcs11-tool lists the private key:\n${stdout}`);
  assert.match(privateKey, /Access:\s+sensitive, always sensitive, never extractable, local/);
  const secrets = objects.filter((object) => object.startsWith('Secret Key Object') && /label:\s+tool-master\n/.test(object));
  assert.equal(secrets.length, 2, `pkcs11-tool lists the two objects of the secret:\n${stdout}`);
  for (const secret of secrets) assert.match(secret, /Access:\s+sensitive, always sensitive, never extractable, local/);

  const out = await mkdtemp(join(tmpdir(), 'phasewire-pkcs11-tool-'));
  try {
    await assert.rejects(tool('--read-object', '--type', 'secrkey', '--label', 'tool-master', '--output-file', join(out, 'secret.bin')),
      (error: unknown) => error instanceof Error && /CKR_ATTRIBUTE_SENSITIVE/.test(String((error as { stderr?: string }).stderr)));
    // pkcs11-tool does not even try to read a private key value: nothing is written.
    await tool('--read-object', '--type', 'privkey', '--label', 'tool-ca', '--output-file', join(out, 'private.der'))
      .catch(() => undefined);
    await assert.rejects(access(join(out, 'private.der')));
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});

test('refuses a wrong PIN with PW_ERR_KEYSTORE_AUTH', async () => {
  await assert.rejects(Pkcs11Keystore.open({ ...hsm.options(otherTokenLabel), env: { [pinVariable]: 'not-the-pin' } }),
    (error) => hasCode(error, 'PW_ERR_KEYSTORE_AUTH') && /refused the PIN/.test((error as Error).message));
});

test('refuses a missing module, an unknown token or slot, and an unset PIN source as configuration errors', async () => {
  const refusedAsConfig = (pattern: RegExp) => (error: unknown): boolean =>
    hasCode(error, 'PW_ERR_KEYSTORE_CONFIG') && pattern.test((error as Error).message);
  await assert.rejects(
    Pkcs11Keystore.open({ ...hsm.options(tokenLabel), module: '/nonexistent/libpkcs11.so' }),
    refusedAsConfig(/Cannot load PKCS#11 module/),
  );
  await assert.rejects(
    Pkcs11Keystore.open({ ...hsm.options(tokenLabel), token: { label: 'no-such-token' } }),
    refusedAsConfig(/no-such-token.*phasewire-keystore/),
  );
  await assert.rejects(Pkcs11Keystore.open({ ...hsm.options(tokenLabel), token: { slotId: 4242 } }), refusedAsConfig(/slot 4242/));
  await assert.rejects(Pkcs11Keystore.open({ ...hsm.options(tokenLabel), env: {} }), refusedAsConfig(/PHASEWIRE_TEST_TOKEN_PIN is unset/));
  const pinFile = join(hsm.directory, 'pin');
  await writeFile(pinFile, `${hsm.pin}\n`, { mode: 0o644 });
  await assert.rejects(
    Pkcs11Keystore.open({ ...hsm.options(tokenLabel), pin: { file: pinFile } }),
    (error) => hasCode(error, 'PW_ERR_KEYSTORE_PERMISSIONS'),
  );
});

test('opens by slot id and reads the PIN from an owner-only file', async () => {
  const pinFile = join(hsm.directory, 'pin-ok');
  await writeFile(pinFile, `${hsm.pin}\n`, { mode: 0o600 });
  const pkcs11 = acquireModule(softHsmModule);
  let slotId: number;
  try {
    const slot = pkcs11.C_GetSlotList(true).find((candidate) => pkcs11.C_GetTokenInfo(candidate).label.trimEnd() === tokenLabel);
    slotId = Number(slot!.readBigUInt64LE(0));
  } finally {
    releaseModule(softHsmModule);
  }
  const keystore = await Pkcs11Keystore.open({ module: softHsmModule, token: { slotId }, pin: { file: pinFile } });
  try {
    assert.equal(keystore.kind, 'pkcs11');
    await keystore.list();
  } finally {
    await keystore.close();
  }
});
