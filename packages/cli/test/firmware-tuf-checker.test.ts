// Done-when of the firmware repository (docs/firmware.md): `tuf-js`, a TUF client phasewire did
// not write, run as a standalone process, refreshes the repository over HTTPS (TLS 1.3 policy)
// from its first root and downloads an image with length and hashes verified (TUF §5.2–§5.7);
// it refuses the repository once the timestamp has expired (§5.4.4) and an altered image (§5.7).
// Every signature of every metadata file verifies with OpenSSL over canonical JSON (§4.1, §4.2.1).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { storedTargetPath } from '@phasewire/mdm/firmware';
import { startFirmwareFixture, verifyAllWithOpenssl } from './firmware-kit.ts';
import type { FirmwareFixture } from './firmware-kit.ts';

let fixture: FirmwareFixture;
const day = 86_400_000;
const imageBytes = new TextEncoder().encode('phasewire meter firmware 1.1.0: metrology fix for phase C\n'.repeat(300));

before(async () => { fixture = await startFirmwareFixture(); });
after(async () => { await fixture.close(); });

test('tuf-js refreshes from root 1 over HTTPS and downloads the image with its length and hashes verified', async () => {
  const repository = await fixture.open();
  await repository.add({ model: 'PW3', hardwareRevision: 'r2', version: '1.0.0', bytes: new TextEncoder().encode('old image') });
  const image = await repository.add({ model: 'PW3', hardwareRevision: 'r2', version: '1.1.0', securityVersion: 2, bytes: imageBytes });
  await repository.rotate('online');
  const device = await fixture.newDevice('fresh');
  const result = await fixture.check(device, image.targetPath);
  assert.equal(result.ok, true, result.message);
  assert.equal(result.rootVersion, 2, 'the checker walked from 1.root.json to 2.root.json');
  assert.equal(result.length, imageBytes.length);
  assert.deepEqual(result.custom, { model: 'PW3', hardwareRevision: 'r2', version: '1.1.0', securityVersion: 2 });
  const downloaded = await readFile(result.file ?? '');
  assert.equal(createHash('sha256').update(downloaded).digest('hex'), image.sha256);
  assert.deepEqual(new Uint8Array(downloaded), imageBytes);
});

test('every signature of every metadata file verifies with openssl pkeyutl over the canonical JSON of signed', async () => {
  const verified = await verifyAllWithOpenssl(fixture.directory, join(fixture.work, 'openssl'));
  assert.deepEqual([...verified.keys()], ['1.PW3-r2.json', '1.root.json', '1.snapshot.json', '1.targets.json', '2.PW3-r2.json',
    '2.root.json', '2.snapshot.json', '2.targets.json', '3.snapshot.json', '4.snapshot.json', 'timestamp.json']);
  assert.equal(verified.get('1.root.json'), 3, 'root 1: its three root keys');
  assert.equal(verified.get('2.root.json'), 3, 'root 2: signed by the root keys (unchanged) for old and new');
  assert.ok([...verified.values()].every((count) => count >= 1));
});

test('tuf-js refuses the repository once its timestamp has expired (indefinite freeze)', async () => {
  const repository = await fixture.open();
  // The repository's clock two days back: the timestamp it signs now (lifetime one day) is already past.
  fixture.clock.set(Date.now() - 2 * day);
  await repository.rotate('online');
  const device = await fixture.newDevice('frozen');
  const result = await fixture.check(device, 'PW3/r2/PW3-r2-1.1.0.bin');
  assert.equal(result.ok, false);
  assert.equal(result.error, 'ExpiredMetadataError');
  assert.match(result.message ?? '', /timestamp\.json is expired/);

  fixture.clock.set(Date.now());
  assert.ok((await repository.renew()).includes('timestamp'), 'renewal re-signs the stale timestamp');
  assert.equal((await fixture.check(device, 'PW3/r2/PW3-r2-1.1.0.bin')).ok, true, 'and the same device accepts the renewed one');
});

test('tuf-js refuses an image with one byte altered', async () => {
  const repository = await fixture.open();
  const image = repository.list().find((entry) => entry.version === '1.1.0');
  assert.ok(image !== undefined);
  const stored = join(fixture.directory, storedTargetPath(image.targetPath, image.sha256));
  const altered = new Uint8Array(await readFile(stored));
  altered[100] = (altered[100] ?? 0) ^ 0x01;
  await writeFile(stored, altered);
  const result = await fixture.check(await fixture.newDevice('tampered'), image.targetPath);
  assert.equal(result.ok, false);
  assert.equal(result.error, 'LengthOrHashMismatchError');
  await writeFile(stored, imageBytes);
});
