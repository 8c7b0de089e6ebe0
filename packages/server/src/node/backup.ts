// `phasewire backup`: an online snapshot of a data directory, while the server runs and ingests.
//
// Every SQLite database under the data directory (the meter-data store phasewire.db with the MDM's
// state, headend.db, api.db, and any other; found by SQLite's file header, not by name) is copied
// with `VACUUM INTO` on a connection of its own: one read transaction, so the copy is the database
// as it was at one commit, the WAL included, and the server's writers are not held up (WAL mode).
// Its -wal and -shm files are not copied. The rest of the directory (configuration, CA, certificates,
// the software keystore and its key file, Mosquitto's configuration) is copied as it is; lock files and
// the temporary files of atomic replacements are left out. The databases are copied first, in the
// order found, after `startedAt`: every reading the head-end acknowledged before the backup started
// was committed before its database's copy.
//
// The archive is a gzip-compressed tar (the `tar` package): manifest.json first (backup-manifest.ts:
// each file's size and SHA-256, and what is not in it: keys held in a PKCS#11 token, a PostgreSQL
// store), then data/…. It is written to a temporary name beside the target, flushed to disk and
// renamed: a full disk or any other failure leaves nothing under the target's name.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import {
  chmod, copyFile, link, lstat, mkdir, mkdtemp, open, readdir, readFile, realpath, rename, rm, stat, unlink, writeFile,
} from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { create } from 'tar';
import { PhasewireError, StoreError } from '@phasewire/core';
import { parseServerConfig } from '../server-config.ts';
import type { ServerConfig } from '../server-config.ts';
import {
  backupDataFolder, backupFormat, backupManifestName, backupVersion, type BackupFileEntry, type BackupManifest,
} from '../backup-manifest.ts';
import { dataFiles, inData, readConfigFile } from './data-directory.ts';

export interface BackupOptions {
  readonly dataDir: string;
  /** The archive to write (it must not exist). */
  readonly out: string;
  /** The configuration file when it is not `<dataDir>/phasewire.json`. */
  readonly config?: string;
  readonly now?: () => number;
}

export interface BackupReport {
  readonly out: string;
  readonly manifest: BackupManifest;
  /** Bytes of the archive. */
  readonly bytes: number;
}

/** SQLite's file header (https://www.sqlite.org/fileformat.html §1.3.1): the first 16 bytes. */
const sqliteHeader = Buffer.from('SQLite format 3\0', 'latin1');
/** What SQLite keeps beside a database while it is open: part of the database, copied through it. */
const sqliteCompanions = ['-wal', '-shm', '-journal'];

const failed = (what: string, cause?: unknown): StoreError => new StoreError('PW_ERR_BACKUP_FAILED',
  `Cannot back up: ${what}`, cause === undefined ? undefined : { cause });

const reason = (error: unknown): string => {
  const code = (error as NodeJS.ErrnoException).code;
  const message = error instanceof Error ? error.message : String(error);
  // How VACUUM INTO meets a full disk: SQLITE_FULL (13), or SQLITE_IOERR_WRITE (778) when a write
  // itself fails (a file size limit), https://www.sqlite.org/rescode.html.
  const sqlite = (error as { errcode?: number }).errcode;
  const full = code === 'ENOSPC' || code === 'EFBIG' || code === 'EDQUOT' || sqlite === 13 || sqlite === 778;
  if (full) return `the disk is full or the file size limit was reached (${message})`;
  return message;
};

export async function isSqlite(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(sqliteHeader.length);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return bytesRead === head.length && head.equals(sqliteHeader);
  } finally {
    await handle.close();
  }
}

/**
 * Every regular file under `root`, relative and `/`-separated. A symbolic link (a database moved to
 * another disk and linked back) or any other kind is refused: skipped, it would be missing from an
 * archive that says it is complete.
 */
export async function walk(root: string, inner = ''): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(join(root, inner), { withFileTypes: true })) {
    const path = inner === '' ? entry.name : `${inner}/${entry.name}`;
    if (entry.isDirectory()) found.push(...await walk(root, path));
    else if (entry.isFile()) found.push(path);
    else {
      throw failed(`${join(root, path)} is ${entry.isSymbolicLink() ? 'a symbolic link' : 'not a regular file'}; expected only `
        + 'regular files and folders in the data directory (put the file itself there)');
    }
  }
  return found.sort();
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** A consistent copy of a database that may be open and written by the server now. */
function snapshotDatabase(source: string, target: string): void {
  const db = new DatabaseSync(source, { readOnly: true, timeout: 30_000 });
  try {
    db.prepare('VACUUM INTO ?').run(target);
  } finally {
    db.close();
  }
}

/** What the archive may name: the real path, so a link to the data directory is seen (the folder may not exist yet). */
const realOr = (path: string): Promise<string> => realpath(path).catch(() => path);

function keysOf(config: ServerConfig): BackupManifest['keys'] {
  if (config.keystore.kind === 'pkcs11') {
    const token = 'label' in config.keystore.token ? `token "${config.keystore.token.label}"` : `slot ${config.keystore.token.slotId}`;
    return {
      kind: 'pkcs11', inArchive: false,
      note: `The CA's keys and the envelope master secret are in the PKCS#11 ${token} (${config.keystore.module}) and not in this `
        + 'archive: back the token up with its own tools; restore needs the same token.',
    };
  }
  return {
    kind: 'software', inArchive: true,
    note: `The software keystore (${config.keystore.file}) and its unlock key are in this archive: keep it as secret as the keys.`,
  };
}

async function readConfig(dataDir: string, file: string | undefined): Promise<ServerConfig> {
  const raw = await readConfigFile(file ?? join(dataDir, dataFiles.config));
  return parseServerConfig(raw);
}

/**
 * The finished archive under its name, never over another: a hard link fails when the name exists (a
 * second backup to the same name finished first), where a rename would replace it. A file system
 * without hard links gets the rename.
 */
async function publish(partial: string, out: string): Promise<void> {
  try {
    await link(partial, out);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw failed(`${out} was written meanwhile by another backup; expected a new file name (an archive is never `
      + 'overwritten)', error);
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'EMLINK') throw error;
    await rename(partial, out);
    return;
  }
  await unlink(partial);
}

/** What a backup makes beside its archive while it runs: its staging folder and the partial archive, named with its pid. */
const leftover = /^\.(?:phasewire-backup-(\d+)-[0-9a-f]{8}-.+|.+\.partial-(\d+)-[0-9a-f]{8})$/;

const running = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
};

/**
 * Removes what a backup killed midway (kill -9, power loss) left beside its archive: the staging folder
 * holds a copy of the keys and the databases. Only of a process that is gone.
 */
async function removeLeftovers(folder: string): Promise<void> {
  for (const name of await readdir(folder).catch(() => [])) {
    const match = leftover.exec(name);
    const pid = Number(match?.[1] ?? match?.[2]);
    if (Number.isInteger(pid) && pid > 0 && !running(pid)) await rm(join(folder, name), { recursive: true, force: true });
  }
}

/** Makes the archive; see the head of this file. */
export async function backupDataDir(options: BackupOptions): Promise<BackupReport> {
  const now = options.now ?? Date.now;
  const startedAt = now();
  const dataDir = resolve(options.dataDir);
  const out = resolve(options.out);
  try {
    if (!(await stat(dataDir)).isDirectory()) throw failed(`${dataDir} is not a directory; expected the server's data directory`);
  } catch (error) {
    if (error instanceof PhasewireError) throw error;
    throw failed(`the data directory ${dataDir} cannot be read (${reason(error)})`, error);
  }
  const [realData, realOut] = [await realOr(dataDir), join(await realOr(dirname(out)), basename(out))];
  if (out === dataDir || out.startsWith(dataDir + sep) || realOut === realData || realOut.startsWith(realData + sep)) {
    throw failed(`the archive ${out} is inside the data directory; expected a path outside it`);
  }
  const exists = await lstat(out).then(() => true, () => false);
  if (exists) throw failed(`${out} exists; expected a new file name (an archive is never overwritten)`);
  const config = await readConfig(dataDir, options.config);
  const store: BackupManifest['store'] = config.store.kind === 'sqlite'
    ? { kind: 'sqlite', path: config.store.path, inArchive: true }
    : {
      kind: 'postgres', inArchive: false,
      note: 'The meter data are in PostgreSQL: back them up with pg_dump or pg_basebackup (docs/operations.md).',
    };
  if (config.store.kind === 'sqlite') {
    const storePath = inData(dataDir, config.store.path);
    if (relative(dataDir, storePath).startsWith('..')) {
      throw failed(`store.path ${storePath} is outside the data directory; expected the SQLite store inside it, or copy it with `
        + 'sqlite3 .backup yourself');
    }
  }

  const folder = dirname(out);
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const partial = join(folder, `.${basename(out)}.partial-${tag}`);
  let staging: string | undefined;
  await removeLeftovers(folder);
  try {
    staging = await mkdtemp(join(folder, `.phasewire-backup-${tag}-`));
    const files = await walk(dataDir);
    const databases: string[] = [];
    for (const path of files) if (await isSqlite(join(dataDir, path))) databases.push(path);
    const companions = new Set(databases.flatMap((path) => sqliteCompanions.map((suffix) => path + suffix)));
    const entries: BackupFileEntry[] = [];
    const copy = async (path: string, kind: BackupFileEntry['kind']): Promise<void> => {
      const target = join(staging ?? '', backupDataFolder, path);
      await mkdir(dirname(target), { recursive: true, mode: 0o700 });
      if (kind === 'sqlite') {
        snapshotDatabase(join(dataDir, path), target);
        // VACUUM INTO makes its file by the umask (0644); the server's databases are its user's only (0600).
        await chmod(target, (await stat(join(dataDir, path))).mode & 0o777);
      } else {
        try {
          await copyFile(join(dataDir, path), target);
        } catch (error) {
          // Renamed or removed by the running server since the listing (a file replaced atomically): not part of its state.
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
          throw error;
        }
      }
      entries.push({ path, bytes: (await stat(target)).size, sha256: await sha256File(target), kind });
    };
    for (const path of databases) await copy(path, 'sqlite');
    for (const path of files) {
      // Lock files, and the temporary files of atomic replacements (data-directory.ts, writeAtomic), are no state.
      const transient = basename(path) === '.lock' || path.endsWith('.lock') || path.endsWith('.tmp');
      if (!databases.includes(path) && !companions.has(path) && !transient) await copy(path, 'file');
    }
    const manifest: BackupManifest = {
      format: backupFormat, version: backupVersion,
      startedAt: new Date(startedAt).toISOString(), finishedAt: new Date(now()).toISOString(),
      source: dataDir, keys: keysOf(config), store, files: entries.sort((a, b) => a.path.localeCompare(b.path)),
    };
    await writeFile(join(staging, backupManifestName), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
    await writeFile(partial, '', { mode: 0o600, flag: 'wx' });
    await create({ gzip: true, file: partial, cwd: staging, portable: true }, [backupManifestName, backupDataFolder]);
    const handle = await open(partial, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await publish(partial, out);
    return { out, manifest, bytes: (await stat(out)).size };
  } catch (error) {
    // Where the folder itself is the problem (not a directory, gone), there is nothing to remove.
    await rm(partial, { force: true }).catch(() => undefined);
    if (error instanceof PhasewireError) throw error;
    throw failed(`writing ${out} failed: ${reason(error)}; nothing was left under that name`, error);
  } finally {
    if (staging !== undefined) await rm(staging, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** The text of the manifest in an archive's staging folder (restore.ts). */
export async function readManifestText(folder: string): Promise<string> {
  return readFile(join(folder, backupManifestName), 'utf8');
}
