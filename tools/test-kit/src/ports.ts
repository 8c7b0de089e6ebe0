// Loopback ports for peers that take a port number on their command line.
import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Peer } from './peer.ts';

/** A loopback port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  server.close();
  await once(server, 'close');
  return port;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => { socket.destroy(); resolve(false); });
  });
}

/**
 * Resolves once something accepts connections on 127.0.0.1:`port`. Given the peer that should
 * listen there, it fails at once when that peer has exited, with what it printed.
 */
export async function waitForPort(
  port: number,
  options: { readonly timeoutMs?: number; readonly peer?: Peer; readonly name?: string } = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const who = options.name ?? 'the peer';
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await accepts(port)) return;
    if (options.peer !== undefined && !options.peer.running()) {
      throw new Error(`Nothing listens on 127.0.0.1:${port}: ${who} exited; it printed: ${options.peer.output().trim().slice(-2000)}`);
    }
    if (Date.now() > deadline) {
      throw new Error(`Nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms: waited for ${who} to listen there`);
    }
    await sleep(50);
  }
}
