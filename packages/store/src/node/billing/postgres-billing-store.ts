// The billing store on PostgreSQL, in a schema of its own (phasewire_billing by default) of the
// database the meter store uses. Every write transaction takes one advisory lock first: billing
// writes are few, and the lock makes an overlap check and the insert after it one step for every
// API server and bill-run worker at once.
import type pg from 'pg';
import type { PoolClient } from 'pg';
import type { Clock } from '@phasewire/core';
import type { BillingStore } from '../../billing-state.ts';
import { inPoolTransaction } from '../postgres/postgres-db.ts';
import { lockNamespace, lockPurpose } from '../postgres/postgres-migrate.ts';
import { openStatePool } from '../state/postgres-state.ts';
import { systemClock } from '../system-clock.ts';
import { billingMigrations } from './billing-schema.ts';
import { SqlBillingStore, type SqlConnection, type SqlRunner, type SqlValue } from './sql-billing-store.ts';

export interface PostgresBillingStoreOptions {
  readonly connectionString: string;
  /** Default `phasewire_billing`; created when absent. */
  readonly schema?: string;
  readonly poolSize?: number;
  readonly clock?: Clock;
}

/** `?` placeholders as `$1, $2, …` (no statement here has a `?` inside a literal). */
const numbered = (sql: string): string => { let n = 0; return sql.replace(/\?/g, () => `$${++n}`); };

const runnerOf = (client: pg.Pool | PoolClient): SqlRunner => ({
  all: async <R>(sql: string, params: readonly SqlValue[] = []): Promise<R[]> =>
    (await client.query(numbered(sql), params as SqlValue[])).rows as R[],
  run: async (sql: string, params: readonly SqlValue[] = []): Promise<number> =>
    (await client.query(numbered(sql), params as SqlValue[])).rowCount ?? 0,
});

/** A pool as an SqlConnection whose write transactions take advisory lock `purpose` (the campaign store runs on it too). */
export class PostgresConnection implements SqlConnection {
  readonly kind = 'PostgreSQL';
  readonly #pool: pg.Pool;
  readonly #runner: SqlRunner;
  readonly #purpose: number;

  constructor(pool: pg.Pool, purpose: number = lockPurpose.billing) {
    this.#pool = pool;
    this.#runner = runnerOf(pool);
    this.#purpose = purpose;
  }

  all<R>(sql: string, params?: readonly SqlValue[]): Promise<R[]> {
    return this.#runner.all<R>(sql, params);
  }

  run(sql: string, params?: readonly SqlValue[]): Promise<number> {
    return this.#runner.run(sql, params);
  }

  transaction<T>(work: (tx: SqlRunner) => Promise<T>): Promise<T> {
    return inPoolTransaction(this.#pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1, $2)', [lockNamespace, this.#purpose]);
      return work(runnerOf(client));
    });
  }

  close(): Promise<void> {
    return this.#pool.end();
  }
}

export const PostgresBillingStore = {
  async open(options: PostgresBillingStoreOptions): Promise<BillingStore> {
    const clock = options.clock ?? systemClock;
    // Its own schema, created and migrated under the migration lock (two processes may open it at once).
    const pool = await openStatePool('the billing store', { connectionString: options.connectionString,
      schema: options.schema ?? 'phasewire_billing', ...(options.poolSize === undefined ? {} : { poolSize: options.poolSize }) },
    billingMigrations('postgres'), clock.now());
    return new SqlBillingStore(new PostgresConnection(pool), clock);
  },
};
