import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hasCode } from '@phasewire/core';
import { CertificateAuthority } from '../../pki/certificate-authority.ts';
import { deviceIdentity } from '../../pki/device-identity.ts';
import { parseRevocations } from '../../pki/revocation-set.ts';
import { generateSoftwareKey } from '../tls/software-key.ts';
import { CaDirectory, caFiles } from './ca-directory.ts';
import { createMemoryKeystore } from './memory-keystore.ts';

let scratch: string;
before(async () => { scratch = await mkdtemp(join(tmpdir(), 'phasewire-ca-directory-')); });
after(async () => { await rm(scratch, { recursive: true, force: true }); });

describe('the CA directory', () => {
  it('lets one process at a time open it', async () => {
    const path = join(scratch, 'locked');
    const first = await CaDirectory.open(path);
    await assert.rejects(
      CaDirectory.open(path),
      (error) => hasCode(error, 'PW_ERR_CA_STATE') && /has it open/.test((error as Error).message),
    );
    await first.close();
    await (await CaDirectory.open(path)).close();
  });

  it('takes over the lock of a process that no longer runs', async () => {
    const path = join(scratch, 'stale');
    await (await CaDirectory.open(path)).close();
    // pid 2^22 + 1 is above Linux's default pid_max: no process has it.
    await writeFile(join(path, caFiles.lock), `${2 ** 22 + 1}\n`);
    const directory = await CaDirectory.open(path);
    assert.equal((await readFile(join(path, caFiles.lock), 'utf8')).trim(), String(process.pid));
    await directory.close();
  });

  it('takes over an empty lock file left by a crash between its creation and its pid', async () => {
    const path = join(scratch, 'torn');
    await (await CaDirectory.open(path)).close();
    const lock = join(path, caFiles.lock);
    await writeFile(lock, '');
    const longAgo = new Date(Date.now() - 60_000);
    await utimes(lock, longAgo, longAgo);
    const directory = await CaDirectory.open(path);
    assert.equal((await readFile(lock, 'utf8')).trim(), String(process.pid));
    await directory.close();
  });

  it('has no state until a CA is made, and refuses a damaged state file', async () => {
    const path = join(scratch, 'damaged');
    const directory = await CaDirectory.open(path);
    try {
      assert.equal(await directory.readState(), undefined);
      await writeFile(join(path, caFiles.state), '{"format":1,');
      await assert.rejects(directory.readState(), (error) => hasCode(error, 'PW_ERR_CA_STATE'));
    } finally {
      await directory.close();
    }
  });

  it('lets two CAs on one directory (a server and a command) build on each other\'s changes, never undo them', async () => {
    const path = join(scratch, 'shared');
    const keystore = createMemoryKeystore();
    const clock = { now: () => Date.now() };
    // The server: opens the CA under the lock, then lets go and takes the lock per change.
    const serverStore = await CaDirectory.open(path);
    const server = await CertificateAuthority.init({ keystore, store: serverStore, clock });
    await serverStore.close();
    const first = await server.issueDevice(generateSoftwareKey('P-384').signer.publicKey, deviceIdentity('meter', 'meter-shared-1'));
    // The command: opens the same directory with its own copy of the state and revokes.
    const commandStore = await CaDirectory.open(path);
    const command = await CertificateAuthority.open({ keystore, store: commandStore, clock });
    await command.revoke(first.record.serial, 'keyCompromise');
    await commandStore.close();
    // The server's next change is made on the state read again: the revocation stays, serials go on.
    const second = await server.issueDevice(generateSoftwareKey('P-384').signer.publicKey, deviceIdentity('meter', 'meter-shared-2'));
    assert.equal(BigInt(`0x${second.record.serial}`), BigInt(`0x${first.record.serial}`) + 1n);
    assert.equal(server.find(first.record.serial)?.revoked?.reason, 'keyCompromise');
    const onDisk = await CaDirectory.open(path).then(async (directory) => {
      try {
        return await directory.readState();
      } finally {
        await directory.close();
      }
    });
    assert.equal(onDisk?.issued.find((entry) => entry.serial === first.record.serial)?.revoked?.reason, 'keyCompromise');
    assert.ok(parseRevocations(await readFile(join(path, caFiles.revoked), 'utf8')).has(first.record.serial));
    assert.equal(server.crlNumber, command.crlNumber, 'the server took the command\'s CRL number');
  });
});
