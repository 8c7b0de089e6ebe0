// A TCP connection that keeps itself up: it connects, and after any loss (refused, reset, closed
// by the peer, or aborted by its owner on a protocol error) it connects again after a delay that
// doubles from minDelayMs to maxDelayMs, with jitter so that a fleet of clients does not reconnect
// in lockstep after a server restart. Only close() stops it.
import { Socket } from 'node:net';

export interface ReconnectOptions {
  /** First delay after a loss (100 ms). */
  readonly minDelayMs?: number;
  /** Longest delay between attempts (5000 ms). */
  readonly maxDelayMs?: number;
  /** An attempt that has not connected after this long is abandoned and retried (3000 ms). */
  readonly connectTimeoutMs?: number;
}

export interface ReconnectingSocketOptions extends ReconnectOptions {
  readonly host: string;
  readonly port: number;
  readonly onConnect: () => void;
  readonly onData: (chunk: Uint8Array) => void;
  readonly onDisconnect: (reason: string, error: Error | undefined) => void;
  /**
   * Cork the writes of one tick into one writev (true). A client that never has more than one
   * request on the wire gains nothing from it and pays a cork, a tick callback and an uncork per
   * request, so it passes false and its write goes to the socket at once.
   */
  readonly coalesceWrites?: boolean;
}

export class ReconnectingSocket {
  readonly #options: ReconnectingSocketOptions;
  #socket: Socket | undefined;
  #connected = false;
  #closed = false;
  #delayMs: number;
  #retry: NodeJS.Timeout | undefined;
  #waiters: (() => void)[] = [];
  #connects = 0;
  /** How the first attempt ended (undefined while it is under way). */
  #first: { readonly error: Error | undefined } | undefined;
  #firstWaiters: { resolve: () => void; reject: (error: Error) => void }[] = [];
  readonly #readBuffer = Buffer.allocUnsafe(64 * 1024);
  /** The view of the last read's length: answers of one size (polling the same block) reuse it. */
  #view: Uint8Array = new Uint8Array(0);

  /** The first `length` bytes of the read buffer, as a view made once per distinct length in a row. */
  #readView(length: number): Uint8Array {
    if (this.#view.length !== length) this.#view = new Uint8Array(this.#readBuffer.buffer, this.#readBuffer.byteOffset, length);
    return this.#view;
  }

  constructor(options: ReconnectingSocketOptions) {
    this.#options = options;
    this.#delayMs = options.minDelayMs ?? 100;
  }

  get connected(): boolean {
    return this.#connected;
  }

  /** Successful connections so far (the first one included). */
  get connects(): number {
    return this.#connects;
  }

  start(): void {
    this.#attempt();
  }

  /** Resolves at the next moment the socket is connected (at once if it is). */
  whenConnected(): Promise<void> {
    if (this.#connected) return Promise.resolve();
    return new Promise((resolve) => { this.#waiters.push(resolve); });
  }

  /**
   * Resolves when the first attempt connects; rejects with its error when it fails (refused,
   * unreachable, or `code: 'ETIMEDOUT'` after connectTimeoutMs), so that an owner waiting for the
   * first connection can say at once why there is none. The socket keeps reconnecting either way.
   */
  firstAttempt(): Promise<void> {
    const first = this.#first;
    if (first !== undefined) return first.error === undefined ? Promise.resolve() : Promise.reject(first.error);
    return new Promise((resolve, reject) => { this.#firstWaiters.push({ resolve, reject }); });
  }

  #settleFirst(error: Error | undefined): void {
    if (this.#first !== undefined) return;
    this.#first = { error };
    for (const waiter of this.#firstWaiters.splice(0)) {
      if (error === undefined) waiter.resolve(); else waiter.reject(error);
    }
  }

  write(bytes: Uint8Array): void {
    const socket = this.#socket;
    if (socket === undefined || !this.#connected) throw new Error('The socket is not connected');
    if (this.#options.coalesceWrites === false) socket.write(bytes);
    else writeCoalesced(socket, bytes);
  }

  /** Drops the connection because the stream is unusable; a new one follows. */
  abort(error: Error): void {
    this.#socket?.destroy(error);
  }

  close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retry);
    const socket = this.#socket;
    if (socket === undefined || socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      socket.once('close', () => { resolve(); });
      socket.destroy();
    });
  }

  #attempt(): void {
    if (this.#closed) return;
    const { host, port, connectTimeoutMs = 3000 } = this.#options;
    // Reads land in one reused buffer, without a stream 'data' event or an allocation per chunk;
    // the framers copy what they keep.
    const socket = new Socket({
      onread: {
        buffer: this.#readBuffer,
        callback: (length) => {
          this.#options.onData(this.#readView(length));
          return true;
        },
      },
    });
    this.#socket = socket;
    let lastError: Error | undefined;
    socket.setNoDelay(true);
    socket.setTimeout(connectTimeoutMs, () => {
      socket.destroy(Object.assign(new Error(`no connection within ${connectTimeoutMs} ms`), { code: 'ETIMEDOUT' }));
    });
    socket.once('connect', () => {
      socket.setTimeout(0);
      socket.setKeepAlive(true, 10_000);
      this.#connected = true;
      this.#connects++;
      this.#delayMs = this.#options.minDelayMs ?? 100;
      this.#options.onConnect();
      this.#settleFirst(undefined);
      for (const waiter of this.#waiters.splice(0)) waiter();
    });
    socket.on('error', (error) => { lastError = error; });
    socket.once('close', () => {
      const wasConnected = this.#connected;
      this.#connected = false;
      if (this.#socket === socket) this.#socket = undefined;
      const reason = this.#closed ? 'the client was closed'
        : wasConnected ? `the connection to ${host}:${port} was lost` : `cannot connect to ${host}:${port}`;
      if (wasConnected || lastError !== undefined) this.#options.onDisconnect(`${reason}${lastError ? ` (${lastError.message})` : ''}`,
        lastError);
      if (!wasConnected) this.#settleFirst(lastError ?? new Error(reason));
      this.#scheduleRetry();
    });
    socket.connect(port, host);
  }

  #scheduleRetry(): void {
    if (this.#closed) return;
    const maxDelayMs = this.#options.maxDelayMs ?? 5000;
    // ±25 % jitter around the current delay.
    const delay = this.#delayMs * (0.75 + Math.random() * 0.5);
    this.#delayMs = Math.min(this.#delayMs * 2, maxDelayMs);
    this.#retry = setTimeout(() => { this.#attempt(); }, delay);
  }
}

/**
 * Corks the socket until the end of the tick: the requests a pipelining client sends together,
 * or the answers a server finishes together, leave in one writev instead of one system call each.
 */
export function writeCoalesced(socket: Socket, bytes: Uint8Array): void {
  if (socket.writableCorked === 0) {
    socket.cork();
    process.nextTick(() => { socket.uncork(); });
  }
  socket.write(bytes);
}
