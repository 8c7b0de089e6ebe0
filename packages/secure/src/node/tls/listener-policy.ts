// The policy's runtime half, attached to any TLS listener (our own, https, an MQTT broker's):
// - after every handshake, full or resumed, the peer certificate is checked against the current
//   revocation set and the clock and must name a device; a refused peer is closed before the
//   application sees a byte;
// - every refusal, in the handshake or after it, is reported with its reason, and its socket closed
//   (a handshake not finished within the timeout included);
// - revoking a certificate drops the live sessions that use it (`enforceRevocations`);
// - connections older than the maximum age are closed; ticket keys rotate on a timer.
import { randomBytes } from 'node:crypto';
import type { X509Certificate } from 'node:crypto';
import type { Server, TLSSocket } from 'node:tls';
import type { Clock } from '@phasewire/core';
import type { DeviceIdentity } from '../../pki/device-identity.ts';
import type { RevocationSet } from '../../pki/revocation-set.ts';
import { checkPeer, refusalReason } from '../../tls/peer-check.ts';
import type { RefusalReason } from '../../tls/peer-check.ts';
import { tlsPolicy } from '../../tls/tls-policy.ts';
import { peerCertificateOf } from './peer-certificate.ts';

export interface RefusalEvent {
  readonly reason: RefusalReason;
  /** OpenSSL's verification result or Node's error code, and what was found. */
  readonly detail: string;
  readonly remoteAddress: string | undefined;
  /** The peer certificate's serial, when the refusal came after the handshake. */
  readonly serial?: string;
}

export interface AcceptedPeer {
  readonly device: DeviceIdentity | undefined;
  readonly serial: string;
  readonly resumed: boolean;
  readonly certificate: X509Certificate;
}

export interface ListenerPolicyOptions {
  /** The revocation set to check; read at every handshake, so a new set applies at once. */
  readonly revocations: () => RevocationSet;
  readonly clock?: Clock;
  /** Refuse peers whose certificate names no device (true for meter ingress, the default). */
  readonly requireDevice?: boolean;
  readonly onRefused?: (event: RefusalEvent) => void;
  readonly maxConnectionAgeMs?: number;
  readonly ticketKeyRotationMs?: number;
}

export interface ListenerPolicy {
  /** The checked peer of an accepted socket. */
  peerOf(socket: TLSSocket): AcceptedPeer | undefined;
  /** Closes live connections whose certificate is now revoked; returns how many. */
  enforceRevocations(): number;
  /** Stops the timers (the server's 'close' does it too). */
  stop(): void;
}

const systemClock: Clock = { now: () => Date.now() };

/**
 * Attaches the policy to a server created with `tlsServerOptions`. Its check runs before any
 * 'secureConnection' listener added earlier or later, so the application only gets sockets that
 * passed (a refused one is already destroyed when other listeners run).
 */
export function attachPolicy(server: Server, options: ListenerPolicyOptions): ListenerPolicy {
  const clock = options.clock ?? systemClock;
  const peers = new WeakMap<TLSSocket, AcceptedPeer>();
  const live = new Set<TLSSocket>();
  const report = (event: RefusalEvent): void => options.onRefused?.(event);

  server.on('tlsClientError', (error: Error & { code?: string }, socket: TLSSocket) => {
    // Node rejects a bad client certificate itself after OpenSSL finished (no alert is sent);
    // the verification result is left on the socket as authorizationError.
    // A string at run time (an X509_V_ERR name) although typed as an Error.
    const raw: unknown = socket.authorizationError;
    const verifyError = typeof raw === 'string' ? raw : raw instanceof Error ? raw.message : undefined;
    report({
      reason: refusalReason(error.code, verifyError),
      detail: verifyError ?? error.code ?? error.message,
      remoteAddress: socket.remoteAddress,
    });
    // A tls.Server leaves the socket open after a handshake timeout (only https closes it itself):
    // a client that connects and sends nothing would hold its descriptor for ever.
    socket.destroy();
  });

  server.prependListener('secureConnection', (socket: TLSSocket) => {
    const certificate = socket.getPeerX509Certificate();
    if (certificate === undefined) {
      // Unreachable with tlsServerOptions' mutual authentication; refused all the same.
      report({ reason: 'no-certificate', detail: 'no peer certificate after the handshake', remoteAddress: socket.remoteAddress });
      socket.destroy();
      return;
    }
    const verdict = checkPeer(peerCertificateOf(certificate), {
      revocations: options.revocations(),
      now: clock.now(),
      requireDevice: options.requireDevice ?? true,
    });
    if (!verdict.accepted) {
      report({ reason: verdict.reason, detail: verdict.detail, remoteAddress: socket.remoteAddress, serial: certificate.serialNumber });
      socket.destroy();
      return;
    }
    peers.set(socket, { device: verdict.device, serial: certificate.serialNumber, resumed: socket.isSessionReused(), certificate });
    live.add(socket);
    const age = setTimeout(() => socket.destroy(), options.maxConnectionAgeMs ?? tlsPolicy.maxConnectionAgeMs);
    age.unref();
    socket.once('close', () => {
      clearTimeout(age);
      live.delete(socket);
    });
  });

  const rotation = setInterval(() => { server.setTicketKeys(randomBytes(48)); },
    options.ticketKeyRotationMs ?? tlsPolicy.ticketKeyRotationMs);
  rotation.unref();
  const stop = (): void => { clearInterval(rotation); };
  server.once('close', stop);

  return {
    peerOf: (socket) => peers.get(socket),
    enforceRevocations(): number {
      const revocations = options.revocations();
      let dropped = 0;
      for (const socket of live) {
        const peer = peers.get(socket);
        const entry = peer === undefined ? undefined : revocations.get(peer.serial);
        if (entry === undefined) continue;
        report({
          reason: 'revoked',
          detail: `certificate ${entry.serial} was revoked (${entry.reason}); live session closed`,
          remoteAddress: socket.remoteAddress,
          serial: entry.serial,
        });
        socket.destroy();
        live.delete(socket);
        dropped++;
      }
      return dropped;
    },
    stop,
  };
}
