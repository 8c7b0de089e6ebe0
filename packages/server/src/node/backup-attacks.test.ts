// Archives made to harm and data directories of bad luck: restore writes nothing an archive does not
// list (links, devices, unlisted or resized entries, a manifest that is not first), refuses to replace
// a directory whose databases a server has open; backup never overwrites an archive, never writes one
// into the data directory through a link, never leaves out a linked file silently, keeps the
// databases' 0600 and makes archives of any file name it meets restorable.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { link, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { backupDataDir } from './backup.ts';
import { restoreBackup } from './restore.ts';

const manifestOf = (files: { path: string; body: string }[]): string => JSON.stringify({
  format: 'phasewire-backup', version: 1, startedAt: '2026-12-07T00:00:00.000Z', finishedAt: '2026-12-07T00:00:01.000Z', source: '/d',
  keys: { kind: 'software', inArchive: true, note: '' }, store: { kind: 'sqlite', path: 'phasewire.db', inArchive: true },
  files: files.map(({ path, body }) => ({
    path, bytes: Buffer.byteLength(body), sha256: createHash('sha256').update(body).digest('hex'), kind: 'file',
  })),
});

describe('backup and restore under attack and bad luck', () => {
  let dir: string;
  let n = 0;
  const fresh = async (): Promise<string> => {
    const path = join(dir, `case-${++n}`);
    await mkdir(path);
    return path;
  };
  /** An archive of `build`'s folder, packed by the system's tar as it is (links, FIFOs and all). */
  const pack = async (build: (folder: string) => Promise<void>, order = ['manifest.json', 'data']): Promise<string> => {
    const folder = await fresh();
    await build(folder);
    const file = join(dir, `a-${n}.tar.gz`);
    assert.equal(spawnSync('tar', ['-czf', file, '-C', folder, ...order]).status, 0);
    return file;
  };
  const refused = async (archive: string, message: RegExp): Promise<void> => {
    const target = join(dir, `target-${n}`);
    await assert.rejects(restoreBackup({ archive, dataDir: target }), message);
    await assert.rejects(readdir(target), { code: 'ENOENT' }, 'nothing restored');
    assert.deepEqual((await readdir(dir)).filter((name) => name.startsWith('.phasewire-restore')), [], 'no unpacked folder left');
  };

  before(async () => { dir = await mkdtemp(join(tmpdir(), 'phasewire-backup-attacks-')); });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  it('refuses links, devices, FIFOs, unlisted, resized and repeated entries before writing them', async () => {
    const passwd = await readFile('/etc/passwd', 'utf8');
    const listed = (folder: string, files: { path: string; body: string }[]) => writeFile(join(folder, 'manifest.json'), manifestOf(files));
    const data = async (folder: string) => { await mkdir(join(folder, 'data')); return join(folder, 'data'); };
    // A link listed with its target's checksum passed the check (which followed it) and was restored as a link.
    await refused(await pack(async (f) => {
      await listed(f, [{ path: 'passwd', body: passwd }]);
      await symlink('/etc/passwd', join(await data(f), 'passwd'));
    }), /data\/passwd is a SymbolicLink entry; expected only files and folders/);
    await refused(await pack(async (f) => {
      await listed(f, [{ path: 'a', body: 'x' }, { path: 'b', body: 'x' }]);
      await writeFile(join(await data(f), 'a'), 'x');
      await link(join(f, 'data', 'a'), join(f, 'data', 'b'));
    }), /data\/[ab] is a Link entry/);
    await refused(await pack(async (f) => {
      await listed(f, [{ path: 'fifo', body: '' }]);
      assert.equal(spawnSync('mkfifo', [join(await data(f), 'fifo')]).status, 0);
    }), /data\/fifo is a FIFO entry/);
    // 8 MiB of zeros the manifest does not list: refused at its header, not unpacked and then checked.
    await refused(await pack(async (f) => {
      await listed(f, [{ path: 'a', body: 'x' }]);
      await writeFile(join(await data(f), 'a'), 'x');
      await writeFile(join(f, 'data', 'bomb'), Buffer.alloc(8 * 1024 * 1024));
    }), /bomb is in the archive but not in its manifest/);
    await refused(await pack(async (f) => {
      await listed(f, [{ path: 'a', body: 'x' }]);
      await writeFile(join(await data(f), 'a'), 'xyz');
    }), /a differs from the manifest \(3 bytes; expected 1 bytes\)/);
    await refused(await pack(async (f) => {
      await listed(f, [{ path: 'a', body: 'x' }]);
      await writeFile(join(await data(f), 'a'), 'x');
    }, ['--hard-dereference', 'manifest.json', 'data', 'data/a']), /a is in the archive but not in its manifest \(or in it twice\)/);
    await refused(await pack(async (f) => {
      await listed(f, [{ path: 'a', body: 'x' }]);
      await writeFile(join(await data(f), 'a'), 'x');
    }, ['data', 'manifest.json']), /its first entry is "data\/" .*not manifest\.json/);
    await refused(await pack(async (f) => { await symlink('/dev/zero', join(f, 'manifest.json')); }, ['manifest.json']),
      /its first entry is "manifest\.json" \(SymbolicLink/);
  });

  it('refuses --force over a data directory whose database a process has open, and replaces it once closed', async () => {
    const source = await fresh();
    await writeFile(join(source, 'phasewire.json'), '{}');
    const archive = join(dir, 'running.tar.gz');
    await backupDataDir({ dataDir: source, out: archive });
    const live = await fresh();
    const db = new DatabaseSync(join(live, 'headend.db'));
    db.exec('PRAGMA journal_mode = WAL; CREATE TABLE device (id TEXT)');
    try {
      await assert.rejects(restoreBackup({ archive, dataDir: live, force: true }),
        /headend\.db is open in another process \(a server running on this directory\?\).*stop the server first/);
      assert.ok((await readdir(live)).includes('headend.db'), 'nothing removed');
    } finally {
      db.close();
    }
    await restoreBackup({ archive, dataDir: live, force: true });
    assert.deepEqual(await readdir(live), ['phasewire.json']);
  });

  it('never overwrites an archive: of concurrent backups to one name, one is written and the others fail', async () => {
    const source = await fresh();
    await writeFile(join(source, 'phasewire.json'), '{}');
    await writeFile(join(source, 'big.bin'), Buffer.alloc(4 * 1024 * 1024, 7));
    const out = join(dir, 'same.tar.gz');
    const outcomes = await Promise.allSettled([1, 2, 3].map(() => backupDataDir({ dataDir: source, out })));
    assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 1, JSON.stringify(outcomes.map((o) => o.status)));
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') assert.match(String(outcome.reason), /never overwritten/);
    }
    assert.deepEqual((await readdir(dir)).filter((name) => name.includes('same.tar.gz')), ['same.tar.gz'], 'no part left');
  });

  it('refuses an archive path that reaches the data directory through a link, and a data directory with a link in it', async () => {
    const source = await fresh();
    await writeFile(join(source, 'phasewire.json'), '{}');
    await symlink(source, join(dir, 'alias'));
    await assert.rejects(backupDataDir({ dataDir: source, out: join(dir, 'alias', 'b.tar.gz') }), /is inside the data directory/);
    assert.deepEqual(await readdir(source), ['phasewire.json']);
    // The meter store moved to another disk and linked back: left out, the backup said complete without it.
    const elsewhere = await fresh();
    new DatabaseSync(join(elsewhere, 'phasewire.db')).close();
    await symlink(join(elsewhere, 'phasewire.db'), join(source, 'phasewire.db'));
    await assert.rejects(backupDataDir({ dataDir: source, out: join(dir, 'linked.tar.gz') }),
      /phasewire\.db is a symbolic link; expected only regular files and folders/);
    await assert.rejects(stat(join(dir, 'linked.tar.gz')), { code: 'ENOENT' });
  });

  it('keeps the databases 0600 and restores files named with backslashes, newlines and non-ASCII letters', async () => {
    const source = await fresh();
    await writeFile(join(source, 'phasewire.json'), '{}');
    const db = new DatabaseSync(join(source, 'api.db'));
    db.exec('CREATE TABLE account (hash TEXT)');
    db.close();
    spawnSync('chmod', ['600', join(source, 'api.db')]);
    await writeFile(join(source, 'keystore.key'), 'k', { mode: 0o600 });
    const names = ['back\\slash', 'new\nline', 'zähler-µ.txt'];
    for (const name of names) await writeFile(join(source, name), name);
    const out = join(dir, 'names.tar.gz');
    await backupDataDir({ dataDir: source, out });
    const target = join(dir, 'names-restored');
    await restoreBackup({ archive: out, dataDir: target });
    for (const name of names) assert.equal(await readFile(join(target, name), 'utf8'), name);
    for (const name of ['api.db', 'keystore.key']) assert.equal(((await stat(join(target, name))).mode & 0o777).toString(8), '600', name);
  });
  it('removes what a backup killed midway left beside the archive (its staging copy of the keys), and not a running one\'s', async () => {
    const source = await fresh();
    await writeFile(join(source, 'phasewire.json'), '{}');
    const folder = await fresh();
    const gone = spawnSync('true').pid;
    const stale = [`.phasewire-backup-${gone}-0123abcd-Xy12Zw`, `.site.tar.gz.partial-${gone}-0123abcd`];
    const live = `.phasewire-backup-${process.pid}-89abcdef-Qr34St`;
    await mkdir(join(folder, stale[0] ?? '', 'data'), { recursive: true });
    await writeFile(join(folder, stale[0] ?? '', 'data', 'keystore.key'), 'secret', { mode: 0o600 });
    await writeFile(join(folder, stale[1] ?? ''), 'half an archive');
    await mkdir(join(folder, live));
    await backupDataDir({ dataDir: source, out: join(folder, 'site.tar.gz') });
    assert.deepEqual((await readdir(folder)).sort(), [live, 'site.tar.gz'].sort());
  });
});
