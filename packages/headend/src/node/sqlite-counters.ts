// The head-end's CounterStores in its SQLite database (table `counter`, values as decimal text so
// all 64 bits fit). Two behaviours:
//  - 'deferred' (the uplink replay window): advance() moves the value in memory only; the ingest
//    persists exactly the counters of a group after that group's readings are committed. So a crash
//    between the store commit and the window write lets the redelivered message pass again, and the
//    store's idempotence on (meter, quantity, time) stores nothing twice; a window written before
//    the readings would instead refuse the redelivery as a replay and lose it.
//  - 'immediate' (the downlink sender's reserved blocks): advance() returns a promise that resolves
//    once the value is written (synchronous=FULL); the advances of one turn of the event loop share
//    one transaction, so the first acks to thousands of devices after a restart cost one fsync, not
//    one each. The sender's reservation awaits the promise before it uses a counter of the block.
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { StoreError } from '@phasewire/core';
import type { CounterScope, CounterStore } from '@phasewire/secure';

export interface WindowEntry {
  readonly scope: CounterScope;
  readonly counter: bigint;
}

export class SqliteCounters implements CounterStore {
  readonly #db: DatabaseSync;
  readonly #mode: 'deferred' | 'immediate';
  readonly #memory = new Map<CounterScope, bigint>();
  readonly #durable = new Map<CounterScope, bigint>();
  readonly #upsert: StatementSync;
  readonly #select: StatementSync;
  /** Immediate mode: values waiting for the next group write, and its outcome. */
  #batch = new Map<CounterScope, bigint>();
  #written: Promise<void> | undefined;

  constructor(db: DatabaseSync, mode: 'deferred' | 'immediate') {
    this.#db = db;
    this.#mode = mode;
    this.#upsert = db.prepare('INSERT INTO counter (scope, value) VALUES (?, ?) ON CONFLICT(scope) DO UPDATE SET value = excluded.value');
    this.#select = db.prepare('SELECT value FROM counter WHERE scope = ?');
  }

  #load(scope: CounterScope): bigint {
    let value = this.#durable.get(scope);
    if (value === undefined) {
      const row = this.#select.get(scope);
      value = row === undefined ? 0n : BigInt(String(row['value']));
      this.#durable.set(scope, value);
    }
    return value;
  }

  get(scope: CounterScope): bigint {
    return this.#memory.get(scope) ?? this.#load(scope);
  }

  /** The value last written durably. */
  durable(scope: CounterScope): bigint {
    return this.#load(scope);
  }

  advance(scope: CounterScope, value: bigint): Promise<void> | undefined {
    // A value already covered is durable only once a pending write of its scope is.
    if (value <= this.get(scope)) return this.#batch.has(scope) ? this.#written : undefined;
    this.#memory.set(scope, value);
    if (this.#mode === 'immediate') return this.#writeSoon(scope, value);
    return undefined;
  }

  #writeSoon(scope: CounterScope, value: bigint): Promise<void> {
    this.#batch.set(scope, value);
    this.#written ??= new Promise<void>((resolve, reject) => {
      setImmediate(() => {
        const batch = this.#batch;
        this.#batch = new Map();
        this.#written = undefined;
        try {
          this.persist([...batch].map(([key, counter]) => ({ scope: key, counter })));
          resolve();
        } catch (error) {
          // Nothing of the batch is durable: no counter of it may be used, and a retry starts over.
          for (const key of batch.keys()) this.#memory.delete(key);
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
    });
    return this.#written;
  }

  /** Writes the entries (the highest per scope wins, never lowering a stored value) in one transaction. */
  persist(entries: readonly WindowEntry[]): void {
    const highest = new Map<CounterScope, bigint>();
    for (const { scope, counter } of entries) if (counter > (highest.get(scope) ?? this.#load(scope))) highest.set(scope, counter);
    if (highest.size === 0) return;
    try {
      this.#db.exec('BEGIN IMMEDIATE');
      for (const [scope, value] of highest) this.#upsert.run(scope, value.toString());
      this.#db.exec('COMMIT');
    } catch (error) {
      if (this.#db.isTransaction) this.#db.exec('ROLLBACK');
      throw new StoreError('PW_ERR_COUNTER_STORE',
        `Cannot write ${highest.size} counters to the head-end database: ${(error as Error).message}`, { cause: error });
    }
    for (const [scope, value] of highest) this.#durable.set(scope, value);
  }

  /** After a failed commit: the scopes fall back to their durable values, so the redelivery passes. */
  revert(scopes: Iterable<CounterScope>): void {
    for (const scope of scopes) this.#memory.delete(scope);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
