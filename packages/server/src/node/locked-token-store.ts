// The enrollment tokens of a running server, shared with `phasewire server token` / `phasewire pki
// token` in other processes: every operation takes the CA directory's lock for its own duration, so
// a token added by the command line while the server consumes another is never lost, and a consumed
// token is never written back as unused (the file is read, changed and replaced under the lock).
import { join } from 'node:path';
import type { TokenRecord, TokenStore } from '@phasewire/secure';
import { CaDirectory, caFiles, caLockWaitMs, TokenFileStore } from '@phasewire/secure/node';

/** Runs `body` holding the CA directory's lock, waiting for another process's short hold to end. */
export async function withCaLock<T>(path: string, body: (directory: CaDirectory) => Promise<T>): Promise<T> {
  const directory = await CaDirectory.open(path, { waitMs: caLockWaitMs });
  try {
    return await body(directory);
  } finally {
    await directory.close();
  }
}

export class LockedTokenStore implements TokenStore {
  readonly #path: string;
  readonly #file: TokenFileStore;

  constructor(caDirectory: string) {
    this.#path = caDirectory;
    this.#file = new TokenFileStore(join(caDirectory, caFiles.tokens));
  }

  get(id: string): Promise<TokenRecord | undefined> {
    return withCaLock(this.#path, () => this.#file.get(id));
  }

  list(): Promise<TokenRecord[]> {
    return withCaLock(this.#path, () => this.#file.list());
  }

  add(record: TokenRecord): Promise<void> {
    return withCaLock(this.#path, () => this.#file.add(record));
  }

  consume(id: string, at: number): Promise<boolean> {
    return withCaLock(this.#path, () => this.#file.consume(id, at));
  }

  recordSerial(id: string, serial: string): Promise<void> {
    return withCaLock(this.#path, () => this.#file.recordSerial(id, serial));
  }
}
