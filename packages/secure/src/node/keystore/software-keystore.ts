// The Keystore port in one file, for the embedded default where no PKCS#11 token exists. It is
// not an HSM and says so at every open, through the logger it is given. The file is refused when
// others than its owner may read or write it; every change replaces it atomically (temporary file,
// fsync, rename, directory fsync), so a crash leaves the old store or the new one, never half.
import {
  createCipheriv, createDecipheriv, createPrivateKey, createSecretKey, generateKeyPairSync, randomBytes, sign as signWith,
} from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { lstat, readFile } from 'node:fs/promises';
import { ConfigError, PhasewireError, SecurityError, StoreError, ValidationError } from '@phasewire/core';
import type { EcCurve, KeyInfo, Keystore } from '../../keystore.ts';
import { checkDerivedLength, checkKeyLabel, checkKeyToWrap, checkWrapped } from '../../keystore-checks.ts';
import { checkOwnerOnly, writeFileAtomic } from './atomic-file.ts';
import { curves } from './ec-encoding.ts';
import { hkdfExpandSha256 } from './hkdf-expand.ts';
import { readSecret } from './pin-source.ts';
import type { SecretSource } from './pin-source.ts';
import {
  checkScrypt, defaultScrypt, maxStoreFileBytes, openEntry, parseStore, sealCheck, sealEntry, serializeStore, storeKeyFromPassphrase,
  verifyCheck,
} from './software-keystore-file.ts';
import type { ScryptParameters, StoredKey, StoreFile, UnlockRecord } from './software-keystore-file.ts';

export type SoftwareKeystoreUnlock =
  /** A passphrase, stretched with scrypt. */
  | { readonly passphrase: SecretSource }
  /** A file of exactly 32 random bytes, mode 0600 (e.g. `head -c 32 /dev/urandom`). */
  | { readonly keyFile: string };

export interface SoftwareKeystoreOptions {
  readonly path: string;
  readonly unlock: SoftwareKeystoreUnlock;
  /** Receives the warning, at every open, that this is not an HSM. Required: it must be seen. */
  readonly warn: (message: string) => void;
  /** Create an empty store when the file does not exist; otherwise a missing file is an error. */
  readonly create?: boolean;
  /** scrypt parameters for a new store; default N = 2^17, r = 8, p = 1. */
  readonly scrypt?: ScryptParameters;
  /** The environment a passphrase variable is read from; process.env when not given. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** RFC 5649 §3 alternative initial value, the IV of OpenSSL's id-aes256-wrap-pad. */
const keyWrapPadIv = Buffer.from('a65959a6', 'hex');
const storeKeyLength = 32;

export class SoftwareKeystore implements Keystore {
  readonly kind = 'software';
  readonly #path: string;
  #storeKey: KeyObject | undefined;
  #store: StoreFile;
  /** Changes run one after another, each on the store the previous one left. */
  #changes: Promise<unknown> = Promise.resolve();

  private constructor(path: string, storeKey: KeyObject, store: StoreFile) {
    this.#path = path;
    this.#storeKey = storeKey;
    this.#store = store;
  }

  static async open(options: SoftwareKeystoreOptions): Promise<SoftwareKeystore> {
    const { path } = options;
    options.warn(`phasewire software keystore ${path} is NOT a hardware security module: its private keys are in a file, `
      + 'protected only by a passphrase or key file and the file\'s permissions. '
      + 'Use a PKCS#11 token for the CA and the envelope master keys in production.');
    const text = await readStoreFile(path);
    if (text === undefined) {
      if (options.create !== true) {
        throw new ConfigError('PW_ERR_KEYSTORE_CONFIG', `Cannot open software keystore ${path}: `
          + 'the file does not exist (open with create: true to make a new one)');
      }
      return SoftwareKeystore.#create(options);
    }
    const store = parseStore(text, path);
    const storeKey = await unlockKey(options, store.unlock);
    verifyCheck(storeKey, store.check, path);
    return new SoftwareKeystore(path, storeKey, store);
  }

  static async #create(options: SoftwareKeystoreOptions): Promise<SoftwareKeystore> {
    let unlock: UnlockRecord;
    if ('passphrase' in options.unlock) {
      let parameters: ScryptParameters;
      try {
        parameters = checkScrypt(options.scrypt ?? defaultScrypt);
      } catch (error) {
        throw new ConfigError('PW_ERR_KEYSTORE_CONFIG', `Cannot create software keystore ${options.path}: invalid scrypt parameters`,
          { cause: error });
      }
      unlock = { kdf: 'scrypt', salt: new Uint8Array(randomBytes(16)), ...parameters };
    } else {
      unlock = { kdf: 'key-file' };
    }
    const storeKey = await unlockKey(options, unlock);
    const store: StoreFile = { unlock, check: sealCheck(storeKey), keys: [] };
    await writeFileAtomic(options.path, serializeStore(store));
    return new SoftwareKeystore(options.path, storeKey, store);
  }

  async generateKeyPair(label: string, curve: EcCurve): Promise<KeyInfo> {
    return this.#change(`generate a ${curve} key pair "${label}"`, (storeKey, keys) => {
      checkKeyLabel(label);
      if (!Object.hasOwn(curves, curve)) {
        throw new ValidationError('PW_ERR_INVALID_ARGUMENT', `Cannot generate a key pair on curve ${curve}: expected P-256 or P-384`);
      }
      this.#refuseExisting(label);
      const pair = generateKeyPairSync('ec', { namedCurve: curve });
      const publicKey = new Uint8Array(pair.publicKey.export({ type: 'spki', format: 'der' }));
      const material = pair.privateKey.export({ type: 'pkcs8', format: 'der' });
      try {
        return added(keys, sealEntry(storeKey, { label, kind: 'ec-private', curve, publicKey }, material));
      } finally {
        material.fill(0);
      }
    });
  }

  async generateSecret(label: string): Promise<KeyInfo> {
    return this.#change(`generate secret "${label}"`, (storeKey, keys) => {
      checkKeyLabel(label);
      this.#refuseExisting(label);
      const material = randomBytes(32);
      try {
        return added(keys, sealEntry(storeKey, { label, kind: 'secret' }, material));
      } finally {
        material.fill(0);
      }
    });
  }

  sign(label: string, data: Uint8Array): Promise<Uint8Array> {
    return this.#use(label, 'ec-private', 'sign with', (material, entry) => {
      const info = curves[entry.curve ?? 'P-256'];
      const key = createPrivateKey({ key: material, format: 'der', type: 'pkcs8' });
      return new Uint8Array(signWith(info.hash, data, { key, dsaEncoding: 'der' }));
    });
  }

  deriveKey(label: string, info: Uint8Array, length: number): Promise<Uint8Array> {
    return this.#use(label, 'secret', 'derive from', (material) => {
      checkDerivedLength(label, length);
      return hkdfExpandSha256(material, info, length);
    });
  }

  wrapKey(wrappingLabel: string, key: Uint8Array): Promise<Uint8Array> {
    return this.#use(wrappingLabel, 'secret', 'wrap with', (material) => {
      checkKeyToWrap(wrappingLabel, key);
      const cipher = createCipheriv('id-aes256-wrap-pad', material, keyWrapPadIv);
      return new Uint8Array(Buffer.concat([cipher.update(key), cipher.final()]));
    });
  }

  unwrapKey(wrappingLabel: string, wrapped: Uint8Array): Promise<Uint8Array> {
    return this.#use(wrappingLabel, 'secret', 'unwrap with', (material) => {
      checkWrapped(wrappingLabel, wrapped);
      try {
        const decipher = createDecipheriv('id-aes256-wrap-pad', material, keyWrapPadIv);
        return new Uint8Array(Buffer.concat([decipher.update(wrapped), decipher.final()]));
      } catch (error) {
        throw new SecurityError('PW_ERR_KEY_UNWRAP',
          `Cannot unwrap ${wrapped.length} bytes under "${wrappingLabel}": the integrity check of RFC 5649 failed`, { cause: error });
      }
    });
  }

  list(): Promise<KeyInfo[]> {
    return settle(() => {
      this.#requireOpen('list keys');
      return this.#store.keys.map(publicInfo).sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
    });
  }

  find(label: string): Promise<KeyInfo | undefined> {
    return settle(() => {
      this.#requireOpen(`find "${label}"`);
      checkKeyLabel(label);
      const entry = this.#store.keys.find((key) => key.label === label);
      return entry === undefined ? undefined : publicInfo(entry);
    });
  }

  async remove(label: string): Promise<void> {
    await this.#change(`remove "${label}"`, (_storeKey, keys) => {
      checkKeyLabel(label);
      this.#entry(label);
      return { keys: keys.filter((key) => key.label !== label), result: undefined };
    });
  }

  async close(): Promise<void> {
    await this.#changes.catch(() => undefined);
    this.#storeKey = undefined;
  }

  /**
   * Applies one change: `apply` returns the new key list and the result; the new store is written
   * atomically before it replaces the one in memory, so a failed write changes nothing.
   */
  #change<T>(action: string, apply: (storeKey: KeyObject, keys: readonly StoredKey[]) => { keys: StoredKey[]; result: T }): Promise<T> {
    const run = async (): Promise<T> => {
      const storeKey = this.#requireOpen(action);
      const { keys, result } = apply(storeKey, this.#store.keys);
      const next: StoreFile = { ...this.#store, keys };
      try {
        await writeFileAtomic(this.#path, serializeStore(next));
      } catch (error) {
        throw new StoreError('PW_ERR_KEYSTORE', `Cannot ${action} in software keystore ${this.#path}: writing the file failed`,
          { cause: error });
      }
      this.#store = next;
      return result;
    };
    const result = this.#changes.then(run, run);
    this.#changes = result.catch(() => undefined);
    return result;
  }

  #use<T>(label: string, kind: StoredKey['kind'], action: string, operation: (material: Buffer, entry: StoredKey) => T): Promise<T> {
    return settle(() => this.#useNow(label, kind, action, operation));
  }

  #useNow<T>(label: string, kind: StoredKey['kind'], action: string, operation: (material: Buffer, entry: StoredKey) => T): T {
    const storeKey = this.#requireOpen(`${action} "${label}"`);
    checkKeyLabel(label);
    const entry = this.#entry(label);
    if (entry.kind !== kind) {
      throw new ValidationError('PW_ERR_KEY_USAGE',
        `Cannot ${action} "${label}": it is a${entry.kind === 'secret' ? ' secret' : 'n EC private key'}`);
    }
    const material = openEntry(storeKey, entry, this.#path);
    try {
      return operation(material, entry);
    } finally {
      material.fill(0);
    }
  }

  #entry(label: string): StoredKey {
    const entry = this.#store.keys.find((key) => key.label === label);
    if (entry === undefined) {
      throw new ValidationError('PW_ERR_KEY_NOT_FOUND', `Cannot find key "${label}" in software keystore ${this.#path}: `
        + 'no key has that label');
    }
    return entry;
  }

  #refuseExisting(label: string): void {
    if (this.#store.keys.some((key) => key.label === label)) {
      throw new ValidationError('PW_ERR_KEY_EXISTS', `Cannot create key "${label}" in software keystore ${this.#path}: `
        + 'a key with that label exists');
    }
  }

  #requireOpen(action: string): KeyObject {
    if (this.#storeKey === undefined) {
      throw new ValidationError('PW_ERR_KEYSTORE_CLOSED', `Cannot ${action}: software keystore ${this.#path} is closed`);
    }
    return this.#storeKey;
  }
}

/** A promise settled with `operation`'s result or error (the port is asynchronous, the work is not). */
function settle<T>(operation: () => T): Promise<T> {
  return new Promise<T>((resolve) => {
    resolve(operation());
  });
}

function added(keys: readonly StoredKey[], entry: StoredKey): { keys: StoredKey[]; result: KeyInfo } {
  return { keys: [...keys, entry], result: publicInfo(entry) };
}

function publicInfo(entry: StoredKey): KeyInfo {
  return {
    label: entry.label,
    kind: entry.kind,
    ...(entry.curve === undefined ? {} : { curve: entry.curve }),
    ...(entry.publicKey === undefined ? {} : { publicKey: entry.publicKey }),
  };
}

async function readStoreFile(path: string): Promise<string | undefined> {
  try {
    const stats = await lstat(path);
    if (!stats.isFile()) throw new ConfigError('PW_ERR_KEYSTORE_CONFIG', `Cannot open software keystore ${path}: not a regular file`);
    checkOwnerOnly(path, stats, 'software keystore');
    if (stats.size > maxStoreFileBytes) {
      throw new StoreError('PW_ERR_KEYSTORE_CORRUPT', `Cannot open software keystore ${path}: ${stats.size} bytes, `
        + `expected at most ${maxStoreFileBytes}`);
    }
    return await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof PhasewireError) throw error;
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StoreError('PW_ERR_KEYSTORE', `Cannot read software keystore ${path}`, { cause: error });
  }
}

async function unlockKey(options: SoftwareKeystoreOptions, unlock: UnlockRecord): Promise<KeyObject> {
  const { path } = options;
  if ('passphrase' in options.unlock) {
    if (unlock.kdf !== 'scrypt') {
      throw new ConfigError('PW_ERR_KEYSTORE_CONFIG', `Cannot unlock software keystore ${path} with a passphrase: `
        + 'the store is locked with a key file');
    }
    const passphrase = await readSecret(options.unlock.passphrase, 'software keystore passphrase', options.env ?? process.env);
    const raw = await storeKeyFromPassphrase(passphrase, unlock);
    try {
      return createSecretKey(raw);
    } finally {
      raw.fill(0);
    }
  }
  if (unlock.kdf !== 'key-file') {
    throw new ConfigError('PW_ERR_KEYSTORE_CONFIG', `Cannot unlock software keystore ${path} with a key file: `
      + 'the store is locked with a passphrase');
  }
  const keyFile = options.unlock.keyFile;
  let raw: Buffer;
  try {
    const stats = await lstat(keyFile);
    checkOwnerOnly(keyFile, stats, 'keystore key file');
    raw = await readFile(keyFile);
  } catch (error) {
    if (error instanceof PhasewireError) throw error;
    throw new ConfigError('PW_ERR_KEYSTORE_CONFIG', `Cannot read keystore key file ${keyFile}`, { cause: error });
  }
  try {
    if (raw.length !== storeKeyLength) {
      throw new ConfigError('PW_ERR_KEYSTORE_CONFIG', `Cannot use keystore key file ${keyFile}: ${raw.length} bytes, `
        + `expected exactly ${storeKeyLength} random bytes`);
    }
    return createSecretKey(raw);
  } finally {
    raw.fill(0);
  }
}
