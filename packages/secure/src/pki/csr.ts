// PKCS#10 certificate signing requests (RFC 2986). The device builds one with its key (which stays
// in its keystore) naming itself; the CA checks it before signing anything: it parses, its key is
// one the policy allows, its signature verifies under that key (proof of possession), and it names
// the device it claims to be. The CA builds the certificate's extensions itself and never copies
// requested ones.
import { SecurityError } from '@phasewire/core';
import type { EcCurve } from '../keystore.ts';
import { derOf, namesOf, parseCertificateRequest } from './certificates.ts';
import type { DeviceIdentity } from './device-identity.ts';
import { deviceIdentity, deviceSubject, deviceUri, deviceUrnPrefix } from './device-identity.ts';
import { curveHash, signingCrypto } from './signer.ts';
import type { Signer } from './signer.ts';
import * as x509 from './x509.ts';

/** Curves a device key may use: P-384, and P-256 for constrained devices (SECURITY.md, Transport). */
export const deviceCurves: readonly EcCurve[] = ['P-384', 'P-256'];

/** Builds a CSR for `device`, signed by `signer`; returns its DER. */
export async function createDeviceCsr(device: DeviceIdentity, signer: Signer): Promise<Uint8Array> {
  const { crypto, signingKey, signingAlgorithm } = signingCrypto(signer);
  const publicKey = await globalThis.crypto.subtle.importKey(
    'spki', signer.publicKey, { name: 'ECDSA', namedCurve: signer.curve }, true, ['verify'],
  );
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: deviceSubject(device),
    keys: { publicKey, privateKey: signingKey },
    signingAlgorithm,
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'url', value: deviceUri(device) }])],
  }, crypto);
  return derOf(csr);
}

export interface CheckedCsr {
  /** SubjectPublicKeyInfo DER of the requester's key. */
  readonly publicKey: Uint8Array;
  readonly curve: EcCurve;
}

const isDeviceCurve = (curve: unknown): curve is EcCurve => deviceCurves.some((allowed) => allowed === curve);

/**
 * Checks a CSR for `device`: an allowed EC key (PW_ERR_WEAK_KEY), a valid self-signature with the
 * curve's hash (PW_ERR_CSR_SIGNATURE), and a subject naming exactly that device
 * (PW_ERR_SUBJECT_MISMATCH). Bytes that do not parse give PW_ERR_CERTIFICATE_INVALID.
 */
export async function checkDeviceCsr(
  der: Uint8Array,
  device: DeviceIdentity,
  curves: readonly EcCurve[] = deviceCurves,
): Promise<CheckedCsr> {
  const csr = parseCertificateRequest(der);
  let algorithm: { name?: string; namedCurve?: string; modulusLength?: number };
  try {
    algorithm = csr.publicKey.algorithm as typeof algorithm;
  } catch (error) {
    throw new SecurityError('PW_ERR_WEAK_KEY', 'Cannot accept the certificate request: its public key algorithm is not recognised; '
      + 'expected an ECDSA P-384 or P-256 key', { cause: error });
  }
  const curve = algorithm.namedCurve;
  if (algorithm.name !== 'ECDSA' || !isDeviceCurve(curve) || !curves.includes(curve)) {
    const found = algorithm.name === 'ECDSA'
      ? `an ECDSA ${curve ?? 'unknown-curve'} key`
      : `a ${algorithm.name ?? 'unknown'}${algorithm.modulusLength === undefined ? '' : `-${algorithm.modulusLength}`} key`;
    throw new SecurityError('PW_ERR_WEAK_KEY', `Cannot accept the certificate request for ${deviceUri(device)}: it carries ${found}; `
      + `expected an ECDSA key on ${curves.join(' or ')}`);
  }
  const { hash: hashAlgorithm } = csr.signatureAlgorithm as { hash?: { name?: unknown } };
  const hash = typeof hashAlgorithm?.name === 'string' ? hashAlgorithm.name : 'unknown hash';
  if (hash !== curveHash[curve]) {
    // Said apart from a bad signature: the integrator's fix is one setting of the CSR tool (e.g. -sha384).
    throw new SecurityError('PW_ERR_CSR_SIGNATURE', `Cannot accept the certificate request for ${deviceUri(device)}: `
      + `it is signed with ECDSA and ${hash} on a ${curve} key; expected ${curveHash[curve]}, the hash that goes with ${curve} `
      + `(RFC 5480 §4), e.g. openssl req -${curveHash[curve].replace('-', '').toLowerCase()}`);
  }
  let valid = false;
  try {
    // Importing the key checks that the point lies on the curve (WebCrypto §23.7 importKey).
    valid = await csr.verify();
  } catch {
    valid = false;
  }
  if (!valid) {
    throw new SecurityError('PW_ERR_CSR_SIGNATURE', `Cannot accept the certificate request for ${deviceUri(device)}: `
      + `its ${hash} signature does not verify under its own ${curve} key; `
      + `expected a request signed by the device's key with ${curveHash[curve]}`);
  }
  checkSubject(csr, device);
  return { publicKey: new Uint8Array(csr.publicKey.rawData), curve };
}

function checkSubject(csr: x509.Pkcs10CertificateRequest, device: DeviceIdentity): void {
  const names = namesOf(csr);
  const units = csr.subjectName.getField('OU');
  const uris = names.uris.filter((uri) => uri.startsWith(deviceUrnPrefix));
  const mismatch = (found: string): never => {
    throw new SecurityError('PW_ERR_SUBJECT_MISMATCH', `Cannot accept the certificate request: ${found}; `
      + `expected the device the token is bound to, ${deviceUri(device)} (CN=${device.id})`);
  };
  if (names.commonNames.length !== 1) mismatch(`its subject ${JSON.stringify(csr.subject)} has ${names.commonNames.length} CNs`);
  const [commonName = ''] = names.commonNames;
  let named: DeviceIdentity;
  try {
    named = deviceIdentity(device.kind, commonName);
  } catch {
    return mismatch(`its CN ${JSON.stringify(commonName)} is not a device id`);
  }
  if (named.id !== device.id) mismatch(`it names ${JSON.stringify(commonName)}`);
  if (units.some((unit) => unit !== device.kind)) mismatch(`its OU ${JSON.stringify(units.join(','))} is not ${device.kind}`);
  if (uris.some((uri) => uri !== deviceUri(device))) mismatch(`it asks for the name ${uris.join(', ')}`);
}
