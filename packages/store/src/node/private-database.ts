// The server's SQLite files (phasewire.db, headend.db, api.db) hold readings, device bindings and
// password hashes: readable by the server's user only (mode 0600). SQLite creates a database with
// the process umask's mode (0644 by default) and its -wal, -shm and -journal files with the mode of
// the database file (sqlite3 os_unix.c, findCreateFileMode): so the database file is made 0600
// before SQLite opens it, and one made by an older version is narrowed, with its companions.
import { chmodSync, closeSync, existsSync, openSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';

/** Owner read and write only. */
export const privateFileMode = 0o600;
const companions = ['-wal', '-shm', '-journal'] as const;

/** Opens (creating) the SQLite database at `path` with it and its companion files at mode 0600. */
export function openPrivateDatabase(path: string): DatabaseSync {
  if (path !== ':memory:' && path !== '') {
    // 'a': creates the file when missing, never truncates one that exists.
    closeSync(openSync(path, 'a', privateFileMode));
    chmodSync(path, privateFileMode);
    for (const suffix of companions) if (existsSync(path + suffix)) chmodSync(path + suffix, privateFileMode);
  }
  return new DatabaseSync(path);
}
