// The EST response format for certificates (RFC 7030 §4.1.3, §4.2.3): a CMC Simple PKI Response
// (RFC 5272 §4.1), that is a CMS SignedData with certificates and no signers ("certs-only"):
//
//   ContentInfo ::= SEQUENCE { contentType id-signedData, content [0] EXPLICIT SignedData }
//   SignedData  ::= SEQUENCE { version 1, digestAlgorithms SET {}, encapContentInfo { id-data },
//                              certificates [0] IMPLICIT SET OF Certificate, signerInfos SET {} }
//                                                                          (RFC 5652 §3, §5.1)
import { DecodeError } from '@phasewire/core';
import { bytesEqual, concatBytes, contextTag, derTag, encodeOid, encodeTlv, expectTag, readChildren, readWhole } from '../pki/der.ts';

/** id-signedData and id-data (RFC 5652 §5.1, §4). */
const idSignedData = '1.2.840.113549.1.7.2';
const idData = '1.2.840.113549.1.7.1';

/** At most this many certificates in one response: a leaf and its CAs. */
export const maxCertsOnly = 16;

export function encodeCertsOnly(certificates: readonly Uint8Array[]): Uint8Array {
  const signedData = encodeTlv(derTag.sequence,
    encodeTlv(derTag.integer, Uint8Array.of(1)),
    encodeTlv(derTag.set),
    encodeTlv(derTag.sequence, encodeOid(idData)),
    encodeTlv(contextTag(0), concatBytes(certificates)),
    encodeTlv(derTag.set));
  return encodeTlv(derTag.sequence, encodeOid(idSignedData), encodeTlv(contextTag(0), signedData));
}

/** The certificates (DER) of a certs-only message, in order; a DecodeError for anything else. */
export function decodeCertsOnly(bytes: Uint8Array): Uint8Array[] {
  const what = 'PKCS#7 certs-only message';
  const contentInfo = readChildren(readWhole(bytes, derTag.sequence, what).value, what, 2);
  const contentType = expectTag(contentInfo[0], derTag.objectIdentifier, what);
  if (!bytesEqual(contentType.element, encodeOid(idSignedData))) {
    throw new DecodeError('PW_ERR_DER', `Cannot decode ${what}: its content type is not id-signedData; expected ${idSignedData}`);
  }
  const explicit = readChildren(expectTag(contentInfo[1], contextTag(0), what).value, what, 1);
  const signedData = readChildren(expectTag(explicit[0], derTag.sequence, what).value, what, 6);
  const certificates = signedData.find((child) => child.tag === contextTag(0));
  if (certificates === undefined) {
    throw new DecodeError('PW_ERR_DER', `Cannot decode ${what}: it carries no certificates; expected at least one`);
  }
  return readChildren(certificates.value, what, maxCertsOnly)
    .map((child) => new Uint8Array(expectTag(child, derTag.sequence, what).element));
}
