// Argument checks both keystores share, so that a label, a length or a wrapped key refused by
// one is refused by the other, and a label that works in one also works as a PKCS#11 CKA_LABEL.
import { ValidationError } from '@phasewire/core';

/** Letters, digits and . _ - : 1 to 64 characters, starting with a letter or digit. */
const labelPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function checkKeyLabel(label: string): string {
  if (!labelPattern.test(label)) {
    throw new ValidationError('PW_ERR_INVALID_ARGUMENT',
      `Cannot use ${JSON.stringify(label)} as a key label: `
      + `expected 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit`);
  }
  return label;
}

/** HKDF-Expand in one block gives at most HashLen bytes: 32 for SHA-256 (RFC 5869 §2.3). */
export const maxDerivedKeyLength = 32;

export function checkDerivedLength(label: string, length: number): void {
  if (!Number.isInteger(length) || length < 1 || length > maxDerivedKeyLength) {
    throw new ValidationError('PW_ERR_KEY_USAGE',
      `Cannot derive ${length} bytes from secret "${label}": expected 1 to ${maxDerivedKeyLength} (one HKDF-SHA256 block)`);
  }
}

/**
 * Keys handed to wrapKey: 16 to 512 bytes in whole 8-byte semiblocks (AES and HMAC keys, seeds).
 * Lengths that RFC 5649 would pad are refused because SoftHSM 2.6.1 returns such a key with its
 * padding still attached on unwrap (checked here: a 1-byte key came back as 8 bytes).
 */
export const maxWrappedKeyLength = 512;

export function checkKeyToWrap(label: string, key: Uint8Array): void {
  if (key.length < 16 || key.length > maxWrappedKeyLength || key.length % 8 !== 0) {
    throw new ValidationError('PW_ERR_KEY_USAGE',
      `Cannot wrap a ${key.length}-byte key under "${label}": expected a multiple of 8 bytes from 16 to ${maxWrappedKeyLength}`);
  }
}

/** RFC 5649 output of such a key: the key plus one 8-byte semiblock of integrity data. */
export function checkWrapped(label: string, wrapped: Uint8Array): void {
  if (wrapped.length < 24 || wrapped.length > maxWrappedKeyLength + 8 || wrapped.length % 8 !== 0) {
    throw new ValidationError('PW_ERR_KEY_USAGE',
      `Cannot unwrap ${wrapped.length} bytes under "${label}": `
      + `expected a multiple of 8 from 24 to ${maxWrappedKeyLength + 8} (RFC 5649 output)`);
  }
}
