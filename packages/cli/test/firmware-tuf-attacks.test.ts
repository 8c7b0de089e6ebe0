// The attacks TUF names (TUF §1.5.2), each played against phasewire's repository as a hostile
// server or mirror would (by changing what is served), and each refused by the standalone tuf-js
// checker: the device's trusted state stays what it was. The recovery test shows a compromised
// online key doing its worst (a fast-forwarded timestamp) and a root rotation undoing it (§6.1, §5.3.11).
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { storedTargetPath } from '@phasewire/mdm/firmware';
import type { FirmwareRepository } from '@phasewire/mdm/firmware';
import { encodeTufMetadata, keystoreTufSigner, signTufMetadata, tufHashes } from '@phasewire/secure';
import type { TargetsSigned, TimestampSigned, TufMetadata } from '@phasewire/secure';
import { startFirmwareFixture } from './firmware-kit.ts';
import type { FirmwareFixture } from './firmware-kit.ts';

let fixture: FirmwareFixture;
let repository: FirmwareRepository;
const day = 86_400_000;
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const genuine = 'PW3/r2/PW3-r2-1.1.0.bin';

before(async () => {
  fixture = await startFirmwareFixture();
  repository = await fixture.open();
  await repository.add({ model: 'PW3', hardwareRevision: 'r2', version: '1.0.0', bytes: bytes('PW3 image 1.0.0\n'.repeat(64)) });
  await repository.add({ model: 'PW3', hardwareRevision: 'r2', version: '1.1.0', bytes: bytes('PW3 image 1.1.0\n'.repeat(64)) });
  await repository.add({ model: 'SM630', hardwareRevision: 'r1', version: '2.0.0', bytes: bytes('SM630 image 2.0.0\n'.repeat(64)) });
});
after(async () => { await fixture.close(); });

const metadataFile = (name: string): string => join(fixture.directory, 'metadata', name);
const readJson = async <T>(name: string): Promise<T> => JSON.parse(await readFile(metadataFile(name), 'utf8')) as T;

/** Serves `contents` in place of a metadata file for the length of `body`, then restores it. */
async function serving<T>(name: string, contents: Uint8Array, body: () => Promise<T>): Promise<T> {
  const original = await readFile(metadataFile(name));
  await writeFile(metadataFile(name), contents);
  try {
    return await body();
  } finally {
    await writeFile(metadataFile(name), original);
  }
}

/** The delegated role's current file name (its version is in the snapshot). */
function roleFile(role: string): string {
  return `${repository.state.snapshot.signed.meta[`${role}.json`]?.version}.${role}.json`;
}

test('arbitrary installation: an image listed by metadata signed with a key nobody delegated to is refused', async () => {
  await fixture.online.generateKeyPair('attacker-1', 'P-256');
  const attacker = await keystoreTufSigner(fixture.online, 'attacker-1');
  const evil = bytes('evil firmware');
  const current = await readJson<TufMetadata<TargetsSigned>>(roleFile('PW3-r2'));
  const forged = await signTufMetadata({ ...current.signed, targets: { ...current.signed.targets,
    'PW3/r2/PW3-r2-6.6.6.bin': { length: evil.length, hashes: await tufHashes(evil) } } }, [attacker]);
  const result = await serving(roleFile('PW3-r2'), encodeTufMetadata(forged),
    async () => fixture.check(await fixture.newDevice('arbitrary'), 'PW3/r2/PW3-r2-6.6.6.bin'));
  assert.equal(result.ok, false);
  // tuf-js reports a delegated role it cannot load as a RuntimeError naming the cause.
  assert.equal(result.error, 'RuntimeError');
  assert.match(result.message ?? '', /PW3-r2 was signed by 0\/1 keys/);
});

test('rollback: an older, validly signed timestamp is refused by a device that has seen a newer one', async () => {
  const device = await fixture.newDevice('rollback');
  const old = await readFile(metadataFile('timestamp.json'));
  await repository.add({ model: 'PW3', hardwareRevision: 'r2', version: '1.2.0', bytes: bytes('PW3 image 1.2.0\n'.repeat(64)) });
  const seen = await fixture.check(device);
  assert.equal(seen.ok, true, seen.message);
  const result = await serving('timestamp.json', old, () => fixture.check(device, genuine));
  assert.equal(result.ok, false);
  assert.equal(result.error, 'BadVersionError');
  assert.match(result.message ?? '', /less than current version/);
});

test('indefinite freeze: a genuine timestamp replayed after its expiry is refused', async () => {
  fixture.clock.set(Date.now() - 2 * day);
  await repository.add({ model: 'SM630', hardwareRevision: 'r1', version: '2.1.0', bytes: bytes('SM630 image 2.1.0\n'.repeat(64)) });
  const stale = await readFile(metadataFile('timestamp.json'));
  fixture.clock.set(Date.now());
  await repository.renew();
  const result = await serving('timestamp.json', stale, async () => fixture.check(await fixture.newDevice('freeze'), genuine));
  assert.equal(result.ok, false);
  assert.equal(result.error, 'ExpiredMetadataError');
});

test('endless data: an image longer than its declared length, and an oversized timestamp, are cut off', async () => {
  const image = repository.list().find((entry) => entry.targetPath === genuine);
  assert.ok(image !== undefined);
  const stored = join(fixture.directory, storedTargetPath(image.targetPath, image.sha256));
  const original = await readFile(stored);
  await writeFile(stored, Buffer.concat([original, Buffer.alloc(1_000_000, 0x55)]));
  try {
    const result = await fixture.check(await fixture.newDevice('endless'), genuine);
    assert.equal(result.ok, false);
    assert.equal(result.error, 'DownloadLengthMismatchError');
  } finally {
    await writeFile(stored, original);
  }
  const huge = bytes(`{"padding":"${'x'.repeat(100_000)}"}`);
  const result = await serving('timestamp.json', huge, async () => fixture.check(await fixture.newDevice('endless-meta')));
  assert.equal(result.error, 'DownloadLengthMismatchError');
});

test('mix-and-match: an older delegated metadata served under the version the snapshot names is refused', async () => {
  const older = await readFile(metadataFile('1.PW3-r2.json'));
  const result = await serving(roleFile('PW3-r2'), older, async () => fixture.check(await fixture.newDevice('mix'), genuine));
  assert.equal(result.ok, false);
  assert.equal(result.error, 'RuntimeError');
  assert.match(result.message ?? '', /Version 1 of PW3-r2 does not match snapshot version \d/);
});

test('another model: an image for PW3 listed by the SM630 role, with that role\'s own key, is not found', async () => {
  const sm630 = repository.state.targets.signed.delegations?.roles.find((role) => role.name === 'SM630-r1');
  const label = (await fixture.online.list()).find((key) => key.label.startsWith('tuf-role-SM630-r1-'))?.label;
  assert.ok(sm630 !== undefined && label !== undefined);
  const signer = await keystoreTufSigner(fixture.online, label);
  assert.deepEqual(sm630.keyids, [signer.keyid], 'the key is the SM630 role\'s real key');
  const evil = bytes('SM630 image pretending to be PW3');
  const current = await readJson<TufMetadata<TargetsSigned>>(roleFile('SM630-r1'));
  const forged = await signTufMetadata({ ...current.signed, targets: { ...current.signed.targets,
    'PW3/r2/PW3-r2-9.9.9.bin': { length: evil.length, hashes: await tufHashes(evil) } } }, [signer]);
  const result = await serving(roleFile('SM630-r1'), encodeTufMetadata(forged),
    async () => fixture.check(await fixture.newDevice('other-model'), 'PW3/r2/PW3-r2-9.9.9.bin'));
  assert.equal(result.ok, false);
  assert.equal(result.error, 'TargetNotFound', 'TUF §4.5: a role is consulted only for the paths delegated to it');
});

test('a tampered byte: one bit flipped in the image fails its hashes', async () => {
  const image = repository.list().find((entry) => entry.targetPath === genuine);
  assert.ok(image !== undefined);
  const stored = join(fixture.directory, storedTargetPath(image.targetPath, image.sha256));
  const original = await readFile(stored);
  const tampered = Buffer.from(original);
  tampered[tampered.length - 1] = (tampered.at(-1) ?? 0) ^ 0x80;
  await writeFile(stored, tampered);
  try {
    const result = await fixture.check(await fixture.newDevice('tampered'), genuine);
    assert.equal(result.error, 'LengthOrHashMismatchError');
  } finally {
    await writeFile(stored, original);
  }
});

test('a compromised online key fast-forwards a device; rotating the key through a new root recovers it', async () => {
  const device = await fixture.newDevice('victim');
  assert.equal((await fixture.check(device, genuine)).ok, true);
  const stolen = await keystoreTufSigner(fixture.online, 'tuf-online-1');
  const current = await readJson<TufMetadata<TimestampSigned>>('timestamp.json');
  const forge = (version: number) => signTufMetadata({ ...current.signed, version }, [stolen]).then(encodeTufMetadata);
  const [fastForward, later] = [await forge(1000), await forge(2000)];
  const attacked = await serving('timestamp.json', fastForward, () => fixture.check(device));
  assert.deepEqual([attacked.ok, attacked.timestampVersion], [true, 1000], 'the stolen key is trusted until rotated');

  await repository.add({ model: 'PW3', hardwareRevision: 'r2', version: '1.3.0', bytes: bytes('PW3 image 1.3.0\n'.repeat(64)) });
  const stuck = await fixture.check(device, 'PW3/r2/PW3-r2-1.3.0.bin');
  assert.deepEqual([stuck.ok, stuck.error], [false, 'BadVersionError'], 'frozen out of real updates by the fast-forward');

  await repository.rotate('online');
  const recovered = await fixture.check(device, 'PW3/r2/PW3-r2-1.3.0.bin');
  assert.equal(recovered.ok, true, recovered.message);
  assert.equal(recovered.rootVersion, 2);
  assert.ok((recovered.timestampVersion ?? 1000) < 1000, 'the forged timestamp was dropped with its key (TUF §5.3.11)');

  const again = await serving('timestamp.json', later, () => fixture.check(device));
  assert.deepEqual([again.ok, again.error], [false, 'UnsignedMetadataError'], 'the retired key signs nothing the device accepts');
});
