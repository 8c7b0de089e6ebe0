// Builds one certificate of a profile and has it signed by a key only the keystore can use.
import { SecurityError } from '@phasewire/core';
import { derOf } from './certificates.ts';
import type { Subject } from './profiles.ts';
import { keyIdOf, profileExtensions, subjectName } from './profiles.ts';
import { signingCrypto } from './signer.ts';
import type { Signer } from './signer.ts';
import * as x509 from './x509.ts';

export interface CertificateRequest {
  readonly subject: Subject;
  /** SubjectPublicKeyInfo DER of the key being certified. */
  readonly publicKey: Uint8Array;
  /** Normalised hex serial. */
  readonly serial: string;
  readonly notBefore: number;
  readonly notAfter: number;
}

/** Who signs: a CA certificate and its key, or `self` for a root. */
export interface Issuer {
  /** The issuer's certificate; undefined for a self-signed root. */
  readonly certificate: x509.X509Certificate | undefined;
  readonly signer: Signer;
}

/** Signs a certificate; returns the parsed certificate (its DER is `rawData`). */
export async function signCertificate(request: CertificateRequest, issuer: Issuer): Promise<x509.X509Certificate> {
  const { crypto, signingKey, signingAlgorithm } = signingCrypto(issuer.signer);
  const name = subjectName(request.subject);
  const issuerKeyId = issuer.certificate === undefined ? undefined : keyIdOf(issuer.certificate);
  if (issuer.certificate !== undefined && issuerKeyId === undefined) {
    throw new SecurityError('PW_ERR_CA_KEY', `Cannot issue ${JSON.stringify(name)}: `
      + `the issuer ${JSON.stringify(issuer.certificate.subject)} has no subject key identifier; expected a phasewire CA certificate`);
  }
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: request.serial,
    subject: name,
    // The issuer's own encoded name, so that the DN bytes match for chain building (RFC 5280 §7.1).
    issuer: issuer.certificate?.subjectName ?? name,
    notBefore: new Date(request.notBefore),
    notAfter: new Date(request.notAfter),
    publicKey: request.publicKey,
    signingKey,
    signingAlgorithm,
    extensions: await profileExtensions(request.subject, request.publicKey, issuerKeyId),
  }, crypto);
  return new x509.X509Certificate(derOf(certificate));
}
