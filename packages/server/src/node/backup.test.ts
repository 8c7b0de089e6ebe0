// The backup of a data directory whose keys are in a PKCS#11 token and whose store is PostgreSQL:
// the manifest says both are not in the archive, and what is there comes back byte for byte.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { parseBackupManifest } from '../backup-manifest.ts';
import { backupDataDir } from './backup.ts';
import { restoreBackup } from './restore.ts';

describe('backupDataDir and restoreBackup', () => {
  it('says when the keys are in a PKCS#11 token and the store in PostgreSQL, and restores the rest byte for byte', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'phasewire-backup-unit-'));
    try {
      const data = join(dir, 'data');
      await mkdir(join(data, 'pki'), { recursive: true });
      const config = JSON.stringify({
        keystore: { kind: 'pkcs11', tokenLabel: 'phasewire-ca' },
        store: { kind: 'postgres', connectionString: 'postgres://phasewire@db.internal/phasewire', schema: 'phasewire', poolSize: 4 },
      });
      await writeFile(join(data, 'phasewire.json'), config);
      await writeFile(join(data, 'pki', 'ca.pem'), 'certificate');
      await writeFile(join(data, 'pki', '.lock'), String(process.pid));
      const db = new DatabaseSync(join(data, 'headend.db'));
      db.exec('PRAGMA journal_mode = WAL; CREATE TABLE device (id TEXT); INSERT INTO device VALUES (\'meter-1\')');
      const report = await backupDataDir({ dataDir: data, out: join(dir, 'b.tar.gz'), now: () => Date.UTC(2026, 11, 7) });
      db.close();
      assert.equal(report.manifest.keys.kind, 'pkcs11');
      assert.equal(report.manifest.keys.inArchive, false);
      assert.match(report.manifest.keys.note, /PKCS#11 token "phasewire-ca" .* not in this archive/);
      assert.equal(report.manifest.store.kind, 'postgres');
      assert.deepEqual(report.manifest.files.map((f) => [f.path, f.kind]),
        [['headend.db', 'sqlite'], ['phasewire.json', 'file'], ['pki/ca.pem', 'file']], 'no lock file, no -wal or -shm');
      assert.equal(report.manifest.startedAt, '2026-12-07T00:00:00.000Z');

      const restored = join(dir, 'restored');
      await restoreBackup({ archive: report.out, dataDir: restored });
      assert.equal(await readFile(join(restored, 'phasewire.json'), 'utf8'), config);
      const copy = new DatabaseSync(join(restored, 'headend.db'), { readOnly: true });
      assert.deepEqual(copy.prepare('SELECT id FROM device').all().map((row) => row['id']), ['meter-1']);
      copy.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a manifest whose path leaves the data directory, or lists a file twice', () => {
    const manifest = (files: unknown[]): string => JSON.stringify({
      format: 'phasewire-backup', version: 1, startedAt: '2026-12-07T00:00:00.000Z', finishedAt: '2026-12-07T00:00:01.000Z', source: '/d',
      keys: { kind: 'software', inArchive: true, note: '' }, store: { kind: 'sqlite', path: 'phasewire.db', inArchive: true }, files,
    });
    const file = (path: string) => ({ path, bytes: 1, sha256: 'a'.repeat(64), kind: 'file' });
    assert.equal(parseBackupManifest(manifest([file('pki/ca.pem')])).files.length, 1);
    for (const path of ['../etc/passwd', '/etc/passwd', 'pki/../../x']) {
      assert.throws(() => parseBackupManifest(manifest([file(path)])), /PW_ERR_BACKUP_INVALID|not a phasewire backup manifest/, path);
    }
    assert.throws(() => parseBackupManifest(manifest([file('a'), file('a')])), /lists a twice/);
    assert.throws(() => parseBackupManifest('{'), /is not JSON/);
  });
});
