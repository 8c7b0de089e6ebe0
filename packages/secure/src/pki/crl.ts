// Certificate revocation lists (RFC 5280 §5): signed by the CA whose certificates they list, with
// a CRL number and the authority key identifier (both required, §5.2.1 and §5.2.3), and a
// nextUpdate that a verifier enforces: past it, revocation cannot be checked and peers are refused
// (fail closed, security-anchors R5).
import { SecurityError } from '@phasewire/core';
import { derOf, parseCrl } from './certificates.ts';
import { encodeUnsignedInteger } from './der.ts';
import { keyIdOf } from './profiles.ts';
import type { RevocationEntry, RevocationReason } from './revocation-set.ts';
import { RevocationSet, revocationReasons } from './revocation-set.ts';
import { signingCrypto } from './signer.ts';
import type { Signer } from './signer.ts';
import * as x509 from './x509.ts';

/** id-ce-cRLNumber (RFC 5280 §5.2.3). */
const crlNumberOid = '2.5.29.20';

/** How long a CRL stays valid by default; the CA re-signs it daily (security-anchors R33). */
export const defaultCrlLifetime = 7 * 86_400_000;

export interface CrlParams {
  readonly issuer: x509.X509Certificate;
  readonly signer: Signer;
  readonly entries: readonly RevocationEntry[];
  /** Monotonic CRL number. */
  readonly number: number;
  readonly thisUpdate: number;
  readonly nextUpdate: number;
}

function integerBytes(value: number): Uint8Array {
  const bytes: number[] = [];
  for (let rest = value; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Uint8Array.from(bytes.length === 0 ? [0] : bytes);
}

/** Builds and signs a CRL; returns its DER. */
export async function createCrl(params: CrlParams): Promise<Uint8Array> {
  const { crypto, signingKey, signingAlgorithm } = signingCrypto(params.signer);
  const keyId = keyIdOf(params.issuer);
  const extensions: x509.Extension[] = [new x509.Extension(crlNumberOid, false, encodeUnsignedInteger(integerBytes(params.number)))];
  if (keyId !== undefined) extensions.push(new x509.AuthorityKeyIdentifierExtension(keyId));
  const crl = await x509.X509CrlGenerator.create({
    issuer: params.issuer.subjectName,
    thisUpdate: new Date(params.thisUpdate),
    nextUpdate: new Date(params.nextUpdate),
    signingKey,
    signingAlgorithm,
    extensions,
    entries: params.entries.map((entry) => ({
      serialNumber: entry.serial,
      revocationDate: new Date(entry.revokedAt),
      // RFC 5280 §5.3.1: the reason code is omitted rather than sent as unspecified.
      ...(entry.reason === 'unspecified' ? {} : { reason: x509.X509CrlReason[entry.reason] }),
    })),
  }, crypto);
  return derOf(crl);
}

const reasonByCode = new Map<number, RevocationReason>(
  Object.entries(revocationReasons).map(([name, code]) => [code, name as RevocationReason]),
);

/**
 * Reads a CRL received from the CA: checks that `issuer` signed it and that `now` lies between
 * thisUpdate and nextUpdate, and returns its entries. A stale CRL is refused (PW_ERR_CRL_STALE).
 */
export async function readCrl(input: Uint8Array | string, issuer: x509.X509Certificate, now: number): Promise<RevocationSet> {
  const crl = parseCrl(input);
  if (crl.issuerName.toString() !== issuer.subjectName.toString()) {
    throw new SecurityError('PW_ERR_CRL_INVALID', `Cannot use the CRL: it is issued by ${JSON.stringify(crl.issuer)}; `
      + `expected ${JSON.stringify(issuer.subject)}`);
  }
  if (!await crl.verify({ publicKey: issuer })) {
    throw new SecurityError('PW_ERR_CRL_INVALID', `Cannot use the CRL of ${JSON.stringify(crl.issuer)}: `
      + 'its signature does not verify under the CA\'s key; expected a CRL signed by that CA');
  }
  const nextUpdate = crl.nextUpdate;
  if (nextUpdate === undefined) {
    throw new SecurityError('PW_ERR_CRL_INVALID', `Cannot use the CRL of ${JSON.stringify(crl.issuer)}: it has no nextUpdate; `
      + 'expected one (RFC 5280 §5.1.2.5)');
  }
  if (now < crl.thisUpdate.getTime() || now > nextUpdate.getTime()) {
    throw new SecurityError('PW_ERR_CRL_STALE', `Cannot use the CRL of ${JSON.stringify(crl.issuer)}: `
      + `it is valid from ${crl.thisUpdate.toISOString()} to ${nextUpdate.toISOString()}, and now is ${new Date(now).toISOString()}; `
      + 'expected a current CRL from the CA');
  }
  return RevocationSet.of(crl.entries.map((entry) => ({
    serial: entry.serialNumber,
    revokedAt: entry.revocationDate.getTime(),
    reason: reasonByCode.get(entry.reason ?? 0) ?? 'unspecified',
  })));
}
