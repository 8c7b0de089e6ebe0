// The CounterTable in the head-end's SQLite database (table `counter` of headend.db, values as
// decimal text so all 64 bits fit). Each claim and reserve is one BEGIN IMMEDIATE transaction, so
// it is a compare-and-set against any other connection to the file as well; the head-end holds the
// file alone (one process), which is why `shared` is false and the ingest may write its window
// after the readings, in batches (ingest.ts).
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { StoreError } from '@phasewire/core';
import type { CounterScope } from '@phasewire/secure';
import { byScopeThenCounter } from '../counter-table.ts';
import type { CounterEntry, CounterReserve, CounterTable } from '../counter-table.ts';

export class SqliteCounterTable implements CounterTable {
  readonly kind = 'SQLite';
  readonly shared = false;
  readonly #db: DatabaseSync;
  readonly #upsert: StatementSync;
  readonly #select: StatementSync;

  /** `db`: the head-end database (openHeadEndDatabase), which has the `counter` table. */
  constructor(db: DatabaseSync) {
    this.#db = db;
    this.#upsert = db.prepare('INSERT INTO counter (scope, value) VALUES (?, ?) ON CONFLICT(scope) DO UPDATE SET value = excluded.value');
    this.#select = db.prepare('SELECT value FROM counter WHERE scope = ?');
  }

  /** The stored value, read at once (the head-end's default path stays synchronous). */
  readNow(scope: CounterScope): bigint {
    const row = this.#select.get(scope);
    return row === undefined ? 0n : BigInt(String(row['value']));
  }

  read(scopes: readonly CounterScope[]): Promise<Map<CounterScope, bigint>> {
    try {
      return Promise.resolve(new Map(scopes.map((scope) => [scope, this.readNow(scope)])));
    } catch (error) {
      return Promise.reject(this.#failed(`read ${scopes.length} counters`, error));
    }
  }

  claim(entries: readonly CounterEntry[]): Promise<CounterEntry[]> {
    try {
      return Promise.resolve(this.claimNow(entries));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** claim, synchronously. */
  claimNow(entries: readonly CounterEntry[]): CounterEntry[] {
    if (entries.length === 0) return [];
    return this.#transaction(`write ${entries.length} counters`, () => {
      const values = new Map<CounterScope, bigint>();
      const won: CounterEntry[] = [];
      for (const entry of byScopeThenCounter(entries)) {
        const value = values.get(entry.scope) ?? this.readNow(entry.scope);
        if (entry.counter <= value) { values.set(entry.scope, value); continue; }
        values.set(entry.scope, entry.counter);
        won.push(entry);
      }
      const last = new Map(won.map((entry) => [entry.scope, entry.counter]));
      for (const [scope, value] of last) this.#upsert.run(scope, value.toString());
      return won;
    });
  }

  reserve(requests: readonly CounterReserve[]): Promise<bigint[]> {
    try {
      return Promise.resolve(this.reserveNow(requests));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** reserve, synchronously. */
  reserveNow(requests: readonly CounterReserve[]): bigint[] {
    if (requests.length === 0) return [];
    return this.#transaction(`reserve ${requests.length} counter blocks`, () => requests.map(({ scope, from, size }) => {
      const stored = this.readNow(scope);
      const value = (stored > from - 1n ? stored : from - 1n) + size;
      if (value !== stored) this.#upsert.run(scope, value.toString());
      return value;
    }));
  }

  #transaction<T>(what: string, work: () => T): T {
    try {
      this.#db.exec('BEGIN IMMEDIATE');
      const result = work();
      this.#db.exec('COMMIT');
      return result;
    } catch (error) {
      if (this.#db.isTransaction) this.#db.exec('ROLLBACK');
      throw this.#failed(what, error);
    }
  }

  #failed(what: string, error: unknown): StoreError {
    return new StoreError('PW_ERR_COUNTER_STORE', `Cannot ${what} in the head-end database: ${(error as Error).message}`, { cause: error });
  }

  /** The database belongs to its opener (the registry and the rest of headend.db share it). */
  close(): Promise<void> {
    return Promise.resolve();
  }
}
