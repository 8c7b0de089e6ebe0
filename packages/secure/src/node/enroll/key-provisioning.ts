// Provisioning of a device's envelope key (docs/adr/0002: "the device receives its key at
// enrollment, over the mutually authenticated TLS 1.3 channel"). Right after EST has issued its
// certificate, the device makes one HTTPS request with that certificate; the server takes the
// device id from the certificate the TLS layer verified (never from the request), derives the key
// as the head-end's ingest does (HKDF-Expand of the master, envelopeKeyInfo) and returns it with its
// key id. The handler is the piece the head-end mounts on an mTLS listener (with the listener
// policy attached, so that revocation is checked at every handshake); a listener for tests and the
// demo is here too, under the same policy.
//   GET /.well-known/phasewire/envelope-key  →  200 application/json {"keyId": n, "key": base64}
import { createServer, request } from 'node:https';
import type { Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TLSSocket } from 'node:tls';
import { SecurityError, parseMeterId } from '@phasewire/core';
import type { MeterId } from '@phasewire/core';
import { bindDevice } from '../../envelope/device-binding.ts';
import { envelopeKeyInfo } from '../../envelope/envelope-keys.ts';
import { deviceUrnPrefix, parseDeviceIdentity } from '../../pki/device-identity.ts';
import type { Keystore } from '../../keystore.ts';
import { RevocationSet } from '../../pki/revocation-set.ts';
import { attachPolicy } from '../tls/listener-policy.ts';
import type { RefusalEvent } from '../tls/listener-policy.ts';
import { tlsClientOptions, tlsServerOptions } from '../tls/tls-options.ts';
import { peerCertificateOf } from '../tls/peer-certificate.ts';
import type { TlsIdentity, TlsTrust } from '../tls/tls-options.ts';

export const envelopeKeyPath = '/.well-known/phasewire/envelope-key';

export interface ProvisionedKey {
  readonly keyId: number;
  readonly key: Uint8Array;
}

/** The key the head-end's DerivedEnvelopeKeys uses for the device: HKDF-Expand(master, info, 32). */
export function deriveDeviceEnvelopeKey(keystore: Keystore, masterLabel: string, device: MeterId, keyId: number): Promise<Uint8Array> {
  return keystore.deriveKey(masterLabel, envelopeKeyInfo(bindDevice(device), keyId), 32);
}

/** The meter id named by the verified client certificate of a request, or undefined. */
function deviceOf(request: IncomingMessage): MeterId | undefined {
  const socket = request.socket;
  if (!(socket instanceof TLSSocket) || !socket.authorized) return undefined;
  const certificate = socket.getPeerX509Certificate();
  if (certificate === undefined) return undefined;
  const peer = peerCertificateOf(certificate);
  for (const uri of peer.uris) {
    if (!uri.startsWith(deviceUrnPrefix)) continue;
    try {
      const identity = parseDeviceIdentity(uri.slice(deviceUrnPrefix.length));
      if (identity.kind === 'meter') return parseMeterId(identity.id);
    } catch {
      // not a device URI: try the next one
    }
  }
  return undefined;
}

export interface KeyProvisioningHandlerOptions {
  /** The key id and raw key for a device, or undefined when the device may not have one. */
  readonly keyFor: (device: MeterId) => Promise<ProvisionedKey | undefined>;
}

/** A request handler for an https server with mutual TLS (`tlsServerOptions(..., 'required')`). */
export function keyProvisioningHandler(
  options: KeyProvisioningHandlerOptions,
): (request: IncomingMessage, response: ServerResponse) => void {
  const reply = (response: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void => {
    response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
    response.end(body);
  };
  return (request, response) => {
    if (request.method !== 'GET' || (request.url ?? '').split('?')[0] !== envelopeKeyPath) {
      reply(response, 404, 'not found\n');
      return;
    }
    const device = deviceOf(request);
    if (device === undefined) {
      reply(response, 403, 'PW_ERR_AGENT_KEY_PROVISIONING: the client certificate names no meter\n');
      return;
    }
    options.keyFor(device).then((provisioned) => {
      if (provisioned === undefined) {
        reply(response, 403, `PW_ERR_AGENT_KEY_PROVISIONING: no envelope key for ${device}\n`);
        return;
      }
      const body = JSON.stringify({ keyId: provisioned.keyId, key: Buffer.from(provisioned.key).toString('base64') });
      reply(response, 200, body, 'application/json');
    }, () => {
      reply(response, 500, 'PW_ERR_AGENT_KEY_PROVISIONING: the key could not be derived\n');
    });
  };
}

export interface KeyProvisioningServer {
  readonly url: string;
  close(): Promise<void>;
}

export interface KeyProvisioningServerOptions extends KeyProvisioningHandlerOptions {
  /**
   * The current revocation set, read at every handshake by the shared listener policy
   * (attachPolicy), so that a certificate revoked after the listener started gets no key. The
   * trust's CRL, when it has one, is checked by OpenSSL during the handshake besides. Without
   * this, only that CRL applies.
   */
  readonly revocations?: () => RevocationSet;
  /** Told of every refused client, in the handshake or after it, with the reason. */
  readonly onRefused?: (event: RefusalEvent) => void;
}

const noRevocations = RevocationSet.of([]);

/**
 * The mTLS listener of the handler, under the TLS policy: the handshake of tlsServerOptions (TLS 1.3,
 * mutual authentication, the trust's CRL) and, after every handshake, the listener policy's check
 * (revocation set, validity, a device certificate), the same as the MQTT listener's. A refused
 * client is closed before any HTTP byte is read: it never reaches the handler. Not yet listening.
 */
export function createKeyProvisioningServer(identity: TlsIdentity, trust: TlsTrust, options: KeyProvisioningServerOptions): Server {
  const server = createServer(tlsServerOptions(identity, trust), keyProvisioningHandler(options));
  const { revocations, onRefused } = options;
  attachPolicy(server, {
    revocations: revocations ?? (() => noRevocations),
    ...(onRefused === undefined ? {} : { onRefused }),
  });
  return server;
}

/** `createKeyProvisioningServer` listening on a free loopback port (tests and the demo). */
export async function startKeyProvisioningServer(
  identity: TlsIdentity, trust: TlsTrust, options: KeyProvisioningServerOptions,
): Promise<KeyProvisioningServer> {
  const server = createKeyProvisioningServer(identity, trust, options);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => { resolve(); });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => { resolve(); });
    }),
  };
}

const provisioningError = (what: string, cause?: unknown): SecurityError =>
  new SecurityError('PW_ERR_AGENT_KEY_PROVISIONING', `Cannot obtain the envelope key: ${what}; `
    + 'expected HTTP 200 with {"keyId", "key"} of 32 bytes', cause === undefined ? undefined : { cause });

/** The device side: fetches its envelope key with its new certificate. */
export function fetchEnvelopeKey(server: string, identity: TlsIdentity, trust: TlsTrust): Promise<ProvisionedKey> {
  const url = new URL(envelopeKeyPath, server);
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { method: 'GET', agent: false, ...tlsClientOptions(identity, trust) }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        text += chunk;
        if (text.length > 4096) response.destroy(new Error(`${url.origin} answered more than 4096 bytes`));
      });
      response.on('error', (error) => { reject(provisioningError(error.message, error)); });
      response.on('end', () => {
        if (response.statusCode !== 200) {
          reject(provisioningError(`${url.origin} answered HTTP ${response.statusCode ?? 0}: ${text.trim()}`));
          return;
        }
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch (error) {
          reject(provisioningError(`${url.origin} answered text that is not JSON`, error));
          return;
        }
        // Any JSON value may come back (null, a number, an array): read fields of objects only, and
        // take the key only in canonical base64, which Buffer.from alone does not insist on.
        const fields = typeof parsed === 'object' && parsed !== null ? parsed as { keyId?: unknown; key?: unknown } : {};
        const key = typeof fields.key === 'string' ? Buffer.from(fields.key, 'base64') : Buffer.alloc(0);
        if (typeof fields.keyId !== 'number' || !Number.isSafeInteger(fields.keyId) || fields.keyId < 1 || key.length !== 32
          || key.toString('base64') !== fields.key) {
          reject(provisioningError(`${url.origin} answered ${text.length} bytes that are not a key id and a 32-byte key`));
          return;
        }
        const copy = new Uint8Array(key);
        key.fill(0);
        resolve({ keyId: fields.keyId, key: copy });
      });
    });
    outgoing.on('error', (error) => { reject(provisioningError(`${url.origin} is unreachable (${error.message})`, error)); });
    outgoing.end();
  });
}
