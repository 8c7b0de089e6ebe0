import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { hasCode } from '@phasewire/core';
import { keystoreConformance } from '../../testing/keystore-conformance.ts';
import { nodeConformanceHarness } from '../../testing/keystore-conformance-kit.ts';
import { SoftwareKeystore } from './software-keystore.ts';
import type { SoftwareKeystoreOptions } from './software-keystore.ts';
import { openEntry, parseStore } from './software-keystore-file.ts';
import { createSecretKey } from 'node:crypto';

// The lowest scrypt cost a store accepts: keeps the suite fast; production defaults to 2^17.
const fastScrypt = { cost: 2 ** 14, blockSize: 8, parallelization: 1 };
const passphraseVariable = 'PHASEWIRE_TEST_KEYSTORE_PASSPHRASE';

let directory: string;

before(async () => {
  directory = await mkdtemp(join(tmpdir(), 'phasewire-software-keystore-'));
});

after(async () => {
  await rm(directory, { recursive: true, force: true });
});

function passphraseOptions(path: string, passphrase: string, warnings: string[] = []): SoftwareKeystoreOptions {
  return {
    path,
    unlock: { passphrase: { env: passphraseVariable } },
    env: { [passphraseVariable]: passphrase },
    warn: (message) => warnings.push(message),
    create: true,
    scrypt: fastScrypt,
  };
}

async function keyFile(name: string, bytes: Uint8Array = randomBytes(32)): Promise<string> {
  const path = join(directory, name);
  await writeFile(path, bytes, { mode: 0o600 });
  return path;
}

describe('software keystore, passphrase-locked: conformance', () => {
  let path: string;
  before(() => {
    path = join(directory, 'conformance-passphrase.json');
  });
  keystoreConformance(() => SoftwareKeystore.open(passphraseOptions(path, 'correct horse battery staple')), nodeConformanceHarness);
});

describe('software keystore, key-file-locked: conformance', () => {
  let options: SoftwareKeystoreOptions;
  before(async () => {
    options = {
      path: join(directory, 'conformance-key-file.json'),
      unlock: { keyFile: await keyFile('conformance.key') },
      warn: () => undefined,
      create: true,
    };
  });
  keystoreConformance(() => SoftwareKeystore.open(options), nodeConformanceHarness);
});

test('warns at every open that it is not an HSM', async () => {
  const warnings: string[] = [];
  const path = join(directory, 'warning.json');
  await (await SoftwareKeystore.open(passphraseOptions(path, 'pass', warnings))).close();
  await (await SoftwareKeystore.open(passphraseOptions(path, 'pass', warnings))).close();
  assert.equal(warnings.length, 2);
  for (const warning of warnings) assert.match(warning, /NOT a hardware security module/);
});

test('creates the store with mode 0600 and leaves no temporary file behind', async () => {
  const path = join(directory, 'mode.json');
  const store = await SoftwareKeystore.open(passphraseOptions(path, 'pass'));
  await store.generateSecret('master');
  await store.generateKeyPair('ca', 'P-384');
  await store.remove('master');
  await store.close();
  assert.equal((await stat(path)).mode & 0o777, 0o600);
  const leftovers = (await readdir(directory)).filter((name) => name.startsWith('.mode.json'));
  assert.deepEqual(leftovers, []);
  const stored = parseStore(await readFile(path, 'utf8'), path);
  assert.deepEqual(stored.keys.map((key) => key.label), ['ca']);
});

test('refuses a store file that others may read, before asking for the passphrase', async () => {
  const path = join(directory, 'loose.json');
  await (await SoftwareKeystore.open(passphraseOptions(path, 'pass'))).close();
  for (const mode of [0o640, 0o604, 0o660]) {
    await chmod(path, mode);
    await assert.rejects(SoftwareKeystore.open({ ...passphraseOptions(path, 'pass'), env: {} }),
      (error) => hasCode(error, 'PW_ERR_KEYSTORE_PERMISSIONS'), `mode 0${mode.toString(8)}`);
  }
});

test('refuses a key file that others may read', async () => {
  const loose = await keyFile('loose.key');
  await chmod(loose, 0o644);
  await assert.rejects(
    SoftwareKeystore.open({ path: join(directory, 'loose-key.json'), unlock: { keyFile: loose }, warn: () => undefined, create: true }),
    (error) => hasCode(error, 'PW_ERR_KEYSTORE_PERMISSIONS'));
});

test('refuses a wrong passphrase and a wrong key file with PW_ERR_KEYSTORE_AUTH', async () => {
  const path = join(directory, 'auth.json');
  await (await SoftwareKeystore.open(passphraseOptions(path, 'right'))).close();
  await assert.rejects(SoftwareKeystore.open(passphraseOptions(path, 'wrong')), (error) => hasCode(error, 'PW_ERR_KEYSTORE_AUTH'));

  const keyPath = join(directory, 'auth-key.json');
  const options = { path: keyPath, unlock: { keyFile: await keyFile('right.key') }, warn: () => undefined, create: true };
  await (await SoftwareKeystore.open(options)).close();
  await assert.rejects(SoftwareKeystore.open({ ...options, unlock: { keyFile: await keyFile('wrong.key') } }),
    (error) => hasCode(error, 'PW_ERR_KEYSTORE_AUTH'));
});

test('refuses configuration errors: missing file without create, unset passphrase, short key file', async () => {
  const missing = join(directory, 'missing.json');
  await assert.rejects(SoftwareKeystore.open({ ...passphraseOptions(missing, 'x'), create: false }),
    (error) => hasCode(error, 'PW_ERR_KEYSTORE_CONFIG'));
  await assert.rejects(SoftwareKeystore.open({ ...passphraseOptions(missing, 'x'), env: {} }),
    (error) => hasCode(error, 'PW_ERR_KEYSTORE_CONFIG'));
  const short = await keyFile('short.key', randomBytes(16));
  await assert.rejects(SoftwareKeystore.open({ path: missing, unlock: { keyFile: short }, warn: () => undefined, create: true }),
    (error) => hasCode(error, 'PW_ERR_KEYSTORE_CONFIG'));
});

test('refuses an altered entry as corrupt and a damaged file without touching it', async () => {
  const path = join(directory, 'altered.json');
  const store = await SoftwareKeystore.open(passphraseOptions(path, 'pass'));
  await store.generateSecret('first');
  await store.generateSecret('second');
  await store.close();
  // Swap the two sealed secrets: each is bound to its own label, so both now fail.
  const json = JSON.parse(await readFile(path, 'utf8')) as { keys: { sealed: string }[] };
  const [first, second] = json.keys;
  [first!.sealed, second!.sealed] = [second!.sealed, first!.sealed];
  await writeFile(path, JSON.stringify(json), { mode: 0o600 });
  const reopened = await SoftwareKeystore.open(passphraseOptions(path, 'pass'));
  await assert.rejects(reopened.deriveKey('first', new Uint8Array(1), 32), (error) => hasCode(error, 'PW_ERR_KEYSTORE_CORRUPT'));
  await reopened.close();

  const truncated = (await readFile(path, 'utf8')).slice(0, 100);
  await writeFile(path, truncated, { mode: 0o600 });
  await assert.rejects(SoftwareKeystore.open(passphraseOptions(path, 'pass')), (error) => hasCode(error, 'PW_ERR_KEYSTORE_CORRUPT'));
  assert.equal(await readFile(path, 'utf8'), truncated, 'a refused file is left as it was');
});

test('derives exactly HMAC-SHA256(secret, info || 0x01), the one-block HKDF-Expand of RFC 5869', async () => {
  // Only this test knows the secret: it opens the store file with the key file, as an attacker
  // holding both could. The port itself never returns a secret.
  const storeKeyBytes = randomBytes(32);
  const path = join(directory, 'derive.json');
  const store = await SoftwareKeystore.open({
    path, unlock: { keyFile: await keyFile('derive.key', storeKeyBytes) }, warn: () => undefined, create: true,
  });
  await store.generateSecret('envelope-master');
  const info = Buffer.from('phasewire envelope v1 meter-0042');
  const derived = await store.deriveKey('envelope-master', info, 32);
  await store.close();
  const stored = parseStore(await readFile(path, 'utf8'), path);
  const secret = openEntry(createSecretKey(storeKeyBytes), stored.keys[0]!, path);
  const expected = createHmac('sha256', secret).update(info).update(Uint8Array.of(1)).digest();
  assert.deepEqual(Buffer.from(derived), expected);
});

test('serialises concurrent changes: every key of a burst is in the file', async () => {
  const path = join(directory, 'burst.json');
  const store = await SoftwareKeystore.open(passphraseOptions(path, 'pass'));
  const labels = Array.from({ length: 12 }, (_, i) => `burst-${i}`);
  await Promise.all(labels.map((label) => store.generateSecret(label)));
  await store.close();
  const stored = parseStore(await readFile(path, 'utf8'), path);
  assert.deepEqual(stored.keys.map((key) => key.label).sort(), [...labels].sort());
});
