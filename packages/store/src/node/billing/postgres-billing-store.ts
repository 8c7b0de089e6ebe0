// The billing store on PostgreSQL, in a schema of its own (phasewire_billing by default) of the
// database the meter store uses. Every write transaction takes one advisory lock first: billing
// writes are few, and the lock makes an overlap check and the insert after it one step for every
// API server and bill-run worker at once.
import pg from 'pg';
import type { PoolClient } from 'pg';
import { PhasewireError, StoreError, type Clock } from '@phasewire/core';
import type { BillingStore } from '../../billing-state.ts';
import { inPoolTransaction, isIdentifier, types } from '../postgres/postgres-db.ts';
import { lockNamespace, lockPurpose, migratePostgres } from '../postgres/postgres-migrate.ts';
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
    const schema = options.schema ?? 'phasewire_billing';
    if (!isIdentifier(schema))
      throw new StoreError('PW_ERR_STORE_UNAVAILABLE',
        `Cannot open the PostgreSQL billing store in schema ${JSON.stringify(schema)}: expected a lower-case identifier`);
    const clock = options.clock ?? systemClock;
    const pool = new pg.Pool({ connectionString: options.connectionString, max: options.poolSize ?? 4, options: `-c search_path=${schema}`,
      types });
    // As the meter store's pool (postgres-db.ts): an idle client whose server went away emits `error`
    // on the pool, which would end the process unhandled; the pool drops it and the next query reconnects.
    pool.on('error', () => undefined);
    try {
      const client = await pool.connect();
      try {
        await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
        await migratePostgres(client, billingMigrations('postgres').map((m) => ({ ...m, statements: () => m.statements })), clock.now());
      } finally {
        client.release();
      }
    } catch (error) {
      await pool.end();
      if (error instanceof PhasewireError) throw error;
      throw new StoreError('PW_ERR_STORE_UNAVAILABLE',
        `Cannot open the PostgreSQL billing store (schema ${schema}): ${(error as Error).message}`, { cause: error });
    }
    return new SqlBillingStore(new PostgresConnection(pool), clock);
  },
};
