// Encodings between PKCS#11 and X.509 for the two curves: the curve OIDs (CKA_EC_PARAMS), the
// public point (CKA_EC_POINT) as SubjectPublicKeyInfo DER, and raw r || s signatures (CKM_ECDSA
// output, PKCS#11 v2.40 §2.3.1) as the DER ECDSA-Sig-Value of X.509 and TLS (RFC 3279 §2.2.3).
import { createPublicKey } from 'node:crypto';
import { ValidationError } from '@phasewire/core';
import type { EcCurve } from '../../keystore.ts';

export interface CurveInfo {
  readonly curve: EcCurve;
  /** The hash the curve signs with (the port's rule: SHA-256 for P-256, SHA-384 for P-384). */
  readonly hash: 'sha256' | 'sha384';
  /** Bytes of one coordinate and of r or s. */
  readonly size: number;
  /** DER of the namedCurve OID, the value of CKA_EC_PARAMS (RFC 5480 §2.1.1.1). */
  readonly params: Buffer;
}

export const curves: Readonly<Record<EcCurve, CurveInfo>> = {
  // secp256r1, OID 1.2.840.10045.3.1.7
  'P-256': { curve: 'P-256', hash: 'sha256', size: 32, params: Buffer.from('06082a8648ce3d030107', 'hex') },
  // secp384r1, OID 1.3.132.0.34
  'P-384': { curve: 'P-384', hash: 'sha384', size: 48, params: Buffer.from('06052b81040022', 'hex') },
};

export function curveOfParams(params: Uint8Array): CurveInfo | undefined {
  return Object.values(curves).find((info) => info.params.equals(params));
}

/**
 * SubjectPublicKeyInfo DER of an uncompressed point, given as CKA_EC_POINT: PKCS#11 wraps the
 * point in a DER OCTET STRING (v2.40 §2.3.3); some modules return it bare, which is taken too.
 */
export function spkiFromEcPoint(info: CurveInfo, ecPoint: Uint8Array): Uint8Array {
  const pointLength = 1 + 2 * info.size;
  let point = ecPoint;
  if (point.length === pointLength + 2 && point[0] === 0x04 && point[1] === pointLength) point = point.subarray(2);
  if (point.length !== pointLength || point[0] !== 0x04) {
    throw new ValidationError('PW_ERR_INVALID_ARGUMENT',
      `Cannot read a ${info.curve} public point of ${ecPoint.length} bytes: expected an uncompressed point of ${pointLength} bytes`);
  }
  const x = Buffer.from(point.subarray(1, 1 + info.size)).toString('base64url');
  const y = Buffer.from(point.subarray(1 + info.size)).toString('base64url');
  const key = createPublicKey({ key: { kty: 'EC', crv: info.curve, x, y }, format: 'jwk' });
  return new Uint8Array(key.export({ type: 'spki', format: 'der' }));
}

/** DER ECDSA-Sig-Value (SEQUENCE of two INTEGERs) of a raw r || s signature. */
export function derFromRawSignature(info: CurveInfo, raw: Uint8Array): Uint8Array {
  if (raw.length !== 2 * info.size) {
    throw new ValidationError('PW_ERR_INVALID_ARGUMENT', `Cannot encode a ${info.curve} signature of ${raw.length} bytes: `
      + `expected ${2 * info.size} (r || s)`);
  }
  const r = derInteger(raw.subarray(0, info.size));
  const s = derInteger(raw.subarray(info.size));
  // At most 2 × (2 + 49) bytes for P-384: the short length form always fits (X.690 §8.1.3.4).
  return Uint8Array.of(0x30, r.length + s.length, ...r, ...s);
}

function derInteger(unsigned: Uint8Array): Uint8Array {
  let start = 0;
  while (start < unsigned.length - 1 && unsigned[start] === 0) start += 1;
  const digits = unsigned.subarray(start);
  // A set top bit would read as negative: prefix a zero byte (X.690 §8.3.2).
  const pad = (digits[0] ?? 0) >= 0x80 ? [0] : [];
  return Uint8Array.of(0x02, digits.length + pad.length, ...pad, ...digits);
}
