// One-time enrollment tokens. An operator creates one for a device (meter or gateway id) with an
// expiry; it is shown once and stored only as a SHA-256 hash, so a copy of the store enrolls
// nothing. The device presents it as `Authorization: Bearer <token>` (RFC 6750 §2.1) with its
// first certificate request; the CA consumes it before it signs, so it works once.
//
// Format: `pwe1.<id>.<secret>`: `id` 16 hex digits (the lookup key, not secret), `secret` 256
// random bits in base64url (RFC 4648 §5). A token is a bearer secret: 256 bits leave no room to
// guess it, and it is worth nothing after first use or expiry.
import { SecurityError } from '@phasewire/core';
import type { Clock } from '@phasewire/core';
import type { DeviceIdentity } from '../pki/device-identity.ts';

/** A source of cryptographically strong random bytes (Node: crypto.randomBytes). */
export type RandomBytes = (length: number) => Uint8Array;

export interface TokenRecord {
  readonly id: string;
  readonly device: DeviceIdentity;
  readonly createdAt: number;
  readonly expiresAt: number;
  /** SHA-256 of the secret, hex. */
  readonly secretHash: string;
  /** When the token was used, and the serial of the certificate it enrolled. */
  readonly usedAt?: number;
  readonly usedFor?: string;
}

/** Where tokens are kept (hashed); the Node file store implements it. */
export interface TokenStore {
  get(id: string): Promise<TokenRecord | undefined>;
  add(record: TokenRecord): Promise<void>;
  /**
   * Marks a token used, if it is not yet: returns false when it was used already (another
   * request won the race). This is the one step that makes a token one-time.
   */
  consume(id: string, at: number): Promise<boolean>;
  /** Records the certificate a consumed token enrolled. */
  recordSerial(id: string, serial: string): Promise<void>;
  list(): Promise<TokenRecord[]>;
}

/** Default lifetime of a token: long enough to install a meter, short enough to matter. */
export const defaultTokenLifetime = 7 * 86_400_000;
const tokenPattern = /^pwe1\.([0-9a-f]{16})\.([A-Za-z0-9_-]{43})$/;

const hex = (bytes: Uint8Array): string => [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join('');

function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

export async function hashSecret(secret: string): Promise<string> {
  return hex(new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(secret))));
}

/** Compares two equal-length strings in time independent of where they differ. */
export function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}

export interface NewToken {
  /** The token text: give it to the installer once; it is not stored. */
  readonly token: string;
  readonly record: TokenRecord;
}

export async function createToken(device: DeviceIdentity, lifetimeMs: number, clock: Clock, randomBytes: RandomBytes): Promise<NewToken> {
  const id = hex(randomBytes(8));
  const secret = base64url(randomBytes(32));
  const now = clock.now();
  const record: TokenRecord = { id, device, createdAt: now, expiresAt: now + lifetimeMs, secretHash: await hashSecret(secret) };
  return { token: `pwe1.${id}.${secret}`, record };
}

/** Splits a token into id and secret; PW_ERR_ENROLL_TOKEN_INVALID when it is not one. */
export function parseToken(text: string): { id: string; secret: string } {
  const match = tokenPattern.exec(text);
  if (match === null) {
    throw new SecurityError('PW_ERR_ENROLL_TOKEN_INVALID', 'Cannot enroll: the bearer token is not a phasewire enrollment token; '
      + 'expected pwe1.<16 hex>.<43 base64url characters>');
  }
  return { id: match[1] ?? '', secret: match[2] ?? '' };
}

/**
 * Looks a token up and checks it: known, the secret's hash matches, not expired, not used.
 * Returns the record; consuming it is the caller's last step before issuing.
 */
export async function checkToken(store: TokenStore, text: string, now: number): Promise<TokenRecord> {
  const { id, secret } = parseToken(text);
  const record = await store.get(id);
  // The same refusal for an unknown id and a wrong secret: the answer says nothing about which ids exist.
  if (record === undefined || !constantTimeEqual(record.secretHash, await hashSecret(secret))) {
    throw new SecurityError('PW_ERR_ENROLL_TOKEN_INVALID', 'Cannot enroll: the enrollment token is unknown to this CA '
      + 'or its secret is wrong; expected a token created by `phasewire pki token` on this CA');
  }
  if (now > record.expiresAt) {
    throw new SecurityError('PW_ERR_ENROLL_TOKEN_EXPIRED', `Cannot enroll ${record.device.kind} ${record.device.id}: `
      + `its enrollment token ${record.id} expired at ${new Date(record.expiresAt).toISOString()}; `
      + 'expected a current token (create a new one)');
  }
  if (record.usedAt !== undefined) {
    throw new SecurityError('PW_ERR_ENROLL_TOKEN_USED', `Cannot enroll ${record.device.kind} ${record.device.id}: `
      + `enrollment token ${record.id} was used at ${new Date(record.usedAt).toISOString()}; `
      + 'expected an unused token (tokens are one-time)');
  }
  return record;
}
