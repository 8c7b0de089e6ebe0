// A mutual-TLS listener under the policy: `tlsServerOptions` for the handshake, `attachPolicy` for
// the checks after it. The application handler is called only for peers that passed both.
import { createServer } from 'node:tls';
import type { Server, TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import type { AcceptedPeer, ListenerPolicy, ListenerPolicyOptions } from './listener-policy.ts';
import { attachPolicy } from './listener-policy.ts';
import type { ServerPolicyOptions, TlsIdentity, TlsTrust } from './tls-options.ts';
import { tlsServerOptions } from './tls-options.ts';

export interface PolicyServerOptions extends ListenerPolicyOptions {
  readonly identity: TlsIdentity;
  readonly trust: TlsTrust;
  readonly server?: Omit<ServerPolicyOptions, 'clientAuth'>;
}

export interface PolicyServer {
  readonly server: Server;
  readonly policy: ListenerPolicy;
  /** Listens (port 0: the OS picks) and resolves with the port. */
  listen(port?: number, host?: string): Promise<number>;
  /**
   * Installs a new trust set (a fresh CRL, a renewed CA) and, with it, a new identity if given.
   * New handshakes use it; ticket keys are kept, so sessions still resume.
   */
  update(trust: TlsTrust, identity?: TlsIdentity): void;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
}

export function createPolicyServer(options: PolicyServerOptions, onConnection: (socket: TLSSocket, peer: AcceptedPeer) => void): PolicyServer {
  let identity = options.identity;
  const server = createServer(tlsServerOptions(identity, options.trust, options.server));
  const policy = attachPolicy(server, options);
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
    listen: (port = 0, host = '127.0.0.1') => new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve((server.address() as AddressInfo).port);
      });
    }),
    update(trust: TlsTrust, next?: TlsIdentity): void {
      identity = next ?? identity;
      server.setSecureContext({ ...tlsServerOptions(identity, trust, options.server), ticketKeys: server.getTicketKeys() });
    },
    close: () => new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => { resolve(); });
    }),
  };
}
