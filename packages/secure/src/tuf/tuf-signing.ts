// Signing TUF metadata with keys held by the keystore port. TUF §4.2.1: a signature covers the
// canonical JSON of the `signed` object (the OLPC Canonical JSON dialect, TUF §4.1), and §4.2.2 a
// key's id is the hex SHA-256 of the key object's canonical JSON. Keys are ECDSA P-256, scheme
// "ecdsa-sha2-nistp256" (TUF §4.2.2): the keystore signs SHA-256 of the bytes and returns the DER
// ECDSA-Sig-Value, which is what TUF clients (and `openssl pkeyutl -verify`) take, hex-encoded.
import { canonicalize } from '@tufjs/canonical-json';
import { DecodeError, SecurityError } from '@phasewire/core';
import { assertSchema, problemMessage } from '@phasewire/core/schema';
import type { Keystore } from '../keystore.ts';
import { encodeBase64 } from '../enroll/base64.ts';
import type {
  RootSigned, SnapshotSigned, TargetsSigned, TimestampSigned, TufKey, TufMetadata, TufSignature, TufSigned,
} from './tuf-metadata-schema.ts';
import { tufMetadataSchemas } from './tuf-metadata-schema.ts';

/** One key that can sign a role: its TUF key object and id, and the signing operation. */
export interface TufSigner {
  readonly keyid: string;
  readonly key: TufKey;
  /** The keystore label the key lives under. */
  readonly label: string;
  sign(data: Uint8Array): Promise<Uint8Array>;
}

const encoder = new TextEncoder();

/** The bytes a TUF signature covers: the canonical JSON of the value (TUF §4.1, §4.2.1). */
export function canonicalBytes(value: unknown): Uint8Array {
  return encoder.encode(canonicalize(value));
}

export function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

export function fromHex(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

async function digestHex(algorithm: 'SHA-256' | 'SHA-512', bytes: Uint8Array): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest(algorithm, bytes)));
}

/** TUF §4.4 HASHES of a file: SHA-256 (what consistent-snapshot target names use) and SHA-512. */
export async function tufHashes(bytes: Uint8Array): Promise<{ sha256: string; sha512: string }> {
  return { sha256: await digestHex('SHA-256', bytes), sha512: await digestHex('SHA-512', bytes) };
}

/** The TUF key object of an EC P-256 public key given as SubjectPublicKeyInfo DER. */
export function tufKeyOf(spki: Uint8Array): TufKey {
  const lines = encodeBase64(spki).match(/.{1,64}/g) ?? [];
  const pem = `-----BEGIN PUBLIC KEY-----\n${lines.join('\n')}\n-----END PUBLIC KEY-----\n`;
  return { keytype: 'ecdsa', scheme: 'ecdsa-sha2-nistp256', keyval: { public: pem } };
}

/** TUF §4.2.1 KEYID: hex SHA-256 of the key object's canonical JSON. */
export function tufKeyId(key: TufKey): Promise<string> {
  return digestHex('SHA-256', canonicalBytes(key));
}

/** A signer for the P-256 key under `label`; refuses a missing key or another curve. */
export async function keystoreTufSigner(keystore: Keystore, label: string): Promise<TufSigner> {
  const info = await keystore.find(label);
  if (info?.publicKey === undefined || info.curve !== 'P-256') {
    const found = info === undefined ? 'no such key' : `a ${info.curve ?? info.kind} key`;
    throw new SecurityError('PW_ERR_TUF_KEY', `Cannot sign TUF metadata with key '${label}': found ${found} in the ${keystore.kind} `
      + 'keystore; expected an ECDSA P-256 key (TUF scheme ecdsa-sha2-nistp256)');
  }
  const key = tufKeyOf(info.publicKey);
  return { keyid: await tufKeyId(key), key, label, sign: (data) => keystore.sign(label, data) };
}

/** Signs `signed` with every signer (one signature per key id, TUF §4.2.1). */
export async function signTufMetadata<T extends TufSigned>(signed: T, signers: readonly TufSigner[]): Promise<TufMetadata<T>> {
  const bytes = canonicalBytes(signed);
  const signatures: TufSignature[] = [];
  const seen = new Set<string>();
  for (const signer of signers) {
    if (seen.has(signer.keyid)) continue;
    seen.add(signer.keyid);
    signatures.push({ keyid: signer.keyid, sig: toHex(await signer.sign(bytes)) });
  }
  return { signed, signatures };
}

/**
 * A metadata file's bytes as written: plain JSON. Not canonical JSON, which leaves control
 * characters unescaped (the newlines of a PEM key) and so is not always JSON; clients parse the
 * file and canonicalise `signed` again to verify (TUF §4.1).
 */
export function encodeTufMetadata(metadata: TufMetadata<TufSigned>): Uint8Array {
  return encoder.encode(JSON.stringify(metadata));
}

type Kind = keyof typeof tufMetadataSchemas;
type SignedOf<K extends Kind> = K extends 'root' ? RootSigned : K extends 'targets' ? TargetsSigned
  : K extends 'snapshot' ? SnapshotSigned : TimestampSigned;

/** Parses a metadata file of the given role type; `what` names the file in the error. */
export function parseTufMetadata<K extends Kind>(kind: K, bytes: Uint8Array, what: string): TufMetadata<SignedOf<K>> {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    throw new DecodeError('PW_ERR_TUF_METADATA', `Cannot read ${what}: it is not UTF-8 JSON; expected TUF ${kind} metadata`,
      { cause: error });
  }
  assertSchema(tufMetadataSchemas[kind], value, (problem) => {
    throw new DecodeError('PW_ERR_TUF_METADATA', `Cannot read ${what}: ${problemMessage(problem)}`);
  });
  return value as TufMetadata<SignedOf<K>>;
}

/** TUF §4.2.3 date-time of a time in milliseconds since the epoch (whole seconds, UTC, "Z"). */
export function tufDateTime(ms: number): string {
  return `${new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19)}Z`;
}
