// The Node side of the connection budget: a plain TCP listener in front of a TLS (or HTTPS) server.
// It counts each accepted connection against the budget before the TLS server sees it; one over a
// limit is closed at once, and only admitted ones are handed to the TLS server, which Node lets an
// application do by emitting 'connection' on it (the tls.Server 'connection' event, documented for
// injecting streams). The count is given back when the TCP connection closes, however it ends.
import { createServer } from 'node:net';
import type { AddressInfo, Server as NetServer, Socket } from 'node:net';
import { ConnectionBudget } from '../../tls/connection-budget.ts';
import type { ConnectionLimit, ConnectionLimits } from '../../tls/connection-budget.ts';

export interface LimitEvent {
  readonly limit: ConnectionLimit;
  readonly remoteAddress: string;
  /** Connections open when this one was refused: on the listener ('total') or from the address. */
  readonly open: number;
  readonly limits: ConnectionLimits;
}

export interface ConnectionGate {
  readonly budget: ConnectionBudget;
  /** Listens (port 0: the OS picks) and resolves with the port. */
  listen(port: number, host: string): Promise<number>;
  /** Whether the TCP listener accepts connections (the TLS server behind it is never listened itself). */
  readonly listening: boolean;
  /** Stops accepting and closes every connection it admitted, in the handshake or after it. */
  close(): Promise<void>;
}

/** Puts `server` (never listened itself) behind a TCP listener that enforces `limits`. */
export function gateConnections(server: NetServer, limits: ConnectionLimits, onLimited?: (event: LimitEvent) => void): ConnectionGate {
  const budget = new ConnectionBudget(limits);
  const admitted = new Set<Socket>();
  const front = createServer((socket: Socket) => {
    // A socket whose peer has gone already has no address; it holds nothing, so it is just closed.
    const address = socket.remoteAddress;
    if (address === undefined) {
      socket.destroy();
      return;
    }
    const admission = budget.admit(address);
    if (!admission.admitted) {
      socket.destroy();
      onLimited?.({ limit: admission.limit, remoteAddress: address, open: admission.open, limits });
      return;
    }
    admitted.add(socket);
    socket.once('close', () => {
      admitted.delete(socket);
      budget.release(address);
    });
    server.emit('connection', socket);
  });
  return {
    budget,
    get listening() { return front.listening; },
    listen: (port, host) => new Promise((resolve, reject) => {
      front.once('error', reject);
      front.listen(port, host, () => {
        front.off('error', reject);
        resolve((front.address() as AddressInfo).port);
      });
    }),
    close: () => new Promise((resolve) => {
      // The TLS server was never listened: its 'close' (which stops the policy's timers) is emitted here.
      front.close(() => { server.close(() => { resolve(); }); });
      for (const socket of admitted) socket.destroy();
    }),
  };
}
