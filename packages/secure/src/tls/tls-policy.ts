// The TLS policy of every phasewire listener and client, as data. The Node adapter
// (node/tls/tls-options.ts) turns it into options; the tests and testssl.sh check its effect.
//
// - TLS 1.3 only (RFC 8446; security-anchors R1). TLS 1.2 and older are refused with
//   protocol_version.
// - One cipher suite, TLS_AES_256_GCM_SHA384 (RFC 8446 §B.4; R2). Node has no `ciphersuites`
//   option: TLS 1.3 suites go in `ciphers` (ECOSYSTEM.md trap 12).
// - Key exchange on P-384, P-256 for constrained devices (RFC 8446 §4.2.7). No brainpool: Node 24's
//   OpenSSL 3.5 has the RFC 8734 groups, but SECURITY.md fixes P-384/P-256 and devices on OpenSSL
//   3.0 lack them (docs/security-pki.md, deviations).
// - Signatures ECDSA with SHA-384 on P-384 or SHA-256 on P-256 (RFC 8446 §4.2.3).
// - Mutual authentication; resumption with tickets of bounded lifetime whose keys rotate; no
//   0-RTT: Node's TLS never accepts early data (it exposes no API for it), so replayable 0-RTT
//   commands (RFC 8446 §8) cannot happen.

export const tlsPolicy = {
  minVersion: 'TLSv1.3',
  maxVersion: 'TLSv1.3',
  /** OpenSSL's name for the one TLS 1.3 suite (RFC 8446 §B.4, 0x13,0x02). */
  ciphers: 'TLS_AES_256_GCM_SHA384',
  /** secp384r1, then secp256r1 (RFC 8446 §4.2.7); OpenSSL accepts the NIST names. */
  groups: 'P-384:P-256',
  /** RFC 8446 §4.2.3 SignatureScheme names, in preference order. */
  signatureAlgorithms: 'ecdsa_secp384r1_sha384:ecdsa_secp256r1_sha256',
  /**
   * Lifetime of a resumable session (seconds): OpenSSL refuses a ticket older than this and
   * advertises it as the ticket_lifetime hint (RFC 8446 §4.6.1 caps it at 7 days).
   */
  sessionLifetimeSeconds: 12 * 3600,
  /**
   * Ticket keys are replaced this often. Node holds one ticket key, so tickets sealed under the
   * previous key are refused after a rotation and the peer does one full handshake.
   */
  ticketKeyRotationMs: 12 * 3_600_000,
  /** A handshake not finished within this time is dropped (security-anchors R7; NB-IoT links are slow). */
  handshakeTimeoutMs: 30_000,
  /** A connection older than this is closed and must handshake again (R6: maximum connection age). */
  maxConnectionAgeMs: 24 * 3_600_000,
} as const;

/** OpenSSL's name of the suite as Node reports it (`getCipher().name`). */
export const policySuite = tlsPolicy.ciphers;
