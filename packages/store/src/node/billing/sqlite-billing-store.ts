// The billing store on node:sqlite, in a file of its own (billing.db beside phasewire.db): WAL with
// synchronous=FULL, as the meter store. node:sqlite is synchronous and the store holds one
// connection, so statements and transactions are queued one after another: a transaction's awaits
// never let another statement into it.
import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import { PhasewireError, StoreError, type Clock } from '@phasewire/core';
import type { BillingStore } from '../../billing-state.ts';
import { openPrivateDatabase } from '../private-database.ts';
import { migrateSqlite } from '../sqlite/sqlite-migrate.ts';
import { systemClock } from '../system-clock.ts';
import { billingMigrations } from './billing-schema.ts';
import { SqlBillingStore, type SqlConnection, type SqlRunner, type SqlValue } from './sql-billing-store.ts';

export interface SqliteBillingStoreOptions {
  readonly path: string;
  readonly clock?: Clock;
}

/** One node:sqlite connection as an SqlConnection (the campaign store runs on it too). */
export class SqliteConnection implements SqlConnection {
  readonly kind = 'SQLite';
  readonly #db: DatabaseSync;
  #tail: Promise<unknown> = Promise.resolve();
  /** Prepared statements by their text: a bill run writes the same few statements thousands of times. */
  readonly #statements = new Map<string, StatementSync>();

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  #prepared(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  #runner(): SqlRunner {
    return {
      all: <R>(sql: string, params: readonly SqlValue[] = []): Promise<R[]> =>
        Promise.resolve(this.#prepared(sql).all(...(params as SQLInputValue[])) as R[]),
      run: (sql: string, params: readonly SqlValue[] = []): Promise<number> =>
        Promise.resolve(Number(this.#prepared(sql).run(...(params as SQLInputValue[])).changes)),
    };
  }

  #queued<T>(work: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(work, work);
    this.#tail = result.catch(() => undefined);
    return result;
  }

  all<R>(sql: string, params?: readonly SqlValue[]): Promise<R[]> {
    return this.#queued(() => this.#runner().all<R>(sql, params));
  }

  run(sql: string, params?: readonly SqlValue[]): Promise<number> {
    return this.#queued(() => this.#runner().run(sql, params));
  }

  transaction<T>(work: (tx: SqlRunner) => Promise<T>): Promise<T> {
    return this.#queued(async () => {
      this.#db.exec('BEGIN IMMEDIATE');
      try {
        const result = await work(this.#runner());
        this.#db.exec('COMMIT');
        return result;
      } catch (error) {
        if (this.#db.isTransaction) this.#db.exec('ROLLBACK');
        throw error;
      }
    });
  }

  close(): Promise<void> {
    return this.#queued(() => { this.#db.close(); return Promise.resolve(); });
  }
}

export const SqliteBillingStore = {
  open(options: SqliteBillingStoreOptions): Promise<BillingStore> {
    const clock = options.clock ?? systemClock;
    let db: DatabaseSync | undefined;
    try {
      db = openPrivateDatabase(options.path);
      db.exec('PRAGMA journal_mode = WAL');
      db.exec('PRAGMA synchronous = FULL');
      db.exec('PRAGMA busy_timeout = 5000');
      migrateSqlite(db, billingMigrations('sqlite'), clock.now());
      return Promise.resolve(new SqlBillingStore(new SqliteConnection(db), clock));
    } catch (error) {
      db?.close();
      return Promise.reject(error instanceof PhasewireError ? error : new StoreError('PW_ERR_STORE_UNAVAILABLE',
        `Cannot open the SQLite billing store at ${options.path}: ${(error as Error).message}`, { cause: error }));
    }
  },
};
