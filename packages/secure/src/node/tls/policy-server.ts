// A mutual-TLS listener under the policy: the connection gate for the number of connections open
// (in total and per address, counted before TLS), `tlsServerOptions` for the handshake,
// `attachPolicy` for the checks after it. The application handler is called only for peers that
// passed all three.
import { createServer } from 'node:tls';
import type { Server, TLSSocket } from 'node:tls';
import { defaultConnectionLimits } from '../../tls/connection-budget.ts';
import type { ConnectionBudget, ConnectionLimits } from '../../tls/connection-budget.ts';
import { gateConnections } from './connection-gate.ts';
import type { LimitEvent } from './connection-gate.ts';
import type { AcceptedPeer, ListenerPolicy, ListenerPolicyOptions } from './listener-policy.ts';
import { attachPolicy } from './listener-policy.ts';
import type { ServerPolicyOptions, TlsIdentity, TlsTrust } from './tls-options.ts';
import { tlsServerOptions } from './tls-options.ts';

export interface PolicyServerOptions extends ListenerPolicyOptions {
  readonly identity: TlsIdentity;
  readonly trust: TlsTrust;
  readonly server?: Omit<ServerPolicyOptions, 'clientAuth'>;
  /** Connections open at once, from the TCP accept on (default `defaultConnectionLimits`). */
  readonly limits?: ConnectionLimits;
  /** Told of every connection closed at accept because a limit was reached. */
  readonly onLimited?: (event: LimitEvent) => void;
}

export interface PolicyServer {
  readonly server: Server;
  readonly policy: ListenerPolicy;
  /** The connections open now (admitted by the gate, not yet closed). */
  readonly budget: ConnectionBudget;
  /** Listens (port 0: the OS picks) and resolves with the port. */
  listen(port?: number, host?: string): Promise<number>;
  /** Whether it accepts connections (`server` itself is never listened: a gate in front of it is). */
  readonly listening: boolean;
  /**
   * Installs a new trust set (a fresh CRL, a renewed CA) and, with it, a new identity if given.
   * New handshakes use it; ticket keys are kept, so sessions still resume.
   */
  update(trust: TlsTrust, identity?: TlsIdentity): void;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
}

export function createPolicyServer(
  options: PolicyServerOptions,
  onConnection: (socket: TLSSocket, peer: AcceptedPeer) => void,
): PolicyServer {
  let identity = options.identity;
  const server = createServer(tlsServerOptions(identity, options.trust, options.server));
  const policy = attachPolicy(server, options);
  const gate = gateConnections(server, options.limits ?? defaultConnectionLimits, options.onLimited);
  const sockets = new Set<TLSSocket>();
  server.on('secureConnection', (socket: TLSSocket) => {
    const peer = policy.peerOf(socket);
    if (socket.destroyed || peer === undefined) return;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    onConnection(socket, peer);
  });
  return {
    server,
    policy,
    budget: gate.budget,
    get listening() { return gate.listening; },
    listen: (port = 0, host = '127.0.0.1') => gate.listen(port, host),
    update(trust: TlsTrust, next?: TlsIdentity): void {
      identity = next ?? identity;
      server.setSecureContext({ ...tlsServerOptions(identity, trust, options.server), ticketKeys: server.getTicketKeys() });
    },
    close: () => {
      const closing = gate.close();
      for (const socket of sockets) socket.destroy();
      return closing;
    },
  };
}
