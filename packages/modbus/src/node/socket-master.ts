// What the socket-based clients (Modbus/TCP and RTU over TCP) share: a reconnecting socket wired to
// a master's link events, the client on top of both, and the wait for the first connection that
// closes the client on failure.
import { TransportError } from '@phasewire/core';
import { ChannelClient, type ModbusChannel } from '../client/modbus-client.ts';
import { nodeTimers } from './node-timers.ts';
import { ReconnectingSocket, type ReconnectOptions } from './reconnecting-socket.ts';

/** What both socket clients take. */
export interface SocketClientOptions extends ReconnectOptions {
  readonly host: string;
  /** Default per-request timeout in ms (1000). */
  readonly timeoutMs?: number;
  /** Requests waiting for the link at most. */
  readonly maxQueued?: number;
}

/** The link events of a master (MbapMaster and RtuMaster both have them). */
export interface SocketMaster {
  linkUp(): void;
  linkDown(reason: string, cause?: unknown): void;
  receive(chunk: Uint8Array): void;
}

/**
 * A reconnecting socket that feeds `holder.master` once it is set: the master needs the socket for
 * its link and the socket needs the master for its events, so one of them is created first.
 */
export function masterSocket(
  options: ReconnectOptions & { readonly host: string; readonly port: number; readonly coalesceWrites?: boolean }, holder: { master?:
    SocketMaster },
): ReconnectingSocket {
  return new ReconnectingSocket({
    ...options,
    onConnect: () => { holder.master?.linkUp(); },
    onData: (chunk) => { holder.master?.receive(chunk); },
    onDisconnect: (reason, error) => { holder.master?.linkDown(reason, error); },
  });
}

/**
 * Waits for the first connection. When the first attempt fails, closes the client and refuses at
 * once, saying why: a refused connection as refused, a connection that did not come within
 * `timeoutMs` as a timeout (a scan of an empty port must not wait out the timeout to say so).
 */
export async function awaitFirstConnection(
  client: { firstAttempt(): Promise<void>; close(): Promise<void> }, timeoutMs: number, what: string,
): Promise<void> {
  let timer: { cancel(): void } | undefined;
  const timedOut = Object.assign(new Error(`no connection within ${timeoutMs} ms`), { code: 'ETIMEDOUT' });
  const timeout = new Promise<never>((_, reject) => {
    timer = nodeTimers.setTimeout(() => { reject(timedOut); }, timeoutMs);
  });
  try {
    await Promise.race([client.firstAttempt(), timeout]);
  } catch (error) {
    await client.close();
    const message = `Cannot connect to ${what}: ${whyNotConnected(error, timeoutMs)}`;
    throw new TransportError('PW_ERR_MODBUS_DISCONNECTED', message, { cause: error });
  } finally {
    timer?.cancel();
  }
}

function whyNotConnected(error: unknown, timeoutMs: number): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ECONNREFUSED') return 'the connection was refused (ECONNREFUSED); expected a server listening on that port';
  if (code === 'ETIMEDOUT') return `no connection within ${timeoutMs} ms (the host did not answer); expected a reachable host`;
  return error instanceof Error ? error.message : String(error);
}

/** A client whose master talks over a reconnecting socket; it owns both. */
export class SocketClient<Stats> extends ChannelClient {
  readonly #master: ModbusChannel & { readonly stats: Readonly<Stats> };
  readonly #socket: ReconnectingSocket;

  protected constructor(master: ModbusChannel & { readonly stats: Readonly<Stats> }, socket: ReconnectingSocket, timeoutMs: number |
    undefined) {
    super(master, timeoutMs === undefined ? {} : { timeoutMs });
    this.#master = master;
    this.#socket = socket;
    socket.start();
  }

  get connected(): boolean {
    return this.#socket.connected;
  }

  get stats(): Readonly<Stats> {
    return this.#master.stats;
  }

  /** Connections made so far; more than one means it has reconnected. */
  get connects(): number {
    return this.#socket.connects;
  }

  /** Resolves when the connection is up (at once if it is). */
  whenConnected(): Promise<void> {
    return this.#socket.whenConnected();
  }

  /** How the first connection attempt ended (see ReconnectingSocket.firstAttempt). */
  firstAttempt(): Promise<void> {
    return this.#socket.firstAttempt();
  }

  override async close(): Promise<void> {
    await super.close();
    await this.#socket.close();
  }
}
