// The enrollment service: EST simple enrollment (RFC 7030 §4.2.1) and CA certificates (§4.1),
// as a pure function from request to response; node/enroll/est-server.ts puts it on HTTPS.
//
// A first enrollment authenticates the device by a one-time token (HTTP Bearer, RFC 6750 §2.1)
// instead of a manufacturer certificate: the device has no certificate yet (docs/adr/0003). Order
// of checks: the route; the token (so that nothing an unauthenticated peer sends is parsed); the
// body and the CSR (key, proof of possession, subject = the token's device); then the token is
// consumed, and only then is the certificate signed. Any refusal issues nothing and says why, with
// an HTTP status and a PW_ERR_ code.
import { hasCode, PhasewireError, SecurityError } from '@phasewire/core';
import type { Clock, ErrorCode } from '@phasewire/core';
import type { EcCurve } from '../keystore.ts';
import type { CertificateAuthority } from '../pki/certificate-authority.ts';
import { derOf } from '../pki/certificates.ts';
import { checkDeviceCsr, deviceCurves } from '../pki/csr.ts';
import type { DeviceIdentity } from '../pki/device-identity.ts';
import { decodeBase64, encodeBase64 } from './base64.ts';
import { encodeCertsOnly } from './certs-only.ts';
import { checkToken, createToken, defaultTokenLifetime } from './enrollment-token.ts';
import type { NewToken, RandomBytes, TokenStore } from './enrollment-token.ts';

/** Well-known EST paths (RFC 7030 §3.2.2), without a CA label. */
export const estPaths = { simpleEnroll: '/.well-known/est/simpleenroll', caCerts: '/.well-known/est/cacerts' } as const;

/** Largest CSR accepted, decoded: a P-384 CSR is about 500 bytes. */
export const maxCsrBytes = 8 * 1024;

export interface EstRequest {
  readonly method: string;
  readonly path: string;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: Uint8Array;
}

export type EstOutcome =
  | { readonly kind: 'issued'; readonly device: DeviceIdentity; readonly serial: string; readonly token: string }
  | { readonly kind: 'ca-certs' }
  | { readonly kind: 'refused'; readonly code: ErrorCode; readonly reason: string };

export interface EstResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** What happened, for the security log. */
  readonly outcome: EstOutcome;
}

/** HTTP status of each refusal. Token problems are 401 with RFC 6750 §3.1's invalid_token. */
const statusByCode: Partial<Record<ErrorCode, number>> = {
  PW_ERR_ENROLL_TOKEN_MISSING: 401,
  PW_ERR_ENROLL_TOKEN_INVALID: 401,
  PW_ERR_ENROLL_TOKEN_EXPIRED: 401,
  PW_ERR_ENROLL_TOKEN_USED: 401,
  PW_ERR_DECODE: 400,
  PW_ERR_DER: 400,
  PW_ERR_CERTIFICATE_INVALID: 400,
  PW_ERR_WEAK_KEY: 400,
  PW_ERR_CSR_SIGNATURE: 400,
  PW_ERR_SUBJECT_MISMATCH: 403,
  PW_ERR_CA_EXPIRED: 503,
};

const realm = 'Bearer realm="phasewire-est"';

export interface EstServiceOptions {
  readonly ca: CertificateAuthority;
  readonly tokens: TokenStore;
  readonly clock: Clock;
  readonly randomBytes: RandomBytes;
  /** Curves a device key may use; P-384 and P-256 by default. */
  readonly curves?: readonly EcCurve[];
}

export class EstService {
  readonly #options: EstServiceOptions;

  constructor(options: EstServiceOptions) {
    this.#options = options;
  }

  /** Creates and stores a one-time token for a device; the text is returned once. */
  async createToken(device: DeviceIdentity, lifetimeMs = defaultTokenLifetime): Promise<NewToken> {
    const created = await createToken(device, lifetimeMs, this.#options.clock, this.#options.randomBytes);
    await this.#options.tokens.add(created.record);
    return created;
  }

  async handle(request: EstRequest): Promise<EstResponse> {
    if (request.path === estPaths.caCerts) {
      if (request.method !== 'GET') {
        return plain(405, 'PW_ERR_ENROLL_REQUEST', `Cannot ${request.method} ${request.path}: expected GET`, { allow: 'GET' });
      }
      const { ca } = this.#options;
      return certsOnly([derOf(ca.issuing), derOf(ca.root)], { kind: 'ca-certs' });
    }
    if (request.path !== estPaths.simpleEnroll) {
      return plain(404, 'PW_ERR_ENROLL_REQUEST', `Cannot serve ${request.path}: expected ${estPaths.simpleEnroll} or ${estPaths.caCerts}`);
    }
    if (request.method !== 'POST') {
      return plain(405, 'PW_ERR_ENROLL_REQUEST', `Cannot ${request.method} ${request.path}: expected POST`, { allow: 'POST' });
    }
    try {
      return await this.#simpleEnroll(request);
    } catch (error) {
      if (!(error instanceof PhasewireError)) throw error;
      const status = statusByCode[error.code] ?? 500;
      const extra: Record<string, string> = status === 401
        ? { 'www-authenticate': hasCode(error, 'PW_ERR_ENROLL_TOKEN_MISSING') ? realm : `${realm}, error="invalid_token"` }
        : {};
      return plain(status, error.code, error.message, extra);
    }
  }

  async #simpleEnroll(request: EstRequest): Promise<EstResponse> {
    const { ca, tokens, clock } = this.#options;
    const authorization = request.headers['authorization'];
    const bearer = authorization === undefined ? undefined : /^Bearer +(\S+)$/i.exec(authorization)?.[1];
    if (bearer === undefined) {
      throw new SecurityError('PW_ERR_ENROLL_TOKEN_MISSING', 'Cannot enroll: the request has no Authorization: Bearer header; '
        + 'expected the one-time enrollment token');
    }
    const token = await checkToken(tokens, bearer, clock.now());
    const contentType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (contentType !== 'application/pkcs10') {
      return plain(415, 'PW_ERR_ENROLL_REQUEST', `Cannot enroll: the body is ${JSON.stringify(contentType)}; `
        + 'expected application/pkcs10 (RFC 7030 §4.2.1)');
    }
    if (request.body.length > Math.ceil(maxCsrBytes / 3) * 4 + 1024) {
      return plain(413, 'PW_ERR_ENROLL_REQUEST', `Cannot enroll: the body has ${request.body.length} bytes; `
        + `expected a base64 CSR of at most ${maxCsrBytes} bytes`);
    }
    const der = decodeBase64(new TextDecoder().decode(request.body), 'the certificate request', maxCsrBytes);
    const checked = await checkDeviceCsr(der, token.device, this.#options.curves ?? deviceCurves);
    if (!await tokens.consume(token.id, clock.now())) {
      throw new SecurityError('PW_ERR_ENROLL_TOKEN_USED', `Cannot enroll ${token.device.kind} ${token.device.id}: `
        + `enrollment token ${token.id} was used by a concurrent request; expected an unused token`);
    }
    const issued = await ca.issueDevice(checked.publicKey, token.device);
    await tokens.recordSerial(token.id, issued.record.serial);
    return certsOnly([derOf(issued.certificate)], { kind: 'issued', device: token.device, serial: issued.record.serial, token: token.id });
  }
}

function plain(status: number, code: ErrorCode, message: string, headers: Record<string, string> = {}): EstResponse {
  // RFC 7030 §4.2.3: an error answer is human-readable text; the code comes first for machines.
  return {
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8', ...headers },
    body: `${code}: ${message}\n`,
    outcome: { kind: 'refused', code, reason: message },
  };
}

function certsOnly(certificates: Uint8Array[], outcome: EstOutcome): EstResponse {
  return {
    status: 200,
    headers: { 'content-type': 'application/pkcs7-mime; smime-type=certs-only', 'content-transfer-encoding': 'base64' },
    body: `${encodeBase64(encodeCertsOnly(certificates))}\n`,
    outcome,
  };
}
