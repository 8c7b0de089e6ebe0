// The head-end's CounterStores (secure's port, which the envelope receiver and sender use) over its
// CounterTable (SQLite or PostgreSQL, counter-table.ts), with the values in memory. Two behaviours:
//  - 'deferred' (the uplink replay window): advance() moves the value in memory only; the ingest
//    persists the counters of a group after that group's readings are committed (a claim: the
//    entries it returns are the ones no other worker had). So a crash between the store commit and
//    the window write lets the redelivered message pass again, and the store's idempotence on
//    (meter, quantity, time) stores nothing twice; a window written before the readings would
//    instead refuse the redelivery as a replay and lose it.
//  - 'immediate' (the downlink sender's reserved blocks): reserve() resolves once the block is
//    written; the reservations of one turn of the event loop share one transaction, so the first
//    acks to thousands of devices after a restart cost one fsync, not one each. The block comes from
//    the table (max(stored, from − 1) + size), so workers sharing a table never seal with one counter.
// In memory a scope's value is read from the table once (at once on SQLite; on PostgreSQL as 0 until
// a claim or reservation tells it, which is safe: there the claim decides, not the memory).
import { StoreError } from '@phasewire/core';
import type { CounterScope, CounterStore } from '@phasewire/secure';
import type { CounterEntry, CounterReserve, CounterTable } from '../counter-table.ts';

/** One counter of a committed message (the table's CounterEntry). */
export type WindowEntry = CounterEntry;

/** A table that can also be read synchronously (SQLite). */
interface ReadNow {
  readNow?(scope: CounterScope): bigint;
}

export class HeadEndCounters implements CounterStore {
  readonly #table: CounterTable & ReadNow;
  readonly #mode: 'deferred' | 'immediate';
  readonly #memory = new Map<CounterScope, bigint>();
  readonly #durable = new Map<CounterScope, bigint>();
  /** Immediate mode: reservations waiting for the next group write, and its outcome. */
  #batch: { request: CounterReserve; resolve: (value: bigint) => void; reject: (error: Error) => void }[] = [];
  #scheduled = false;
  /** Immediate mode: the write that makes each scope's advanced value durable. */
  readonly #pending = new Map<CounterScope, Promise<void>>();

  constructor(table: CounterTable, mode: 'deferred' | 'immediate') {
    this.#table = table;
    this.#mode = mode;
  }

  /** Whether other processes write the same table (the ingest then claims before it acknowledges). */
  get shared(): boolean {
    return this.#table.shared;
  }

  #load(scope: CounterScope): bigint {
    let value = this.#durable.get(scope);
    if (value === undefined) {
      value = this.#table.readNow?.(scope) ?? 0n;
      this.#durable.set(scope, value);
    }
    return value;
  }

  #raiseDurable(scope: CounterScope, value: bigint): void {
    if (value > this.#load(scope)) this.#durable.set(scope, value);
  }

  get(scope: CounterScope): bigint {
    return this.#memory.get(scope) ?? this.#load(scope);
  }

  /** The value last known durable. */
  durable(scope: CounterScope): bigint {
    return this.#load(scope);
  }

  advance(scope: CounterScope, value: bigint): Promise<void> | undefined {
    // A value already covered is durable only once a pending write of its scope is.
    if (value <= this.get(scope)) return this.#pending.get(scope);
    this.#memory.set(scope, value);
    if (this.#mode === 'deferred') return undefined;
    const written = this.reserve(scope, value + 1n, 0n).then(() => undefined);
    this.#pending.set(scope, written);
    const settled = (): void => { if (this.#pending.get(scope) === written) this.#pending.delete(scope); };
    written.then(settled, settled);
    return written;
  }

  reserve(scope: CounterScope, from: bigint, size: bigint): Promise<bigint> {
    return new Promise((resolve, reject) => {
      this.#batch.push({ request: { scope, from, size }, resolve, reject });
      if (this.#scheduled) return;
      this.#scheduled = true;
      setImmediate(() => { void this.#writeBatch(); });
    });
  }

  async #writeBatch(): Promise<void> {
    const batch = this.#batch;
    this.#batch = [];
    this.#scheduled = false;
    try {
      const values = await this.#table.reserve(batch.map((item) => item.request));
      batch.forEach((item, i) => {
        const value = values[i] ?? 0n;
        this.#raiseDurable(item.request.scope, value);
        if (value > this.get(item.request.scope)) this.#memory.set(item.request.scope, value);
        item.resolve(value);
      });
    } catch (error) {
      // Nothing of the batch is durable: no counter of it may be used, and a retry starts over.
      for (const item of batch) this.#memory.delete(item.request.scope);
      const failure = error instanceof StoreError ? error
        : new StoreError('PW_ERR_COUNTER_STORE', `Cannot reserve ${batch.length} counter blocks: ${(error as Error).message}`,
          { cause: error });
      for (const item of batch) item.reject(failure);
    }
  }

  /**
   * Claims the entries in the table (one transaction; the highest per scope wins, never lowering a
   * stored value) and resolves with those that were not claimed before, by this or another worker.
   */
  async persist(entries: readonly WindowEntry[]): Promise<WindowEntry[]> {
    const won = await this.#table.claim(entries);
    // Every entry's scope is at least at its counter now, claimed here or elsewhere.
    for (const { scope, counter } of entries) this.#raiseDurable(scope, counter);
    return won;
  }

  /** After a failed commit: the scopes fall back to their durable values, so the redelivery passes. */
  revert(scopes: Iterable<CounterScope>): void {
    for (const scope of scopes) this.#memory.delete(scope);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
