// A pool on one PostgreSQL schema of its own, migrated on open: what the head-end's and the API's
// state on PostgreSQL (phasewire_headend, phasewire_api) open, beside the readings store's schema
// in the same database. Kept apart from the readings store's tables and files, so that each can
// change its format without the other.
import pg from 'pg';
import type { Pool, PoolClient } from 'pg';
import { PhasewireError, StoreError } from '@phasewire/core';
import { inPoolTransaction, isIdentifier, types } from '../postgres/postgres-db.ts';
import { lockNamespace, lockPurpose, migratePostgres } from '../postgres/postgres-migrate.ts';

export interface PostgresStateOptions {
  readonly connectionString: string;
  /** The schema, created when absent; a lower-case identifier. */
  readonly schema: string;
  readonly poolSize?: number;
}

export interface StateMigration {
  readonly version: number;
  readonly name: string;
  readonly statements: readonly string[];
}

/** Opens a pool whose search_path is `options.schema` and applies `migrations` (under the store's migration lock). */
export async function openStatePool(what: string, options: PostgresStateOptions, migrations: readonly StateMigration[],
  now: number): Promise<Pool> {
  const { schema } = options;
  if (!isIdentifier(schema))
    throw new StoreError('PW_ERR_STORE_UNAVAILABLE', `Cannot open ${what} on PostgreSQL in schema ${JSON.stringify(schema)}: `
      + 'expected a lower-case identifier');
  const pool = new pg.Pool({ connectionString: options.connectionString, max: options.poolSize ?? 4,
    options: `-c search_path=${schema}`, types });
  // As the meter store's pool (postgres-db.ts): an idle client whose server went away emits `error`
  // on the pool, which would end the process unhandled; the pool drops it and the next query reconnects.
  pool.on('error', () => undefined);
  try {
    const client = await pool.connect();
    try {
      // Two workers starting at once would race on CREATE SCHEMA IF NOT EXISTS (a unique violation
      // in pg_namespace): the migration lock (session-level, so migratePostgres takes it once more) covers it too.
      await client.query('SELECT pg_advisory_lock($1, $2)', [lockNamespace, lockPurpose.migrate]);
      try {
        await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
        await migratePostgres(client, migrations.map((m) => ({ ...m, statements: () => m.statements })), now);
      } finally {
        await client.query('SELECT pg_advisory_unlock($1, $2)', [lockNamespace, lockPurpose.migrate]);
      }
    } finally {
      client.release();
    }
  } catch (error) {
    await pool.end();
    if (error instanceof PhasewireError) throw error;
    throw new StoreError('PW_ERR_STORE_UNAVAILABLE', `Cannot open ${what} on PostgreSQL (schema ${schema}): ${(error as Error).message}`,
      { cause: error });
  }
  return pool;
}

/** Runs `work` in one transaction on one connection of `pool`: committed when it resolves, rolled back when it throws. */
export function inStateTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  return inPoolTransaction(pool, work);
}
