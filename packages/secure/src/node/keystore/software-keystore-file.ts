// The software keystore's file: JSON, one file, mode 0600. Public parts (labels, kinds, curves,
// public keys) are in clear; each key's private material is sealed with AES-256-GCM under the
// store key (from a passphrase through scrypt, RFC 7914, or from a 32-byte key file) with the
// entry's label, kind, curve and public key as associated data, so entries cannot be swapped or
// relabelled. A check value tells a wrong passphrase from a damaged entry.
import { createCipheriv, createDecipheriv, randomBytes, scrypt as scryptCallback } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { SecurityError, StoreError } from '@phasewire/core';
import type { EcCurve, KeyKind } from '../../keystore.ts';

const scrypt = promisify(scryptCallback) as (password: string, salt: Uint8Array, length: number, options: object) => Promise<Buffer>;

export const fileFormat = 'phasewire-software-keystore';
export const fileVersion = 1;
const notice = 'Software keystore: keys are protected by a passphrase or key file and by this file\'s permissions, '
  + 'not by a hardware security module.';
const gcmNonceLength = 12;
const gcmTagLength = 16;
/** A store file beyond this is not one phasewire wrote (thousands of keys fit easily). */
export const maxStoreFileBytes = 16 * 1024 * 1024;

/** scrypt parameters (RFC 7914 §2): N, r, p. */
export interface ScryptParameters {
  readonly cost: number;
  readonly blockSize: number;
  readonly parallelization: number;
}

/** N = 2^17, r = 8, p = 1: the OWASP Password Storage Cheat Sheet's scrypt minimum (128 MiB). */
export const defaultScrypt: ScryptParameters = { cost: 2 ** 17, blockSize: 8, parallelization: 1 };
/** Bounds a store file may ask for: below, too weak; above, a memory or time bomb at open. */
const minCost = 2 ** 14;
const maxCost = 2 ** 20;

export type UnlockRecord =
  | ({ readonly kdf: 'scrypt'; readonly salt: Uint8Array } & ScryptParameters)
  | { readonly kdf: 'key-file' };

export interface StoredKey {
  readonly label: string;
  readonly kind: KeyKind;
  readonly curve?: EcCurve;
  readonly publicKey?: Uint8Array;
  /** nonce || ciphertext || tag of the private material (PKCS#8 DER, or the 32 secret bytes). */
  readonly sealed: Uint8Array;
}

export interface StoreFile {
  readonly unlock: UnlockRecord;
  readonly check: Uint8Array;
  readonly keys: readonly StoredKey[];
}

const utf8 = new TextEncoder();
const checkAad = utf8.encode(`${fileFormat} v${fileVersion}\0check`);
const checkPlaintext = new Uint8Array(32);

export function checkScrypt(parameters: ScryptParameters): ScryptParameters {
  const { cost, blockSize, parallelization } = parameters;
  const powerOfTwo = Number.isInteger(cost) && cost > 1 && (cost & (cost - 1)) === 0;
  if (!powerOfTwo || cost < minCost || cost > maxCost || !Number.isInteger(blockSize) || blockSize < 1 || blockSize > 32
    || !Number.isInteger(parallelization) || parallelization < 1 || parallelization > 16) {
    throw new StoreError('PW_ERR_KEYSTORE_CORRUPT',
      `Cannot use scrypt N=${cost}, r=${blockSize}, p=${parallelization}: `
      + 'expected N a power of two from 2^14 to 2^20, r 1 to 32, p 1 to 16');
  }
  return parameters;
}

/** The store key from a passphrase: scrypt(passphrase, salt, N, r, p) → 32 bytes. */
export async function storeKeyFromPassphrase(passphrase: string, unlock: UnlockRecord & { kdf: 'scrypt' }): Promise<Buffer> {
  const { cost, blockSize, parallelization } = checkScrypt(unlock);
  // scrypt needs 128 · N · r bytes (RFC 7914 §2); allow twice that.
  const maxmem = 256 * cost * blockSize;
  return scrypt(passphrase.normalize('NFC'), unlock.salt, 32, { N: cost, r: blockSize, p: parallelization, maxmem });
}

export function sealCheck(storeKey: KeyObject): Uint8Array {
  return seal(storeKey, checkPlaintext, checkAad);
}

/** Throws PW_ERR_KEYSTORE_AUTH when the store key is not the one that wrote the file. */
export function verifyCheck(storeKey: KeyObject, check: Uint8Array, path: string): void {
  try {
    open(storeKey, check, checkAad);
  } catch (error) {
    throw new SecurityError('PW_ERR_KEYSTORE_AUTH', `Cannot unlock software keystore ${path}: `
      + 'the passphrase or key file does not match the store', { cause: error });
  }
}

function entryAad(entry: Omit<StoredKey, 'sealed'>): Uint8Array {
  const text = utf8.encode(`${fileFormat} v${fileVersion}\0${entry.label}\0${entry.kind}\0${entry.curve ?? ''}\0`);
  const publicKey = entry.publicKey ?? new Uint8Array(0);
  const aad = new Uint8Array(text.length + publicKey.length);
  aad.set(text, 0);
  aad.set(publicKey, text.length);
  return aad;
}

export function sealEntry(storeKey: KeyObject, entry: Omit<StoredKey, 'sealed'>, material: Uint8Array): StoredKey {
  return { ...entry, sealed: seal(storeKey, material, entryAad(entry)) };
}

/** The private material of an entry; PW_ERR_KEYSTORE_CORRUPT when it fails authentication. */
export function openEntry(storeKey: KeyObject, entry: StoredKey, path: string): Buffer {
  try {
    return open(storeKey, entry.sealed, entryAad(entry));
  } catch (error) {
    throw new StoreError('PW_ERR_KEYSTORE_CORRUPT', `Cannot open key "${entry.label}" in software keystore ${path}: `
      + 'its entry fails authentication (altered or damaged)', { cause: error });
  }
}

function seal(key: KeyObject, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
  // Random 96-bit nonces are safe here: one encryption per key created, far below the 2^32 bound
  // of NIST SP 800-38D §8.3 for random nonces under one key.
  const nonce = randomBytes(gcmNonceLength);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: gcmTagLength });
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([nonce, body, cipher.getAuthTag()]);
}

function open(key: KeyObject, sealed: Uint8Array, aad: Uint8Array): Buffer {
  if (sealed.length < gcmNonceLength + gcmTagLength) {
    throw new Error(`sealed value of ${sealed.length} bytes is shorter than nonce and tag`);
  }
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, gcmNonceLength), { authTagLength: gcmTagLength });
  decipher.setAAD(aad);
  decipher.setAuthTag(sealed.subarray(sealed.length - gcmTagLength));
  return Buffer.concat([decipher.update(sealed.subarray(gcmNonceLength, sealed.length - gcmTagLength)), decipher.final()]);
}

export function serializeStore(store: StoreFile): string {
  const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
  const unlock = store.unlock.kdf === 'scrypt'
    ? {
      kdf: 'scrypt', salt: b64(store.unlock.salt),
      cost: store.unlock.cost, blockSize: store.unlock.blockSize, parallelization: store.unlock.parallelization,
    }
    : { kdf: 'key-file' };
  return `${JSON.stringify({
    format: fileFormat,
    version: fileVersion,
    notice,
    unlock,
    check: b64(store.check),
    keys: store.keys.map((key) => ({
      label: key.label,
      kind: key.kind,
      ...(key.curve === undefined ? {} : { curve: key.curve }),
      ...(key.publicKey === undefined ? {} : { publicKey: b64(key.publicKey) }),
      sealed: b64(key.sealed),
    })),
  }, null, 2)}\n`;
}

/** Parses and validates a store file; anything unexpected is PW_ERR_KEYSTORE_CORRUPT. */
export function parseStore(text: string, path: string): StoreFile {
  const corrupt = (what: string): StoreError => new StoreError('PW_ERR_KEYSTORE_CORRUPT', `Cannot read software keystore ${path}: ${what}`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new StoreError('PW_ERR_KEYSTORE_CORRUPT', `Cannot read software keystore ${path}: not valid JSON`, { cause: error });
  }
  const root = record(json);
  if (root === undefined || root['format'] !== fileFormat) throw corrupt(`expected format "${fileFormat}"`);
  if (root['version'] !== fileVersion) throw corrupt(`version ${String(root['version'])}, expected ${fileVersion}`);
  const unlockJson = record(root['unlock']);
  let unlock: UnlockRecord;
  if (unlockJson?.['kdf'] === 'key-file') {
    unlock = { kdf: 'key-file' };
  } else if (unlockJson?.['kdf'] === 'scrypt') {
    const salt = bytes(unlockJson['salt']);
    const cost = unlockJson['cost'];
    const blockSize = unlockJson['blockSize'];
    const parallelization = unlockJson['parallelization'];
    if (salt === undefined || salt.length < 16
      || typeof cost !== 'number' || typeof blockSize !== 'number' || typeof parallelization !== 'number') {
      throw corrupt('the scrypt parameters are incomplete');
    }
    unlock = { kdf: 'scrypt', salt, ...checkScrypt({ cost, blockSize, parallelization }) };
  } else {
    throw corrupt('unknown unlock method');
  }
  const check = bytes(root['check']);
  if (check === undefined) throw corrupt('no check value');
  const keysJson = root['keys'];
  if (!Array.isArray(keysJson)) throw corrupt('no key list');
  const labels = new Set<string>();
  const keys = keysJson.map((item: unknown, index): StoredKey => {
    const key = record(item);
    const label = key?.['label'];
    const kind = key?.['kind'];
    const sealed = bytes(key?.['sealed']);
    if (key === undefined || typeof label !== 'string' || (kind !== 'ec-private' && kind !== 'secret') || sealed === undefined) {
      throw corrupt(`key ${index} lacks a label, a kind or sealed material`);
    }
    if (labels.has(label)) throw corrupt(`label "${label}" appears twice`);
    labels.add(label);
    if (kind === 'secret') return { label, kind, sealed };
    const curve = key['curve'];
    const publicKey = bytes(key['publicKey']);
    if ((curve !== 'P-256' && curve !== 'P-384') || publicKey === undefined) {
      throw corrupt(`EC key "${label}" lacks its curve or public key`);
    }
    return { label, kind, curve, publicKey, sealed };
  });
  return { unlock, check, keys };
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : undefined;
}

function bytes(value: unknown): Uint8Array | undefined {
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) return undefined;
  return new Uint8Array(Buffer.from(value, 'base64'));
}
