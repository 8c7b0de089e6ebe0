// The firmware repository on a directory with its keys in two SoftHSM2 tokens (offline: root;
// online: targets, delegations, snapshot and timestamp): what it publishes, renews and rotates.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { hasCode } from '@phasewire/core';
import { Pkcs11Keystore } from '@phasewire/secure/node';
import { startSoftHsm, type SoftHsmFixture } from '@phasewire/secure/testing';
import { FirmwareRepository } from '../../firmware/firmware-repository.ts';
import { directoryStorage } from './directory-storage.ts';

const day = 86_400_000;
let hsm: SoftHsmFixture;
let offline: Pkcs11Keystore;
let online: Pkcs11Keystore;
let directory: string;
let now = Date.UTC(2026, 11, 7, 12, 0, 0);
const clock = { now: () => now };
const image = (text: string): Uint8Array => new TextEncoder().encode(text);

before(async () => {
  hsm = await startSoftHsm(['offline', 'online']);
  offline = await Pkcs11Keystore.open(hsm.options('offline'));
  online = await Pkcs11Keystore.open(hsm.options('online'));
  directory = await mkdtemp(join(tmpdir(), 'phasewire-firmware-'));
});

after(async () => {
  await offline.close();
  await online.close();
  await hsm.cleanup();
  await rm(directory, { recursive: true, force: true });
});

const options = () => ({ storage: directoryStorage(directory), offline, online, clock });

test('init makes root 1 with 2 of 3 offline root keys, one online key for snapshot and timestamp, and consistent snapshots', async () => {
  const repository = await FirmwareRepository.init(options());
  const { root, timestamp } = repository.state;
  assert.equal(root.signed.version, 1);
  assert.equal(root.signed.consistent_snapshot, true);
  assert.deepEqual({ keys: root.signed.roles.root.keyids.length, threshold: root.signed.roles.root.threshold }, { keys: 3, threshold: 2 });
  assert.deepEqual(root.signed.roles.snapshot.keyids, root.signed.roles.timestamp.keyids);
  assert.equal(root.signatures.length, 3);
  assert.equal(timestamp.signed.expires, '2026-12-08T12:00:00Z');
  assert.deepEqual((await offline.list()).map((key) => key.label).sort(), ['tuf-root-1-1', 'tuf-root-1-2', 'tuf-root-1-3']);
  assert.deepEqual((await online.list()).map((key) => key.label).sort(), ['tuf-online-1', 'tuf-targets-1']);
  assert.deepEqual((await readdir(join(directory, 'metadata'))).sort(),
    ['1.root.json', '1.snapshot.json', '1.targets.json', 'timestamp.json']);
});

test('an image goes under its hash, signed by its model\'s delegated role, which may sign only that class\'s paths', async () => {
  const repository = await FirmwareRepository.open(options());
  const added = await repository.add({ model: 'PW3', hardwareRevision: 'r2', version: '1.0.0', securityVersion: 3, bytes: image('one') });
  await repository.add({ model: 'PW3', hardwareRevision: 'r2', version: '1.1.0', bytes: image('two') });
  await repository.add({ model: 'SM630', hardwareRevision: 'r1', version: '2.0.0', bytes: image('three') });
  const { targets, delegated, snapshot } = repository.state;
  assert.deepEqual(targets.signed.delegations?.roles.map((role) => [role.name, role.paths, role.terminating]),
    [['PW3-r2', ['PW3/r2/*'], true], ['SM630-r1', ['SM630/r1/*'], true]]);
  assert.deepEqual(Object.keys(delegated.get('PW3-r2')?.signed.targets ?? {}), ['PW3/r2/PW3-r2-1.0.0.bin', 'PW3/r2/PW3-r2-1.1.0.bin']);
  assert.deepEqual(snapshot.signed.meta,
    { 'targets.json': { version: 3 }, 'PW3-r2.json': { version: 2 }, 'SM630-r1.json': { version: 1 } });
  assert.deepEqual(await readdir(join(directory, 'targets', 'PW3', 'r2')), [`${added.sha256}.PW3-r2-1.0.0.bin`,
    `${repository.list()[1]?.sha256}.PW3-r2-1.1.0.bin`].sort());
  assert.deepEqual(repository.list().map((entry) => [entry.targetPath, entry.securityVersion]), [
    ['PW3/r2/PW3-r2-1.0.0.bin', 3], ['PW3/r2/PW3-r2-1.1.0.bin', 3], ['SM630/r1/SM630-r1-2.0.0.bin', 0]]);
  await assert.rejects(repository.add({ model: 'PW3', hardwareRevision: 'r2', version: '1.1.0', bytes: image('again') }),
    (error) => hasCode(error, 'PW_ERR_FIRMWARE_INVALID') && /published already/.test(error.message));
  await assert.rejects(repository.add({ model: '../x', hardwareRevision: 'r2', version: '1.2.0', bytes: image('x') }),
    (error) => hasCode(error, 'PW_ERR_FIRMWARE_INVALID'));
  const reopened = await FirmwareRepository.open(options());
  assert.deepEqual(reopened.state, repository.state);
});

test('renewal re-signs the timestamp past half its life, then the snapshot, and nothing while both are fresh', async () => {
  const repository = await FirmwareRepository.open(options());
  assert.deepEqual(await repository.renew(), []);
  const before = repository.state;
  now += 13 * 3_600_000;
  assert.deepEqual(await repository.renew(), ['timestamp']);
  assert.equal(repository.state.timestamp.signed.version, before.timestamp.signed.version + 1);
  assert.equal(repository.state.snapshot, before.snapshot);
  now += 4 * day;
  assert.deepEqual(await repository.renew(), ['snapshot', 'timestamp']);
  assert.equal(repository.state.snapshot.signed.version, before.snapshot.signed.version + 1);
});

test('rotating the online key makes a new root; rotating root signs it with the old and the new root keys', async () => {
  const repository = await FirmwareRepository.open(options());
  const oldOnline = repository.state.root.signed.roles.timestamp.keyids[0];
  await repository.rotate('online');
  let { root } = repository.state;
  assert.equal(root.signed.version, 2);
  assert.notEqual(root.signed.roles.timestamp.keyids[0], oldOnline);
  assert.ok(oldOnline !== undefined && root.signed.keys[oldOnline] === undefined, 'the retired key leaves root');
  assert.deepEqual((await online.list()).map((key) => key.label).filter((label) => label.startsWith('tuf-online')), ['tuf-online-2']);
  assert.deepEqual(repository.state.timestamp.signatures.map((signature) => signature.keyid), root.signed.roles.timestamp.keyids);

  const oldRoot = root.signed.roles.root.keyids;
  await repository.rotate('root');
  ({ root } = repository.state);
  assert.equal(root.signed.version, 3);
  const signedBy = new Set(root.signatures.map((signature) => signature.keyid));
  assert.ok(oldRoot.every((keyid) => signedBy.has(keyid)) && root.signed.roles.root.keyids.every((keyid) => signedBy.has(keyid)));
  assert.deepEqual((await offline.list()).map((key) => key.label).sort(), ['tuf-root-2-1', 'tuf-root-2-2', 'tuf-root-2-3']);
  await repository.rotate('targets');
  assert.equal(repository.state.targets.signed.version, 4);
  assert.deepEqual(repository.state.targets.signatures.map((signature) => signature.keyid),
    repository.state.root.signed.roles.targets.keyids);
});

test('a directory that holds no repository is refused with what is missing', async () => {
  const empty = await mkdtemp(join(tmpdir(), 'phasewire-firmware-empty-'));
  try {
    await assert.rejects(FirmwareRepository.open({ ...options(), storage: directoryStorage(empty) }),
      (error) => hasCode(error, 'PW_ERR_FIRMWARE_REPOSITORY') && /1\.root\.json is missing/.test(error.message));
  } finally {
    await rm(empty, { recursive: true });
  }
});
