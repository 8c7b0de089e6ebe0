// The live feed (`GET /api/v1/live`, WebSocket): parses messages, keeps the subscription the view
// asked for, and reconnects with a capped backoff when the connection drops (a server restart or
// a laptop waking up), re-sending the subscription each time. When the server closes the socket
// because the session behind it ended (close code 4401, docs/api.md), it does not reconnect: the
// cookie would be refused; it says so through `onEnded` and the shell asks the user to sign in.
import type { LiveMessage } from '@phasewire/api';

/** The part of the browser's WebSocket the feed uses, so tests can hand in a fake. */
export interface SocketLike {
  onopen: ((ev: Event) => unknown) | null;
  onmessage: ((ev: MessageEvent) => unknown) | null;
  onclose: ((ev: CloseEvent) => unknown) | null;
  readonly readyState: number;
  send(data: string): void;
  close(): void;
}

export interface LiveOptions {
  readonly connect: () => SocketLike;
  readonly onMessage: (message: LiveMessage) => void;
  readonly onStatus?: (connected: boolean) => void;
  /** The server ended the feed because the session ended; the text is the server's reason. */
  readonly onEnded?: (reason: string) => void;
  /** Schedules a reconnect; returns a cancel function (setTimeout in the browser). */
  readonly schedule: (fn: () => void, ms: number) => () => void;
}

const openState = 1; // WebSocket.OPEN (WHATWG HTML §9.3)
const firstDelayMs = 500;
const maxDelayMs = 15_000;
/** The server's close code for "the session or token behind this socket has ended" (docs/api.md, Live feed). */
export const sessionEndedCloseCode = 4401;

/** A message of the live feed, or undefined for anything else (never throws). */
export function parseLiveMessage(text: unknown): LiveMessage | undefined {
  if (typeof text !== 'string') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const m = value as Record<string, unknown>;
  switch (m['type']) {
    case 'reading':
      return typeof m['meter'] === 'string' && typeof m['at'] === 'string' && typeof m['values'] === 'object' && m['values'] !== null
        ? (value as LiveMessage) : undefined;
    case 'meter':
      return typeof m['meter'] === 'string' && typeof m['online'] === 'boolean' ? (value as LiveMessage) : undefined;
    case 'alarm':
      return typeof m['alarm'] === 'object' && m['alarm'] !== null && typeof (m['alarm'] as Record<string, unknown>)['id'] === 'string'
        ? (value as LiveMessage) : undefined;
    default:
      return undefined;
  }
}

export class LiveFeed {
  readonly #options: LiveOptions;
  #socket: SocketLike | undefined;
  #meters: readonly string[] | '*' = '*';
  #delay = firstDelayMs;
  #cancelRetry: (() => void) | undefined;
  #stopped = false;

  constructor(options: LiveOptions) {
    this.#options = options;
  }

  start(): void {
    this.#stopped = false;
    this.#open();
  }

  stop(): void {
    this.#stopped = true;
    this.#cancelRetry?.();
    this.#cancelRetry = undefined;
    const socket = this.#socket;
    this.#socket = undefined;
    socket?.close();
  }

  /** Narrows readings to these meters ('*' for all); kept across reconnects. */
  subscribe(meters: readonly string[] | '*'): void {
    this.#meters = meters;
    this.#sendSubscription();
  }

  #sendSubscription(): void {
    const socket = this.#socket;
    if (socket?.readyState === openState) socket.send(JSON.stringify({ type: 'subscribe', meters: this.#meters }));
  }

  #open(): void {
    if (this.#stopped) return;
    let socket: SocketLike;
    try {
      socket = this.#options.connect();
    } catch {
      this.#retry();
      return;
    }
    this.#socket = socket;
    socket.onopen = () => {
      this.#delay = firstDelayMs;
      this.#options.onStatus?.(true);
      this.#sendSubscription();
    };
    socket.onmessage = (event) => {
      const message = parseLiveMessage(event.data);
      if (message !== undefined) this.#options.onMessage(message);
    };
    socket.onclose = (event) => {
      if (this.#socket !== socket) return;
      this.#socket = undefined;
      this.#options.onStatus?.(false);
      if (event.code === sessionEndedCloseCode) {
        this.#stopped = true;
        this.#options.onEnded?.(event.reason);
        return;
      }
      this.#retry();
    };
  }

  #retry(): void {
    if (this.#stopped) return;
    const delay = this.#delay;
    this.#delay = Math.min(maxDelayMs, this.#delay * 2);
    this.#cancelRetry = this.#options.schedule(() => {
      this.#cancelRetry = undefined;
      this.#open();
    }, delay);
  }
}
