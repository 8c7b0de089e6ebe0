// Why a peer was refused, and the check a listener makes after every handshake, full or resumed.
//
// OpenSSL verifies the chain, validity, key usage and the CRL during a full handshake. A resumed
// session is not verified again: its certificate may have been revoked, or may have expired, since
// the ticket was issued. So after every handshake the listener checks the peer certificate against
// the current revocation set and the clock, and names the device it belongs to, before the
// application sees a byte.
import type { DeviceIdentity } from '../pki/device-identity.ts';
import { deviceIdentityOf } from '../pki/device-identity.ts';
import type { RevocationSet } from '../pki/revocation-set.ts';

export type RefusalReason =
  | 'protocol-version'
  | 'no-shared-cipher'
  | 'no-shared-group'
  | 'no-certificate'
  | 'unknown-ca'
  | 'expired'
  | 'not-yet-valid'
  | 'revoked'
  | 'wrong-usage'
  | 'crl-stale'
  | 'bad-certificate'
  | 'no-device-id'
  | 'handshake-timeout'
  | 'handshake-failed';

/** OpenSSL verification results (X509_V_ERR_*, as Node names them in `authorizationError`). */
const verifyReasons: Readonly<Record<string, RefusalReason>> = {
  CERT_HAS_EXPIRED: 'expired',
  CERT_NOT_YET_VALID: 'not-yet-valid',
  CERT_REVOKED: 'revoked',
  INVALID_PURPOSE: 'wrong-usage',
  UNABLE_TO_GET_ISSUER_CERT: 'unknown-ca',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'unknown-ca',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unknown-ca',
  SELF_SIGNED_CERT_IN_CHAIN: 'unknown-ca',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'unknown-ca',
  CERT_SIGNATURE_FAILURE: 'unknown-ca',
  CERT_UNTRUSTED: 'unknown-ca',
  CERT_REJECTED: 'unknown-ca',
  CRL_HAS_EXPIRED: 'crl-stale',
  CRL_NOT_YET_VALID: 'crl-stale',
  // Node lets OpenSSL finish verifying after the first error and reports the last one. A chain
  // through a CA outside the trust set ends with "no CRL for that CA", because tlsTrust insists
  // on a CRL for every CA it trusts: so this result means an unknown CA.
  UNABLE_TO_GET_CRL: 'unknown-ca',
};

/** Node's error codes for handshakes that fail inside OpenSSL (`tlsClientError`). */
const errorReasons: Readonly<Record<string, RefusalReason>> = {
  ERR_SSL_UNSUPPORTED_PROTOCOL: 'protocol-version',
  ERR_SSL_WRONG_VERSION_NUMBER: 'protocol-version',
  ERR_SSL_NO_SHARED_CIPHER: 'no-shared-cipher',
  ERR_SSL_NO_SUITABLE_KEY_SHARE: 'no-shared-group',
  ERR_SSL_NO_SHARED_GROUPS: 'no-shared-group',
  ERR_SSL_NO_SUITABLE_SIGNATURE_ALGORITHM: 'no-shared-cipher',
  ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE: 'no-certificate',
  ERR_TLS_HANDSHAKE_TIMEOUT: 'handshake-timeout',
};

/**
 * The reason for a failed handshake: the verification result when there is one (Node rejects a
 * bad certificate itself, with no alert, after OpenSSL has finished), else the error code.
 */
export function refusalReason(errorCode: string | undefined, verifyError: string | undefined): RefusalReason {
  if (verifyError !== undefined) return verifyReasons[verifyError] ?? 'bad-certificate';
  return errorReasons[errorCode ?? ''] ?? 'handshake-failed';
}

/** What the post-handshake check needs of the peer certificate (Node's X509Certificate has it all). */
export interface PeerCertificate {
  readonly serial: string;
  readonly validFrom: number;
  readonly validTo: number;
  /** Extended key usage OIDs; undefined when the certificate has no EKU extension. */
  readonly extendedKeyUsage: readonly string[] | undefined;
  readonly uris: readonly string[];
  readonly commonNames: readonly string[];
}

/** id-kp-clientAuth and id-kp-serverAuth (RFC 5280 §4.2.1.12). */
export const clientAuthOid = '1.3.6.1.5.5.7.3.2';
export const serverAuthOid = '1.3.6.1.5.5.7.3.1';

export type PeerVerdict =
  | { readonly accepted: true; readonly device: DeviceIdentity | undefined }
  | { readonly accepted: false; readonly reason: RefusalReason; readonly detail: string };

export interface PeerCheckOptions {
  readonly revocations: RevocationSet;
  readonly now: number;
  /** Refuse a peer whose certificate names no device (meter ingress); false for operator clients. */
  readonly requireDevice: boolean;
}

export function checkPeer(peer: PeerCertificate, options: PeerCheckOptions): PeerVerdict {
  const refused = (reason: RefusalReason, detail: string): PeerVerdict => ({ accepted: false, reason, detail });
  const revoked = options.revocations.get(peer.serial);
  const time = (ms: number): string => new Date(ms).toISOString();
  if (revoked !== undefined) {
    return refused('revoked', `certificate ${revoked.serial} was revoked at ${time(revoked.revokedAt)} (${revoked.reason})`);
  }
  if (options.now > peer.validTo) return refused('expired', `certificate ${peer.serial} expired at ${time(peer.validTo)}`);
  if (options.now < peer.validFrom) return refused('not-yet-valid', `certificate ${peer.serial} is valid from ${time(peer.validFrom)}`);
  if (peer.extendedKeyUsage !== undefined && !peer.extendedKeyUsage.includes(clientAuthOid)) {
    return refused('wrong-usage', `certificate ${peer.serial} allows ${peer.extendedKeyUsage.join(', ')}, not clientAuth`);
  }
  let device: DeviceIdentity | undefined;
  try {
    device = deviceIdentityOf(peer);
  } catch (error) {
    if (options.requireDevice) return refused('no-device-id', error instanceof Error ? error.message : String(error));
  }
  return { accepted: true, device };
}
