// `phasewire restore`: a `phasewire backup` archive back into a data directory.
//
// The target must be empty or absent (`force` replaces what is there). The archive is unpacked into
// a folder beside the target and checked against its manifest before anything is moved: every
// listed file present with its size and SHA-256, no file that the manifest does not list, no path
// outside the archive's data folder. Only then is the target's content replaced, by renames on the
// same file system. A damaged or altered archive is refused with the file that differs and nothing
// is changed. The manifest is read first, and each entry is checked against it before it is written:
// an entry that is not a regular file or folder (a link, a device), not listed, listed twice or of
// another size stops the unpacking, so an archive cannot fill the disk with what it does not list.
// `force` refuses a data directory whose databases a process has open (a server running on it). The
// checksums find damage and edits; they do not prove who made the archive (keep backups where only
// operators can write).
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readdir, rename, rm, stat, statfs } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { extract, type ReadEntry } from 'tar';
import { PhasewireError, SecurityError, ValidationError } from '@phasewire/core';
import { backupDataFolder, backupManifestName, parseBackupManifest, type BackupManifest } from '../backup-manifest.ts';
import { isSqlite, sha256File } from './backup.ts';

export interface RestoreOptions {
  readonly archive: string;
  readonly dataDir: string;
  /** Replace a data directory that is not empty. */
  readonly force?: boolean;
}

export interface RestoreReport {
  readonly dataDir: string;
  readonly manifest: BackupManifest;
}

const invalid = (archive: string, what: string, cause?: unknown): SecurityError => new SecurityError('PW_ERR_BACKUP_INVALID',
  `Cannot restore ${archive}: ${what}; nothing was restored`, cause === undefined ? undefined : { cause });

async function entriesOf(path: string): Promise<string[] | undefined> {
  try {
    return await readdir(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Every regular file under `root`, relative and `/`-separated. */
async function filesUnder(root: string, inner = ''): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(join(root, inner), { withFileTypes: true })) {
    const path = inner === '' ? entry.name : `${inner}/${entry.name}`;
    if (entry.isDirectory()) found.push(...await filesUnder(root, path));
    else found.push(path);
  }
  return found;
}

/** The manifest may list 100,000 files: a few MiB of JSON; more is not a manifest phasewire wrote. */
const manifestMaxBytes = 64 * 1024 * 1024;
const fileTypes = new Set(['File', 'OldFile', 'ContiguousFile']);

/**
 * Checks each entry before tar writes it (see the head of this file); the manifest, the first entry,
 * is read here and not written. Throws the refusal, which stops the unpacking.
 */
interface EntryCheck { readonly onEntry: (entry: ReadEntry) => Promise<void>; readonly manifest: () => BackupManifest | undefined }

function entryCheck(archive: string, folder: string): EntryCheck {
  let manifest: BackupManifest | undefined;
  const expected = new Map<string, number>();
  const onEntry = async (entry: ReadEntry): Promise<void> => {
    const path = entry.path.replace(/^(\.\/)+/, '');
    if (manifest === undefined) {
      if (path !== backupManifestName || !fileTypes.has(entry.type) || entry.size > manifestMaxBytes) {
        throw invalid(archive, `its first entry is ${JSON.stringify(path)} (${entry.type}, ${entry.size} bytes), not `
          + `${backupManifestName}; expected an archive of phasewire backup`);
      }
      try {
        manifest = parseBackupManifest(await entry.text());
      } catch (error) {
        if (error instanceof PhasewireError) throw invalid(archive, error.message, error);
        throw error;
      }
      for (const file of manifest.files) expected.set(`${backupDataFolder}/${file.path}`, file.bytes);
      const [needed, disk] = [manifest.files.reduce((n, file) => n + file.bytes, 0), await statfs(folder)];
      if (needed > disk.bavail * disk.bsize) {
        throw new ValidationError('PW_ERR_RESTORE_TARGET', `Cannot restore ${archive}: its files need ${needed} bytes, and only `
          + `${disk.bavail * disk.bsize} are free beside ${folder}; expected room for all of them (nothing was restored)`);
      }
      return;
    }
    if (entry.type === 'Directory' && (path === `${backupDataFolder}/` || path.startsWith(`${backupDataFolder}/`))) return;
    if (!fileTypes.has(entry.type)) throw invalid(archive, `${path} is a ${entry.type} entry; expected only files and folders`);
    const bytes = expected.get(path);
    const name = path.slice(backupDataFolder.length + 1);
    if (bytes === undefined) {
      throw invalid(archive, `${path.startsWith(`${backupDataFolder}/`) ? name : path} is in the archive but not in its manifest `
        + '(or in it twice): the archive was altered');
    }
    if (entry.size !== bytes) {
      throw invalid(archive, `${name} differs from the manifest (${entry.size} bytes; expected ${bytes} bytes): the archive is damaged `
        + 'or was altered');
    }
    expected.delete(path);
  };
  return { onEntry, manifest: () => manifest };
}

/** A database of `dir` that another process has open: SQLite grants an exclusive lock on a WAL database to its only user. */
async function openDatabase(dir: string): Promise<string | undefined> {
  for (const path of await filesUnder(dir)) {
    const full = join(dir, path);
    if (!(await lstat(full)).isFile() || !(await isSqlite(full))) continue;
    const db = new DatabaseSync(full, { timeout: 0 });
    try {
      db.exec('PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; COMMIT');
    } catch {
      return path;
    } finally {
      db.close();
    }
  }
  return undefined;
}

async function verify(archive: string, unpacked: string, manifest: BackupManifest): Promise<void> {
  const top = await readdir(unpacked);
  const stray = top.filter((name) => name !== backupManifestName && name !== backupDataFolder);
  if (stray.length > 0) throw invalid(archive, `it holds ${stray.join(', ')} beside ${backupManifestName} and ${backupDataFolder}/`);
  const data = join(unpacked, backupDataFolder);
  const present = new Set(await entriesOf(data) === undefined ? [] : await filesUnder(data));
  for (const file of manifest.files) {
    if (!present.has(file.path)) throw invalid(archive, `${file.path} is listed in the manifest but not in the archive`);
    present.delete(file.path);
    const path = join(data, file.path);
    const [bytes, sha256] = [(await stat(path)).size, await sha256File(path)];
    if (bytes !== file.bytes || sha256 !== file.sha256) {
      throw invalid(archive, `${file.path} differs from the manifest (SHA-256 ${sha256}, ${bytes} bytes; expected ${file.sha256}, `
        + `${file.bytes} bytes): the archive is damaged or was altered`);
    }
  }
  const unlisted = [...present];
  if (unlisted.length > 0) throw invalid(archive, `${unlisted.slice(0, 5).join(', ')} ${unlisted.length === 1 ? 'is' : 'are'} in the `
    + 'archive but not in its manifest: the archive was altered');
}

export async function restoreBackup(options: RestoreOptions): Promise<RestoreReport> {
  const archive = resolve(options.archive);
  const dataDir = resolve(options.dataDir);
  const present = await entriesOf(dataDir).catch((error: unknown) => {
    throw new ValidationError('PW_ERR_RESTORE_TARGET', `Cannot restore into ${dataDir}: it cannot be read (${(error as Error).message})`,
      { cause: error });
  });
  if (present !== undefined && present.length > 0 && options.force !== true) {
    throw new ValidationError('PW_ERR_RESTORE_TARGET', `Cannot restore into ${dataDir}: it is not empty (${present.length} entries, e.g. `
      + `${present.slice(0, 3).join(', ')}); expected an empty or new directory, or --force to replace what is there`);
  }
  const busy = present !== undefined && present.length > 0 ? await openDatabase(dataDir) : undefined;
  if (busy !== undefined) {
    throw new ValidationError('PW_ERR_RESTORE_TARGET', `Cannot restore into ${dataDir}: ${busy} is open in another process (a server `
      + 'running on this directory?); expected no process using it: stop the server first');
  }
  try {
    await stat(archive);
  } catch (error) {
    throw invalid(archive, `it cannot be read (${(error as Error).message})`, error);
  }
  const parent = dirname(dataDir);
  await mkdir(parent, { recursive: true });
  const unpacked = await mkdtemp(join(parent, `.phasewire-restore-${randomBytes(4).toString('hex')}-`));
  try {
    const check = entryCheck(archive, unpacked);
    try {
      await extract({ file: archive, cwd: unpacked, strict: true, preserveOwner: false, onEntry: check.onEntry });
    } catch (error) {
      if (error instanceof PhasewireError) throw error;
      throw invalid(archive, `it is not a readable gzip-compressed tar archive (${(error as Error).message})`, error);
    }
    const manifest = check.manifest();
    if (manifest === undefined) throw invalid(archive, `it has no ${backupManifestName}; expected an archive of phasewire backup`);
    await verify(archive, unpacked, manifest);
    const data = join(unpacked, backupDataFolder);
    await mkdir(data, { recursive: true, mode: 0o700 });
    if (present !== undefined) await rm(dataDir, { recursive: true, force: true });
    await rename(data, dataDir);
    return { dataDir, manifest };
  } finally {
    await rm(unpacked, { recursive: true, force: true });
  }
}
