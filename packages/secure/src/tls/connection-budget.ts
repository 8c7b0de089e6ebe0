// How many connections a listener holds open at once, in total and per remote address, counted from
// the moment the TCP connection is accepted (before any TLS byte). A client that never finishes its
// handshake holds a file descriptor until the handshake timeout; without these limits, idle TCP
// connections from one address exhaust the process's descriptors and starve every other listener.
// Pure: the Node adapter (node/tls/connection-gate.ts) accepts, asks and releases.

export interface ConnectionLimits {
  /** Connections open at once on the listener, all addresses together. */
  readonly maxConnections: number;
  /** Connections open at once from one remote address. */
  readonly maxPerAddress: number;
}

export type ConnectionLimit = 'total' | 'per-address';

export type Admission =
  | { readonly admitted: true }
  | { readonly admitted: false; readonly limit: ConnectionLimit; readonly open: number };

export class ConnectionBudget {
  readonly limits: ConnectionLimits;
  readonly #byAddress = new Map<string, number>();
  #open = 0;

  constructor(limits: ConnectionLimits) {
    this.limits = limits;
  }

  /** Connections admitted and not yet released. */
  get open(): number {
    return this.#open;
  }

  /** Connections admitted from `address` and not yet released. */
  openFrom(address: string): number {
    return this.#byAddress.get(address) ?? 0;
  }

  /** Takes one connection from `address`, or says which limit refuses it. */
  admit(address: string): Admission {
    const fromAddress = this.openFrom(address);
    if (this.#open >= this.limits.maxConnections) return { admitted: false, limit: 'total', open: this.#open };
    if (fromAddress >= this.limits.maxPerAddress) return { admitted: false, limit: 'per-address', open: fromAddress };
    this.#open += 1;
    this.#byAddress.set(address, fromAddress + 1);
    return { admitted: true };
  }

  /** Gives back a connection admitted from `address`. */
  release(address: string): void {
    const fromAddress = this.openFrom(address);
    if (fromAddress === 0) return;
    this.#open -= 1;
    if (fromAddress === 1) this.#byAddress.delete(address);
    else this.#byAddress.set(address, fromAddress - 1);
  }
}

/** What a listener allows when not told otherwise (docs/security-pki.md, "Connection limits"). */
export const defaultConnectionLimits: ConnectionLimits = { maxConnections: 10_000, maxPerAddress: 100 };
