// The CA state on disk: one directory, every file replaced atomically, one process at a time
// (exclusive(): `phasewire server` and `phasewire pki` share it, docs/security-pki.md).
//
//   ca.json              the state: serial counter, CRL number, key labels, the issued index
//   certs/<serial>.pem   every certificate the CA made (01 is the root, 02 the first issuing CA)
//   root.pem             the root certificate: the trust anchor given to devices and servers
//   ca-chain.pem         the issuing CA then the root
//   crl.pem              the issuing CA's CRL then the root's (what listeners load)
//   revoked.json         the revoked serials (the revocation store of listeners, revocation-store.ts)
//   tokens.json          enrollment tokens, hashed (enroll/token-file-store.ts), mode 0600
//   .lock                the pid of the process that has the directory open (a server: per change)
//   in-force.json        what the running server enforces (ca-in-force.ts)
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreError } from '@phasewire/core';
import type { CaState, CaStore } from '../../pki/ca-state.ts';
import { encodeCaState, parseCaState } from '../../pki/ca-state.ts';
import { toPem } from '../../pki/certificates.ts';
import { encodeRevocations, RevocationSet } from '../../pki/revocation-set.ts';
import { writeFileAtomic } from '../keystore/atomic-file.ts';
import { DirectoryLock } from '../directory-lock.ts';

/** Mode of public files (certificates, CRLs, the index). */
const publicMode = 0o644;

export const caFiles = {
  state: 'ca.json',
  certificates: 'certs',
  root: 'root.pem',
  chain: 'ca-chain.pem',
  crl: 'crl.pem',
  revoked: 'revoked.json',
  tokens: 'tokens.json',
  lock: '.lock',
} as const;

function storeError(action: string, path: string, error: unknown): StoreError {
  const reason = error instanceof Error ? error.message : String(error);
  return new StoreError('PW_ERR_CA_STATE', `Cannot ${action} ${path}: ${reason}`, { cause: error });
}

function isMissing(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === 'ENOENT';
}

/** How long a CA operation waits for another process's hold of the lock (a command signs a CRL or two). */
export const caLockWaitMs = 10_000;

export class CaDirectory implements CaStore {
  readonly path: string;
  #lock: DirectoryLock | undefined;
  /** The state as last written or read by this instance, and the stamp of ca.json then. */
  #cached: { readonly stamp: string; readonly state: CaState } | undefined;

  private constructor(path: string) {
    this.path = path;
  }

  /**
   * Opens (creating when needed) a CA directory and takes its lock, waiting up to `waitMs` (default
   * 0) for another holder to let go; a lock left by a process that no longer runs is taken over.
   * Close it to release the lock; a closed directory takes the lock again for each exclusive().
   */
  static async open(path: string, options: { readonly waitMs?: number } = {}): Promise<CaDirectory> {
    const directory = new CaDirectory(path);
    try {
      await mkdir(join(path, caFiles.certificates), { recursive: true });
    } catch (error) {
      throw storeError('create the CA directory', path, error);
    }
    directory.#lock = await directory.#acquire(options.waitMs ?? 0);
    return directory;
  }

  #acquire(waitMs: number): Promise<DirectoryLock> {
    const lockPath = join(this.path, caFiles.lock);
    return DirectoryLock.acquire(lockPath, {
      waitMs,
      held: (pid) => new StoreError('PW_ERR_CA_STATE', `Cannot open the CA directory ${this.path}: process ${pid} has it open (${lockPath})`
        + `${waitMs > 0 ? ` for more than ${waitMs} ms` : ''}; expected no other phasewire pki command running `
        + '(a running server holds it only for the moment of each change)'),
      failed: (error) => storeError('lock', lockPath, error),
    });
  }

  /**
   * Runs `body` holding the directory's lock: at once when this instance holds it, otherwise taking
   * it for the body's duration (waiting up to caLockWaitMs). The CA reads its state again inside,
   * so a change made by another process in between is built upon, never overwritten.
   */
  async exclusive<T>(body: () => Promise<T>): Promise<T> {
    if (this.#lock?.held === true) return body();
    const lock = await this.#acquire(caLockWaitMs);
    try {
      return await body();
    } finally {
      await lock.release();
    }
  }

  async close(): Promise<void> {
    await this.#lock?.release();
  }

  file(name: keyof typeof caFiles): string {
    return join(this.path, caFiles[name]);
  }

  /**
   * The saved state. The CA reads it before every change; while ca.json is the file this instance
   * last wrote or read (same inode, size and time: every write replaces the file), the state parsed
   * then is returned instead of parsing the whole index again.
   */
  async readState(): Promise<CaState | undefined> {
    const path = this.file('state');
    let stamp: string;
    let text: string;
    try {
      stamp = await this.#stamp(path);
      if (this.#cached?.stamp === stamp) return this.#cached.state;
      text = await readFile(path, 'utf8');
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw storeError('read', path, error);
    }
    const state = parseCaState(text);
    // The stamp is from before the read: a file replaced in between is read again next time.
    this.#cached = { stamp, state };
    return state;
  }

  async #stamp(path: string): Promise<string> {
    const info = await stat(path, { bigint: true });
    return `${info.ino}:${info.size}:${info.mtimeNs}`;
  }

  async writeState(state: CaState): Promise<void> {
    const path = this.file('state');
    this.#cached = undefined;
    await this.#write(path, encodeCaState(state));
    try {
      this.#cached = { stamp: await this.#stamp(path), state };
    } catch {
      // Not cached: the next read parses the file.
    }
    const revoked = RevocationSet.of(state.issued.flatMap((entry) =>
      entry.revoked === undefined ? [] : [{ serial: entry.serial, revokedAt: entry.revoked.at, reason: entry.revoked.reason }]));
    await this.#write(this.file('revoked'), encodeRevocations(revoked));
    const root = await this.#readPem(state.root);
    const issuing = await this.#readPem(state.issuing);
    if (root !== undefined && issuing !== undefined) {
      await this.#write(this.file('root'), root);
      await this.#write(this.file('chain'), issuing + root);
    }
  }

  async writeCertificate(serial: string, der: Uint8Array): Promise<void> {
    await this.#write(this.#certificatePath(serial), toPem(der, 'CERTIFICATE'));
  }

  async readCertificate(serial: string): Promise<Uint8Array> {
    const pem = await this.#readPem(serial);
    if (pem === undefined) {
      throw new StoreError('PW_ERR_CA_STATE', `Cannot read certificate ${serial}: ${this.#certificatePath(serial)} is missing; `
        + `expected every issued certificate under ${caFiles.certificates}/`);
    }
    const base64 = pem.replace(/-----[^-]+-----|\s/g, '');
    return new Uint8Array(Buffer.from(base64, 'base64'));
  }

  async writeCrls(crls: { readonly issuing: Uint8Array; readonly root: Uint8Array }): Promise<void> {
    await this.#write(this.file('crl'), toPem(crls.issuing, 'X509 CRL') + toPem(crls.root, 'X509 CRL'));
  }

  #certificatePath(serial: string): string {
    if (!/^[0-9a-f]{2,40}$/.test(serial)) {
      throw new StoreError('PW_ERR_CA_STATE', `Cannot use serial ${JSON.stringify(serial)} as a file name: expected lower-case hex`);
    }
    return join(this.path, caFiles.certificates, `${serial}.pem`);
  }

  async #readPem(serial: string): Promise<string | undefined> {
    const path = this.#certificatePath(serial);
    try {
      return await readFile(path, 'utf8');
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw storeError('read', path, error);
    }
  }

  async #write(path: string, text: string): Promise<void> {
    try {
      await writeFileAtomic(path, text, publicMode);
    } catch (error) {
      throw storeError('write', path, error);
    }
  }
}
