// The revocation list of a listener, persisted: a revoked.json file (the one the CA directory
// writes, or one of the listener's own), read into a RevocationSet that the handshake check reads
// synchronously. Revoking here writes the file atomically before the new set takes effect; a
// change written by another process (`phasewire pki revoke`) is picked up by `reload` or `watch`.
import { readFile, stat, unwatchFile, watchFile } from 'node:fs';
import { promisify } from 'node:util';
import { StoreError } from '@phasewire/core';
import type { RevocationEntry } from '../../pki/revocation-set.ts';
import { encodeRevocations, parseRevocations, RevocationSet } from '../../pki/revocation-set.ts';
import { writeFileAtomic } from '../keystore/atomic-file.ts';

const read = promisify(readFile);
const statOf = promisify(stat);

export class RevocationFileStore {
  readonly path: string;
  #set: RevocationSet;
  #mtime: number;

  private constructor(path: string, set: RevocationSet, mtime: number) {
    this.path = path;
    this.#set = set;
    this.#mtime = mtime;
  }

  /** Opens the list at `path`; a missing file is an empty list (nothing revoked yet). */
  static async open(path: string): Promise<RevocationFileStore> {
    const { set, mtime } = await RevocationFileStore.#load(path);
    return new RevocationFileStore(path, set, mtime);
  }

  static async #load(path: string): Promise<{ set: RevocationSet; mtime: number }> {
    try {
      const [text, info] = await Promise.all([read(path, 'utf8'), statOf(path)]);
      return { set: parseRevocations(text), mtime: info.mtimeMs };
    } catch (error) {
      if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return { set: RevocationSet.empty, mtime: 0 };
      throw new StoreError('PW_ERR_CA_STATE', `Cannot read the revocation list ${path}: `
        + (error instanceof Error ? error.message : String(error)), { cause: error });
    }
  }

  /** The current set: what the next handshake is checked against. */
  current(): RevocationSet {
    return this.#set;
  }

  /** Adds a revocation, persists it, then makes it current. */
  async revoke(entry: RevocationEntry): Promise<RevocationSet> {
    const next = this.#set.with(entry);
    try {
      await writeFileAtomic(this.path, encodeRevocations(next), 0o644);
    } catch (error) {
      throw new StoreError('PW_ERR_CA_STATE', `Cannot write the revocation list ${this.path}: `
        + (error instanceof Error ? error.message : String(error)), { cause: error });
    }
    this.#set = next;
    return next;
  }

  /** Re-reads the file; true when it changed. A file that fails to parse leaves the set as it was. */
  async reload(): Promise<boolean> {
    const { set, mtime } = await RevocationFileStore.#load(this.path);
    if (mtime === this.#mtime && set.size === this.#set.size) return false;
    this.#mtime = mtime;
    this.#set = set;
    return true;
  }

  /**
   * Polls the file every `intervalMs` and calls `onChange` with the new set after a change (a
   * listener then calls `enforceRevocations` to drop live sessions). Returns the stop function.
   */
  watch(intervalMs: number, onChange: (set: RevocationSet) => void, onError: (error: unknown) => void = () => undefined): () => void {
    const listener = (): void => {
      this.reload().then((changed) => { if (changed) onChange(this.#set); }, onError);
    };
    watchFile(this.path, { interval: intervalMs, persistent: false }, listener);
    return () => { unwatchFile(this.path, listener); };
  }
}
