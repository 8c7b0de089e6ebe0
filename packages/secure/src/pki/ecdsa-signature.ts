// ECDSA signatures in their two forms. X.509, PKCS#10, CRLs, TLS and the keystore port use the DER
// form, Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } (RFC 5480 §2.2 via RFC 5758 §3.2);
// WebCrypto uses the fixed-size concatenation r || s (IEEE P1363, W3C WebCrypto §23.4).
import { DecodeError } from '@phasewire/core';
import type { EcCurve } from '../keystore.ts';
import { concatBytes, decodeUnsignedInteger, derTag, encodeTlv, encodeUnsignedInteger, expectTag, readChildren, readWhole } from './der.ts';

/** Bytes of each of r and s in the P1363 form: the curve's order length (SEC 2 §2.4.2, §2.5.1). */
export const ecScalarLength: Readonly<Record<EcCurve, number>> = { 'P-256': 32, 'P-384': 48 };

/** DER Ecdsa-Sig-Value → r || s, each left-padded to the curve's scalar length. */
export function ecdsaDerToP1363(der: Uint8Array, curve: EcCurve): Uint8Array {
  const size = ecScalarLength[curve];
  const sequence = readWhole(der, derTag.sequence, 'ECDSA signature');
  const children = readChildren(sequence.value, 'ECDSA signature', 2);
  if (children.length !== 2) {
    throw new DecodeError('PW_ERR_DER', `Cannot decode DER ECDSA signature: ${children.length} element(s) in the SEQUENCE; `
      + 'expected r and s');
  }
  const out = new Uint8Array(size * 2);
  children.forEach((child, index) => {
    const magnitude = decodeUnsignedInteger(expectTag(child, derTag.integer, 'ECDSA signature').value, 'ECDSA signature');
    if (magnitude.length > size) {
      throw new DecodeError('PW_ERR_DER', `Cannot decode DER ECDSA signature for ${curve}: `
        + `${index === 0 ? 'r' : 's'} has ${magnitude.length} bytes; expected at most ${size}`);
    }
    out.set(magnitude, index * size + size - magnitude.length);
  });
  return out;
}

/** r || s → DER Ecdsa-Sig-Value. */
export function ecdsaP1363ToDer(raw: Uint8Array, curve: EcCurve): Uint8Array {
  const size = ecScalarLength[curve];
  if (raw.length !== size * 2) {
    throw new DecodeError('PW_ERR_DER', `Cannot encode an ECDSA ${curve} signature of ${raw.length} bytes: expected ${size * 2} (r || s)`);
  }
  return encodeTlv(derTag.sequence, concatBytes([encodeUnsignedInteger(raw.subarray(0, size)), encodeUnsignedInteger(raw.subarray(size))]));
}
