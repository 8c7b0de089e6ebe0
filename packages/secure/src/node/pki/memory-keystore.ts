// A keystore that keeps its keys in process memory, for tests and the test CA only: nothing is
// persisted and nothing protects the keys. It implements the whole Keystore port over node:crypto
// and, unlike a real keystore, can hand out a private key (`exportPrivateKey`), because Node's TLS
// needs the key of a TLS identity in memory (docs/adr/0003).
import { createCipheriv, createDecipheriv, createHmac, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { ValidationError } from '@phasewire/core';
import type { EcCurve, KeyInfo, Keystore } from '../../keystore.ts';

interface Entry {
  readonly info: KeyInfo;
  readonly privateKey?: KeyObject;
  readonly secret?: Uint8Array;
}

/** RFC 5649 §3 alternative initial value, used by OpenSSL's id-aes256-wrap-pad. */
const wrapIv = Buffer.from('a65959a6', 'hex');

export interface MemoryKeystore extends Keystore {
  /** The private key of an EC entry, PEM (PKCS#8): for TLS identities in tests only. */
  exportPrivateKey(label: string): string;
}

export function createMemoryKeystore(): MemoryKeystore {
  const entries = new Map<string, Entry>();
  let closed = false;
  const entry = (label: string): Entry => {
    if (closed) throw new ValidationError('PW_ERR_KEYSTORE_CLOSED', 'Cannot use the memory keystore: it is closed');
    const found = entries.get(label);
    if (found === undefined) {
      throw new ValidationError('PW_ERR_KEY_NOT_FOUND', `Cannot use key ${JSON.stringify(label)}: `
        + 'the memory keystore has no key with that label');
    }
    return found;
  };
  const add = (label: string, value: Entry): KeyInfo => {
    if (entries.has(label)) {
      throw new ValidationError('PW_ERR_KEY_EXISTS', `Cannot create key ${JSON.stringify(label)}: the label is in use`);
    }
    entries.set(label, value);
    return value.info;
  };
  return {
    kind: 'software',
    generateKeyPair(label: string, curve: EcCurve): Promise<KeyInfo> {
      const pair = generateKeyPairSync('ec', { namedCurve: curve === 'P-384' ? 'secp384r1' : 'prime256v1' });
      const publicKey = new Uint8Array(pair.publicKey.export({ type: 'spki', format: 'der' }));
      return Promise.resolve(add(label, { info: { label, kind: 'ec-private', curve, publicKey }, privateKey: pair.privateKey }));
    },
    generateSecret(label: string): Promise<KeyInfo> {
      return Promise.resolve(add(label, { info: { label, kind: 'secret' }, secret: new Uint8Array(randomBytes(32)) }));
    },
    sign(label: string, data: Uint8Array): Promise<Uint8Array> {
      const { info, privateKey } = entry(label);
      if (privateKey === undefined) {
        throw new ValidationError('PW_ERR_KEY_USAGE', `Cannot sign with ${JSON.stringify(label)}: it is a secret key`);
      }
      const hash = info.curve === 'P-384' ? 'sha384' : 'sha256';
      return Promise.resolve(new Uint8Array(sign(hash, data, { key: privateKey, dsaEncoding: 'der' })));
    },
    deriveKey(label: string, info: Uint8Array, length: number): Promise<Uint8Array> {
      const { secret } = entry(label);
      if (secret === undefined || length < 1 || length > 32) {
        throw new ValidationError('PW_ERR_KEY_USAGE', `Cannot derive ${length} bytes from ${JSON.stringify(label)}`);
      }
      // RFC 5869 §2.3 with one block: T(1) = HMAC-Hash(PRK, info | 0x01).
      const block = createHmac('sha256', secret).update(info).update(Uint8Array.of(1)).digest();
      return Promise.resolve(new Uint8Array(block.subarray(0, length)));
    },
    wrapKey(wrappingLabel: string, key: Uint8Array): Promise<Uint8Array> {
      const { secret } = entry(wrappingLabel);
      if (secret === undefined) {
        throw new ValidationError('PW_ERR_KEY_USAGE', `Cannot wrap under ${JSON.stringify(wrappingLabel)}: not a secret key`);
      }
      const cipher = createCipheriv('id-aes256-wrap-pad', secret, wrapIv);
      return Promise.resolve(new Uint8Array(Buffer.concat([cipher.update(key), cipher.final()])));
    },
    unwrapKey(wrappingLabel: string, wrapped: Uint8Array): Promise<Uint8Array> {
      const { secret } = entry(wrappingLabel);
      if (secret === undefined) {
        throw new ValidationError('PW_ERR_KEY_USAGE', `Cannot unwrap under ${JSON.stringify(wrappingLabel)}: not a secret key`);
      }
      const decipher = createDecipheriv('id-aes256-wrap-pad', secret, wrapIv);
      return Promise.resolve(new Uint8Array(Buffer.concat([decipher.update(wrapped), decipher.final()])));
    },
    list: () => Promise.resolve([...entries.values()].map((item) => item.info)),
    find: (label: string) => Promise.resolve(entries.get(label)?.info),
    remove(label: string): Promise<void> {
      entry(label);
      entries.delete(label);
      return Promise.resolve();
    },
    close(): Promise<void> {
      closed = true;
      return Promise.resolve();
    },
    exportPrivateKey(label: string): string {
      const { privateKey } = entry(label);
      if (privateKey === undefined) {
        throw new ValidationError('PW_ERR_KEY_USAGE', `Cannot export ${JSON.stringify(label)}: it is a secret key`);
      }
      return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    },
  };
}
