// Shared by the TLS tests and the handshake benchmark: a policy listener on loopback that records
// what it refused and every application byte it accepted, and a client attempt that reports how
// the handshake ended.
import { connect } from 'node:tls';
import type { ConnectionOptions, TLSSocket } from 'node:tls';
import type { AcceptedPeer, RefusalEvent } from '../node/tls/listener-policy.ts';
import type { PolicyServer, PolicyServerOptions } from '../node/tls/policy-server.ts';
import { createPolicyServer } from '../node/tls/policy-server.ts';

export interface RecordingServer {
  readonly server: PolicyServer;
  readonly port: number;
  readonly refusals: RefusalEvent[];
  readonly accepted: AcceptedPeer[];
  /** Application bytes the handler received, all connections together. */
  received(): number;
  /** Resolves with the next refusal (or one already recorded since the last `reset`). */
  nextRefusal(): Promise<RefusalEvent>;
  reset(): void;
  close(): Promise<void>;
}

/** A policy listener that answers every accepted connection with "ok\n" and counts what it receives. */
export async function startRecordingServer(options: Omit<PolicyServerOptions, 'onRefused'>): Promise<RecordingServer> {
  const refusals: RefusalEvent[] = [];
  const accepted: AcceptedPeer[] = [];
  let bytes = 0;
  let waiting: ((event: RefusalEvent) => void) | undefined;
  let seen = 0;
  const server = createPolicyServer({
    ...options,
    onRefused: (event) => {
      refusals.push(event);
      const resolve = waiting;
      waiting = undefined;
      if (resolve !== undefined) {
        seen = refusals.length;
        resolve(event);
      }
    },
  }, (socket, peer) => {
    accepted.push(peer);
    socket.on('data', (chunk: Buffer) => { bytes += chunk.length; });
    socket.on('error', () => undefined);
    socket.write('ok\n');
  });
  const port = await server.listen(0, '127.0.0.1');
  return {
    server,
    port,
    refusals,
    accepted,
    received: () => bytes,
    nextRefusal: () => new Promise((resolve) => {
      const next = refusals[seen];
      if (next !== undefined) {
        seen += 1;
        resolve(next);
      } else {
        waiting = resolve;
      }
    }),
    reset() {
      refusals.length = 0;
      accepted.length = 0;
      seen = 0;
      bytes = 0;
    },
    close: () => server.close(),
  };
}

export interface AttemptResult {
  /** The client saw its side of the handshake complete (in TLS 1.3 that precedes the server's verdict). */
  readonly secureConnect: boolean;
  /** The client's error code, if the connection failed with one. */
  readonly errorCode: string | undefined;
  /** What the server sent after accepting: "ok\n" for an accepted peer. */
  readonly reply: string;
  readonly protocol: string | null;
  readonly cipher: string | undefined;
  readonly group: string | undefined;
  readonly resumed: boolean;
  readonly session: Buffer | undefined;
}

/**
 * Connects, writes `payload` as soon as the client's side of the handshake is done, and waits for
 * the connection to end (the server closes refused peers; accepted ones are closed after "ok").
 */
export function attempt(options: ConnectionOptions, payload = 'reading 1\n'): Promise<AttemptResult> {
  return new Promise((resolve) => {
    let secureConnect = false;
    let errorCode: string | undefined;
    let reply = '';
    let session: Buffer | undefined;
    let protocol: string | null = null;
    let cipher: string | undefined;
    let group: string | undefined;
    let resumed = false;
    const socket: TLSSocket = connect({ host: '127.0.0.1', ...options }, () => {
      secureConnect = true;
      protocol = socket.getProtocol();
      cipher = socket.getCipher().standardName;
      const key = socket.getEphemeralKeyInfo();
      group = key !== null && 'name' in key ? String(key.name) : undefined;
      resumed = socket.isSessionReused();
      socket.write(payload);
    });
    socket.on('session', (data: Buffer) => { session = data; });
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString();
      if (reply.includes('\n')) socket.end();
    });
    socket.on('error', (error: Error & { code?: string }) => { errorCode ??= error.code ?? error.message; });
    socket.on('close', () => {
      resolve({ secureConnect, errorCode, reply, protocol, cipher, group, resumed, session });
    });
  });
}
