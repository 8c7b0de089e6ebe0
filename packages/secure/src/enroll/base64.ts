// Base64 (RFC 4648 §4) for EST bodies, which RFC 7030 §4.2.1 and RFC 8951 §3 send as base64 text
// that may be broken into lines. Decoding is strict about the alphabet and bounded in size.
import { DecodeError } from '@phasewire/core';

const base64Pattern = /^[A-Za-z0-9+/]*={0,2}$/;

export function encodeBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** Decodes base64 text (line breaks and spaces allowed), at most `maxBytes` decoded bytes. */
export function decodeBase64(text: string, what: string, maxBytes: number): Uint8Array {
  const compact = text.replace(/[\r\n\t ]/g, '');
  if (compact.length > Math.ceil(maxBytes / 3) * 4) {
    throw new DecodeError('PW_ERR_DECODE', `Cannot decode ${what}: ${compact.length} base64 characters; `
      + `expected at most ${Math.ceil(maxBytes / 3) * 4}`);
  }
  if (compact.length === 0 || compact.length % 4 !== 0 || !base64Pattern.test(compact)) {
    throw new DecodeError('PW_ERR_DECODE', `Cannot decode ${what}: it is not base64 (RFC 4648 §4); expected base64 text of DER bytes`);
  }
  const binary = atob(compact);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
