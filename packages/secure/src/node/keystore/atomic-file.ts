// Crash-safe file replacement and the owner-only permission check, shared by the software
// keystore and the file-backed counter store. A replacement is written to a temporary file in the
// same directory, flushed (fsync), renamed over the target (atomic on POSIX file systems) and the
// directory is flushed, so after a crash the path holds either the old or the new bytes, whole.
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { SecurityError } from '@phasewire/core';

/** Owner read/write only. */
export const ownerOnlyMode = 0o600;

export async function writeFileAtomic(path: string, data: Uint8Array | string, mode = ownerOnlyMode): Promise<void> {
  const directory = dirname(path);
  const temporary = join(directory, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temporary, 'wx', mode);
  try {
    await handle.writeFile(data);
    // The umask can only narrow the mode given to open(); set it exactly all the same.
    await handle.chmod(mode);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temporary, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  await syncDirectory(directory);
}

/** Makes a rename or a new file in `directory` durable (the directory entry itself is data). */
export async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Refuses a file that others than its owner may read or write (mode wider than 0600), or that
 * another user owns: keys, PINs and counters are only as safe as the file's permissions.
 */
export function checkOwnerOnly(path: string, stats: Stats, what: string): void {
  const loose = stats.mode & 0o077;
  if (loose !== 0) {
    throw new SecurityError('PW_ERR_KEYSTORE_PERMISSIONS',
      `Cannot use ${what} ${path}: its mode is 0${(stats.mode & 0o777).toString(8)}, expected 0600 or narrower (chmod 600 ${path})`);
  }
  const uid = process.getuid?.();
  if (uid !== undefined && stats.uid !== uid) {
    throw new SecurityError('PW_ERR_KEYSTORE_PERMISSIONS',
      `Cannot use ${what} ${path}: it belongs to uid ${stats.uid}, expected the process's own uid ${uid}`);
  }
}
