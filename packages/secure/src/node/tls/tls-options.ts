// The TLS policy (tls/tls-policy.ts) as Node options: every phasewire listener takes
// `tlsServerOptions`, every client `tlsClientOptions`. Both build on one SecureContext per
// (identity, trust) pair, created once and reused: rebuilding it per connection halves the
// handshake rate (ECOSYSTEM.md trap 10).
//
// The private key of a TLS identity is in process memory: Node's TLS can use a key only from
// memory or through an OpenSSL engine, and no PKCS#11 engine is installed (docs/adr/0003).
import { createHash, createPrivateKey, randomBytes, X509Certificate } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import type { ConnectionOptions, SecureContext, TlsOptions } from 'node:tls';
import { ConfigError } from '@phasewire/core';
import { parseCertificateChain, parseCrl } from '../../pki/certificates.ts';
import type * as x509 from '../../pki/x509.ts';
import { tlsPolicy } from '../../tls/tls-policy.ts';

/** Who this side is: its certificate chain (leaf first, then the issuing CA) and its key. */
export interface TlsIdentity {
  readonly certificateChain: string;
  /** PKCS#8 PEM: Node's TLS takes the key from memory (docs/adr/0003). */
  readonly privateKey: string;
  /** SHA-256 of the leaf certificate (hex): names the identity in logs and the session context. */
  readonly fingerprint: string;
}

/** Whom this side trusts: the CA certificates, and the CRLs that it enforces when given. */
export interface TlsTrust {
  readonly anchors: string;
  readonly crl?: string;
}

/**
 * Where and as whom an MQTT client connects over mutual TLS (the meter agent's link, the
 * head-end's external-broker ingest): the broker's address, the name its certificate must carry,
 * the client's identity and trust, and its MQTT client id.
 */
export interface MqttTlsEndpoint {
  readonly host: string;
  readonly port: number;
  /** Name the broker's certificate must carry; the host when omitted. */
  readonly servername?: string;
  readonly identity: TlsIdentity;
  readonly trust: TlsTrust;
  readonly clientId: string;
}

function identityError(found: string, cause?: unknown): ConfigError {
  return new ConfigError('PW_ERR_TLS_IDENTITY', `Cannot use the TLS identity: ${found}; `
    + 'expected a PEM certificate chain and the private key of its first certificate', cause === undefined ? undefined : { cause });
}

/** Checks that the key belongs to the chain's first certificate and returns a frozen identity. */
export function tlsIdentity(certificateChain: string, privateKey: string | KeyObject): TlsIdentity {
  const leafPem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(certificateChain)?.[0];
  if (leafPem === undefined) throw identityError('no PEM certificate in the chain');
  let leaf: X509Certificate;
  let key: KeyObject;
  try {
    leaf = new X509Certificate(leafPem);
    key = typeof privateKey === 'string' ? createPrivateKey(privateKey) : privateKey;
  } catch (error) {
    throw identityError(error instanceof Error ? error.message : String(error), error);
  }
  if (key.type !== 'private' || !leaf.checkPrivateKey(key)) {
    throw identityError(`the key does not match certificate ${leaf.serialNumber} (${leaf.subject.replaceAll('\n', ', ')})`);
  }
  const pem = key.export({ type: 'pkcs8', format: 'pem' }).toString();
  return Object.freeze({ certificateChain, privateKey: pem, fingerprint: createHash('sha256').update(leaf.raw).digest('hex') });
}

const crlBlocks = (pem: string): string[] => pem.match(/-----BEGIN X509 CRL-----[\s\S]+?-----END X509 CRL-----/g) ?? [];

/**
 * The trust set: CA certificates (the root, and the issuing CA) and optionally their CRLs. With
 * CRLs, every CA of the set must have one: OpenSSL checks the whole chain (CRL_CHECK_ALL), and a
 * missing CRL must only ever mean "a CA outside the set" (see peer-check.ts).
 */
export function tlsTrust(anchors: string, crl?: string): TlsTrust {
  let certificates: x509.X509Certificate[];
  try {
    certificates = parseCertificateChain(anchors);
  } catch (error) {
    throw new ConfigError('PW_ERR_TLS_IDENTITY', 'Cannot use the TLS trust set: it holds no readable PEM certificate; '
      + 'expected the phasewire root (and issuing) CA certificates', { cause: error });
  }
  if (crl === undefined) return Object.freeze({ anchors });
  const issuers = new Set(crlBlocks(crl).map((block) => parseCrl(block).issuer));
  const uncovered = certificates.filter((certificate) => !issuers.has(certificate.subject));
  if (uncovered.length > 0) {
    const subjects = uncovered.map((certificate) => JSON.stringify(certificate.subject)).join(', ');
    throw new ConfigError('PW_ERR_TLS_IDENTITY', `Cannot use the TLS trust set: no CRL for ${subjects}; `
      + 'expected one CRL per trusted CA (the CA directory\'s crl.pem)');
  }
  return Object.freeze({ anchors, crl });
}

/** The context options common to both sides. */
function contextOptions(identity: TlsIdentity | undefined, trust: TlsTrust): TlsOptions {
  return {
    minVersion: tlsPolicy.minVersion,
    maxVersion: tlsPolicy.maxVersion,
    ciphers: tlsPolicy.ciphers,
    ecdhCurve: tlsPolicy.groups,
    sigalgs: tlsPolicy.signatureAlgorithms,
    ca: trust.anchors,
    // With a CRL, OpenSSL checks every certificate of the chain against its issuer's CRL
    // (X509_V_FLAG_CRL_CHECK_ALL), so the root's CRL must be there too: the CA publishes both.
    // Node reads one CRL per string: give each PEM block separately.
    ...(trust.crl === undefined ? {} : { crl: crlBlocks(trust.crl) }),
    ...(identity === undefined ? {} : { cert: identity.certificateChain, key: identity.privateKey }),
  };
}

const clientContexts = new WeakMap<TlsTrust, WeakMap<TlsIdentity | TlsTrust, SecureContext>>();

/** The one SecureContext of a client (identity, trust) pair, created on first use. */
export function clientSecureContext(identity: TlsIdentity | undefined, trust: TlsTrust): SecureContext {
  let byIdentity = clientContexts.get(trust);
  if (byIdentity === undefined) {
    byIdentity = new WeakMap();
    clientContexts.set(trust, byIdentity);
  }
  // Without an identity the trust object itself is the key.
  const key = identity ?? trust;
  let context = byIdentity.get(key);
  if (context === undefined) {
    context = createSecureContext(contextOptions(identity, trust));
    byIdentity.set(key, context);
  }
  return context;
}

export interface ServerPolicyOptions {
  /** 'required' (the default): mutual authentication. 'none': server-auth only (first enrollment). */
  readonly clientAuth?: 'required' | 'none';
  readonly sessionLifetimeSeconds?: number;
  /** 48 bytes: ticket name, HMAC and AES keys; shared by workers that resume each other's sessions. */
  readonly ticketKeys?: Buffer;
  readonly handshakeTimeoutMs?: number;
}

/**
 * Options for `tls.createServer`/`https.createServer` under the policy. The server builds one
 * SecureContext from them at creation (and again only on `setSecureContext`), never per connection.
 */
export function tlsServerOptions(identity: TlsIdentity, trust: TlsTrust, options: ServerPolicyOptions = {}): TlsOptions {
  const mutual = (options.clientAuth ?? 'required') === 'required';
  return {
    ...contextOptions(identity, trust),
    requestCert: mutual,
    rejectUnauthorized: mutual,
    honorCipherOrder: true,
    sessionTimeout: options.sessionLifetimeSeconds ?? tlsPolicy.sessionLifetimeSeconds,
    ticketKeys: options.ticketKeys ?? randomBytes(48),
    // Sessions resume only with the same identity, whichever worker process issued the ticket.
    sessionIdContext: identity.fingerprint.slice(0, 32),
    handshakeTimeout: options.handshakeTimeoutMs ?? tlsPolicy.handshakeTimeoutMs,
  };
}

export interface ClientPolicyOptions {
  /** Host name to check the server certificate against (and send as SNI); the host when omitted. */
  readonly servername?: string;
}

/**
 * Options for `tls.connect`/`https.request` under the policy. The server certificate must chain to
 * the trust set, carry serverAuth and name the host (Node's checkServerIdentity). With https, pass
 * `agent: false` or an agent per trust set: an agent reuses sockets and TLS sessions by host and
 * port alone, whatever trust they were verified against.
 */
export function tlsClientOptions(identity: TlsIdentity | undefined, trust: TlsTrust, options: ClientPolicyOptions = {}): ConnectionOptions {
  return {
    secureContext: clientSecureContext(identity, trust),
    minVersion: tlsPolicy.minVersion,
    maxVersion: tlsPolicy.maxVersion,
    rejectUnauthorized: true,
    ...(options.servername === undefined ? {} : { servername: options.servername }),
  };
}
