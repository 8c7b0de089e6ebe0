// The enrollment tokens of a running server, shared with `phasewire server token` / `phasewire pki
// token` in other processes: every operation takes the CA directory's lock for its own duration, so
// a token added by the command line while the server consumes another is never lost, and a consumed
// token is never written back as unused (the file is read, changed and replaced under the lock).
import { join } from 'node:path';
import { StoreError } from '@phasewire/core';
import type { TokenRecord, TokenStore } from '@phasewire/secure';
import { CaDirectory, caFiles, TokenFileStore } from '@phasewire/secure/node';

/** How long an operation waits for another process's short hold of the lock. */
const lockWaitMs = 5000;
const retryMs = 25;

/** Runs `body` holding the CA directory's lock, waiting up to 5 s for another holder to let go. */
export async function withCaLock<T>(path: string, body: (directory: CaDirectory) => Promise<T>): Promise<T> {
  const deadline = Date.now() + lockWaitMs;
  let directory: CaDirectory;
  for (;;) {
    try {
      directory = await CaDirectory.open(path);
      break;
    } catch (error) {
      if (!(error instanceof StoreError) || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, retryMs));
    }
  }
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
