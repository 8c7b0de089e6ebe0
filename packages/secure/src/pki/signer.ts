// A signer is an ECDSA private key that phasewire can only ask to sign: a key in a keystore (the
// CA keys, a device key in its token) or, for the TLS deviation of docs/adr/0003, a software key.
// @peculiar/x509 signs through WebCrypto, so `signingCrypto` hands it a WebCrypto whose
// `subtle.sign` is routed to the signer; everything else goes to the platform's WebCrypto.
import { SecurityError } from '@phasewire/core';
import type { EcCurve, Keystore } from '../keystore.ts';
import { ecdsaDerToP1363 } from './ecdsa-signature.ts';

// WebCrypto's types, taken from the global (pure code cannot import node:crypto's names).
type WebCrypto = typeof globalThis.crypto;
type WebCryptoKey = Awaited<ReturnType<WebCrypto['subtle']['importKey']>>;
interface SigningAlgorithm { readonly name: 'ECDSA'; readonly hash: 'SHA-256' | 'SHA-384' }

export interface Signer {
  readonly curve: EcCurve;
  /** SubjectPublicKeyInfo DER of the key. */
  readonly publicKey: Uint8Array;
  /** ECDSA over `data` with the curve's hash (SHA-384 for P-384, SHA-256 for P-256), DER-encoded. */
  sign(data: Uint8Array): Promise<Uint8Array>;
}

/** The signature hash that goes with each curve (RFC 5480 §4, RFC 8446 §4.2.3). */
export const curveHash: Readonly<Record<EcCurve, 'SHA-256' | 'SHA-384'>> = { 'P-256': 'SHA-256', 'P-384': 'SHA-384' };

/** A signer over an EC key held in a keystore under `label`. */
export async function keystoreSigner(keystore: Keystore, label: string): Promise<Signer> {
  const info = await keystore.find(label);
  if (info?.kind !== 'ec-private' || info.curve === undefined || info.publicKey === undefined) {
    const found = info === undefined ? 'no key has that label' : `it is a ${info.kind} key`;
    throw new SecurityError('PW_ERR_CA_KEY', `Cannot sign with key ${JSON.stringify(label)} of the ${keystore.kind} keystore: ${found}; `
      + 'expected an EC private key');
  }
  const { curve, publicKey } = info;
  return { curve, publicKey, sign: (data) => keystore.sign(label, data) };
}

/** What @peculiar/x509's generators take: a WebCrypto and a key handle that only this WebCrypto can use. */
export interface SigningCrypto {
  readonly crypto: WebCrypto;
  readonly signingKey: WebCryptoKey;
  readonly signingAlgorithm: SigningAlgorithm;
}

/**
 * Wraps a signer for @peculiar/x509. The key handle carries only the algorithm the generators read;
 * `subtle.sign` with that handle calls the signer and converts its DER signature to the P1363
 * form WebCrypto returns (the library converts it back to DER for the certificate).
 */
export function signingCrypto(signer: Signer): SigningCrypto {
  const platform: WebCrypto = globalThis.crypto;
  const algorithm = { name: 'ECDSA', namedCurve: signer.curve };
  // A handle shaped like a CryptoKey: the generators read `algorithm` and pass it back to `sign`.
  const signingKey = Object.freeze({ type: 'private', extractable: false, algorithm, usages: ['sign'] }) as unknown as WebCryptoKey;
  const sign = async (_params: unknown, key: WebCryptoKey, data: ArrayBuffer | ArrayBufferView): Promise<ArrayBuffer> => {
    if (key !== signingKey) throw new TypeError('This WebCrypto signs only with the key handle it was created with');
    const bytes = ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
    const der = await signer.sign(bytes);
    const raw = ecdsaDerToP1363(der, signer.curve);
    return raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength) as ArrayBuffer;
  };
  const subtle = new Proxy(platform.subtle, {
    get(target, property) {
      if (property === 'sign') return sign;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  const crypto = new Proxy(platform, {
    get(target, property) {
      if (property === 'subtle') return subtle;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { crypto, signingKey, signingAlgorithm: { name: 'ECDSA', hash: curveHash[signer.curve] } };
}
