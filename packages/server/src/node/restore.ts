// `phasewire restore`: a `phasewire backup` archive back into a data directory.
//
// The target must be empty or absent (`force` replaces what is there). The archive is unpacked into
// a folder beside the target and checked against its manifest before anything is moved: every
// listed file present with its size and SHA-256, no file that the manifest does not list, no path
// outside the archive's data folder. Only then is the target's content replaced, by renames on the
// same file system. A damaged or altered archive is refused with the file that differs and nothing
// is changed. The checksums find damage and edits; they do not prove who made the archive (keep
// backups where only operators can write).
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { extract } from 'tar';
import { PhasewireError, SecurityError, ValidationError } from '@phasewire/core';
import { backupDataFolder, backupManifestName, parseBackupManifest, type BackupManifest } from '../backup-manifest.ts';
import { readManifestText, sha256File } from './backup.ts';

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
  try {
    await stat(archive);
  } catch (error) {
    throw invalid(archive, `it cannot be read (${(error as Error).message})`, error);
  }
  const parent = dirname(dataDir);
  await mkdir(parent, { recursive: true });
  const unpacked = await mkdtemp(join(parent, `.phasewire-restore-${randomBytes(4).toString('hex')}-`));
  try {
    try {
      await extract({ file: archive, cwd: unpacked, strict: true, preserveOwner: false });
    } catch (error) {
      throw invalid(archive, `it is not a readable gzip-compressed tar archive (${(error as Error).message})`, error);
    }
    let text: string;
    try {
      text = await readManifestText(unpacked);
    } catch (error) {
      const why = (error as Error).message;
      throw invalid(archive, `it has no ${backupManifestName} (${why}); expected an archive of phasewire backup`, error);
    }
    let manifest: BackupManifest;
    try {
      manifest = parseBackupManifest(text);
    } catch (error) {
      if (error instanceof PhasewireError) throw invalid(archive, error.message, error);
      throw error;
    }
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
