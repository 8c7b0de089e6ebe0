// HKDF-Expand with SHA-256 (RFC 5869 §2.3), for outputs of at most one block (32 bytes):
// OKM = T(1) = HMAC-SHA256(PRK, info || 0x01), truncated to L. The PKCS#11 keystore computes the
// same HMAC inside the token; the software keystore computes it here.
import { createHmac } from 'node:crypto';

export function hkdfExpandSha256(prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  const block = createHmac('sha256', prk).update(info).update(Uint8Array.of(1)).digest();
  const okm = new Uint8Array(block.subarray(0, length));
  block.fill(0);
  return okm;
}
