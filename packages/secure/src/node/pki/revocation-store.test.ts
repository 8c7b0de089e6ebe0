import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hasCode } from '@phasewire/core';
import { deviceIdentity } from '../../pki/device-identity.ts';
import { generateSoftwareKey } from '../tls/software-key.ts';
import { caFiles } from './ca-directory.ts';
import { RevocationFileStore } from './revocation-store.ts';
import { createTestCa } from '../../testing/test-ca.ts';
import type { TestCa } from '../../testing/test-ca.ts';

let scratch: string;
before(async () => { scratch = await mkdtemp(join(tmpdir(), 'phasewire-revocations-')); });
after(async () => { await rm(scratch, { recursive: true, force: true }); });

describe('the persisted revocation list', () => {
  it('starts empty without a file, persists a revocation and reads it back', async () => {
    const path = join(scratch, 'own.json');
    const store = await RevocationFileStore.open(path);
    assert.equal(store.current().size, 0);
    await store.revoke({ serial: '1A', revokedAt: 1000, reason: 'keyCompromise' });
    assert.equal(store.current().has('1a'), true);
    assert.equal((await RevocationFileStore.open(path)).current().get('1a')?.reason, 'keyCompromise');
  });

  it('follows the CA directory: a revocation by the CA reaches a watching listener', async () => {
    let testCa: TestCa | undefined;
    try {
      testCa = await createTestCa();
      const device = await testCa.ca.issueDevice(generateSoftwareKey().signer.publicKey, deviceIdentity('meter', 'm-watch'));
      const store = await RevocationFileStore.open(join(testCa.directory, caFiles.revoked));
      const changed = new Promise((resolve) => {
        const stop = store.watch(20, (set) => { stop(); resolve(set.has(device.record.serial)); });
      });
      await testCa.ca.revoke(device.record.serial);
      assert.equal(await changed, true);
    } finally {
      await testCa?.close();
    }
  });

  it('refuses a damaged file', async () => {
    const path = join(scratch, 'damaged.json');
    await writeFile(path, '{"format":1,"revoked":[{"serial":"xyz"}]}');
    await assert.rejects(RevocationFileStore.open(path), (error) => hasCode(error, 'PW_ERR_CA_STATE'));
  });
});
