// The device side of enrollment: build a CSR with the device's key (it stays in the device's
// keystore; only `Signer.sign` is used), send it with the one-time token to the EST server over
// TLS 1.3, trusting only the CA certificate the device was given, and check what comes back.
import { request } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { SecurityError, TransportError } from '@phasewire/core';
import { decodeBase64, encodeBase64 } from '../../enroll/base64.ts';
import { decodeCertsOnly } from '../../enroll/certs-only.ts';
import { estPaths } from '../../enroll/est-service.ts';
import { derOf, namesOf, parseCertificate, serialOf, toPem } from '../../pki/certificates.ts';
import { createDeviceCsr } from '../../pki/csr.ts';
import type { DeviceIdentity } from '../../pki/device-identity.ts';
import { deviceIdentityOf, deviceUri, sameDevice } from '../../pki/device-identity.ts';
import { bytesEqual } from '../../pki/der.ts';
import type { Signer } from '../../pki/signer.ts';
import { tlsClientOptions, tlsTrust } from '../tls/tls-options.ts';

/** The server refused the enrollment: its HTTP status and PW_ERR_ code say why. */
export class EnrollmentRefusedError extends SecurityError {
  readonly status: number;
  readonly serverCode: string;

  constructor(status: number, serverCode: string, message: string) {
    super('PW_ERR_ENROLL_REFUSED', message);
    this.status = status;
    this.serverCode = serverCode;
  }
}

/** Largest response read: a few certificates in base64. */
const maxResponseBytes = 64 * 1024;

interface Reply {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

function exchange(url: URL, method: 'GET' | 'POST', trustedCa: string, headers: Record<string, string>, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    // No agent: a shared (keep-alive) agent keys its sockets and TLS sessions by host and port,
    // not by trust, and would hand back a connection verified against another CA.
    const requestOptions = { method, headers, agent: false, ...tlsClientOptions(undefined, tlsTrust(trustedCa)) };
    const outgoing = request(url, requestOptions, (response: IncomingMessage) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        text += chunk;
        if (text.length > maxResponseBytes) response.destroy(new Error(`response larger than ${maxResponseBytes} bytes`));
      });
      response.on('end', () => {
        resolve({ status: response.statusCode ?? 0, contentType: response.headers['content-type'] ?? '', body: text });
      });
      response.on('error', reject);
    });
    outgoing.on('error', (error: Error & { code?: string }) => {
      reject(new TransportError('PW_ERR_TLS_HANDSHAKE', `Cannot reach the enrollment server ${url.origin}: ${error.code ?? error.message}; `
        + 'expected a TLS 1.3 server with a certificate from the pinned CA', { cause: error }));
    });
    outgoing.end(body);
  });
}

function certificatesOf(reply: Reply, url: URL, what: string): Uint8Array[] {
  if (reply.status !== 200) {
    const [code = 'unknown', ...rest] = reply.body.trim().split(': ');
    throw new EnrollmentRefusedError(reply.status, code,
      `${what} refused by ${url.origin}: HTTP ${reply.status} ${code}: ${rest.join(': ')}`);
  }
  if (!reply.contentType.startsWith('application/pkcs7-mime')) {
    throw new SecurityError('PW_ERR_ENROLL_REFUSED', `${what} at ${url.origin} answered ${JSON.stringify(reply.contentType)}; `
      + 'expected application/pkcs7-mime (RFC 7030 §4.2.3)');
  }
  return decodeCertsOnly(decodeBase64(reply.body, 'the EST response', maxResponseBytes));
}

/** GET /cacerts (RFC 7030 §4.1): the CA certificates, over a channel authenticated by `trustedCa`. */
export async function fetchCaCertificates(server: string, trustedCa: string): Promise<Uint8Array[]> {
  const url = new URL(estPaths.caCerts, server);
  return certificatesOf(await exchange(url, 'GET', trustedCa, {}), url, 'The CA certificates request');
}

export interface EnrollOptions {
  /** `https://host:port` of the EST server. */
  readonly server: string;
  /** PEM of the CA certificate(s) the device was given: the only trust for this connection. */
  readonly trustedCa: string;
  readonly token: string;
  readonly device: DeviceIdentity;
  readonly signer: Signer;
}

export interface Enrolled {
  readonly serial: string;
  /** The device certificate, then the issuing CA (what the device presents in TLS). */
  readonly chainPem: string;
  readonly certificatePem: string;
}

/** POST /simpleenroll (RFC 7030 §4.2.1) and checks that the certificate is for this device and key. */
export async function enrollDevice(options: EnrollOptions): Promise<Enrolled> {
  const url = new URL(estPaths.simpleEnroll, options.server);
  const csr = await createDeviceCsr(options.device, options.signer);
  const reply = await exchange(url, 'POST', options.trustedCa, {
    'content-type': 'application/pkcs10',
    authorization: `Bearer ${options.token}`,
  }, encodeBase64(csr));
  const [der] = certificatesOf(reply, url, `Enrollment of ${deviceUri(options.device)}`);
  const certificate = parseCertificate(der ?? new Uint8Array(0));
  const check = (ok: boolean, found: string): void => {
    if (!ok) {
      throw new SecurityError('PW_ERR_ENROLL_REFUSED', `Enrollment of ${deviceUri(options.device)} returned a certificate that ${found}; `
        + 'expected one for this device and key');
    }
  };
  check(bytesEqual(new Uint8Array(certificate.publicKey.rawData), options.signer.publicKey), 'certifies another key');
  check(sameDevice(deviceIdentityOf(namesOf(certificate)), options.device), 'names another device');
  const issuing = (await fetchCaCertificates(options.server, options.trustedCa))
    .map((item) => parseCertificate(item))
    .find((candidate) => candidate.subject === certificate.issuer);
  const certificatePem = toPem(derOf(certificate), 'CERTIFICATE');
  return {
    serial: serialOf(certificate),
    certificatePem,
    chainPem: certificatePem + (issuing === undefined ? '' : toPem(derOf(issuing), 'CERTIFICATE')),
  };
}
