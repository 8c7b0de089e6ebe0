// Parsing at the trust boundary: PEM or DER certificates, requests and CRLs become @peculiar/x509
// objects or a DecodeError (PW_ERR_CERTIFICATE_INVALID). Plus the small conversions the rest of
// the PKI shares: PEM text, canonical serial numbers, the names a certificate carries.
import { DecodeError } from '@phasewire/core';
import type { NamedCertificate } from './device-identity.ts';
import * as x509 from './x509.ts';

/** Largest certificate, request or CRL text accepted from outside (a CRL of ~10k entries fits). */
export const maxPkiObjectBytes = 1024 * 1024;

type PemLabel = 'CERTIFICATE' | 'CERTIFICATE REQUEST' | 'X509 CRL';

function parse<T>(what: string, input: Uint8Array | string, build: (raw: Uint8Array | string) => T): T {
  if (input.length > maxPkiObjectBytes) {
    throw new DecodeError('PW_ERR_CERTIFICATE_INVALID', `Cannot parse ${what}: ${input.length} bytes; `
      + `expected at most ${maxPkiObjectBytes}`);
  }
  try {
    return build(typeof input === 'string' ? input.trim() : input);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new DecodeError('PW_ERR_CERTIFICATE_INVALID', `Cannot parse ${what}: ${reason}; expected PEM or DER`, { cause: error });
  }
}

export function parseCertificate(input: Uint8Array | string): x509.X509Certificate {
  return parse('X.509 certificate', input, (raw) => new x509.X509Certificate(raw));
}

export function parseCertificateRequest(input: Uint8Array | string): x509.Pkcs10CertificateRequest {
  return parse('PKCS#10 certificate request', input, (raw) => new x509.Pkcs10CertificateRequest(raw));
}

export function parseCrl(input: Uint8Array | string): x509.X509Crl {
  return parse('X.509 CRL', input, (raw) => new x509.X509Crl(raw));
}

/** Every certificate of a PEM bundle, in order; at least one. */
export function parseCertificateChain(pem: string): x509.X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) {
    throw new DecodeError('PW_ERR_CERTIFICATE_INVALID', 'Cannot parse a certificate chain: no PEM CERTIFICATE block; expected one or more');
  }
  return blocks.map((block) => parseCertificate(block));
}

/** PEM text of DER bytes (RFC 7468 §2: 64-character lines). */
export function toPem(der: Uint8Array | ArrayBuffer, label: PemLabel): string {
  const bytes = der instanceof Uint8Array ? der : new Uint8Array(der);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  const lines = btoa(binary).match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** The DER bytes of a parsed object. */
export function derOf(object: { readonly rawData: ArrayBuffer }): Uint8Array {
  return new Uint8Array(object.rawData);
}

/**
 * A serial number in the one form phasewire compares and stores: lower-case hex of the unsigned
 * value, no leading zeros beyond an even length (Node prints "0A", @peculiar/x509 "0a").
 */
export function normalizeSerial(hex: string): string {
  const digits = hex.toLowerCase().replace(/^0+/, '');
  if (digits === '') return '00';
  return digits.length % 2 === 1 ? `0${digits}` : digits;
}

/** The serial of a parsed certificate, normalised. */
export function serialOf(certificate: x509.X509Certificate): string {
  return normalizeSerial(certificate.serialNumber);
}

/** id-ce-subjectAltName (RFC 5280 §4.2.1.6). */
const subjectAltNameOid = '2.5.29.17';

/** The URIs of the SAN and the subject's CNs, for deviceIdentityOf. */
export function namesOf(certificate: x509.X509Certificate | x509.Pkcs10CertificateRequest): NamedCertificate {
  const san = certificate.getExtension(subjectAltNameOid);
  const uris = !(san instanceof x509.SubjectAlternativeNameExtension)
    ? []
    : san.names.items.filter((name) => name.type === 'url').map((name) => name.value);
  return { uris, commonNames: certificate.subjectName.getField('CN') };
}
