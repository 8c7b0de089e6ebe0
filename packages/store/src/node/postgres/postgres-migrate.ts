// Runs the PostgreSQL schema migrations: each once, in order, in its own transaction, recorded in
// `schema_migration`. Several ingest workers may start at once, so the run holds an advisory lock:
// one migrates, the others wait and then find nothing to do.
import type { PoolClient } from 'pg';
import { StoreError } from '@phasewire/core';
import type { PostgresMigration } from './postgres-schema.ts';

/** Advisory lock keys of the store: (namespace, purpose). */
export const lockNamespace = 0x7077;
export const lockPurpose = { migrate: 1, partitions: 2, billing: 3, campaigns: 4 } as const;
/** Advisory lock namespaces keyed by a second number: meter buckets, days being closed. */
export const meterLockNamespace = lockNamespace + 1;
export const dayLockNamespace = lockNamespace + 2;

export interface AppliedPostgresMigration {
  readonly version: number;
  readonly name: string;
  readonly appliedAt: number;
}

export async function appliedPostgresMigrations(client: PoolClient): Promise<AppliedPostgresMigration[]> {
  await client.query('CREATE TABLE IF NOT EXISTS schema_migration (version integer PRIMARY KEY, name text NOT NULL, '
    + 'applied_at bigint NOT NULL)');
  const result = await client.query<{ version: number; name: string;
    applied_at: number }>('SELECT version, name, applied_at FROM schema_migration ORDER BY version');
  return result.rows.map((row) => ({ version: row.version, name: row.name, appliedAt: row.applied_at }));
}

/** Applies the migrations above the database's version, up to `target`; returns the versions applied. */
export async function migratePostgres(
  client: PoolClient,
  migrations: readonly PostgresMigration[],
  now: number,
  target = Infinity,
): Promise<number[]> {
  await client.query('SELECT pg_advisory_lock($1, $2)', [lockNamespace, lockPurpose.migrate]);
  try {
    const applied = await appliedPostgresMigrations(client);
    const current = applied.at(-1)?.version ?? 0;
    const latest = migrations.at(-1)?.version ?? 0;
    if (current > latest) {
      throw new StoreError('PW_ERR_STORE_MIGRATION',
        `Cannot open the PostgreSQL store: its schema is at version ${current}, newer than the latest this phasewire knows (${latest})`);
    }
    const extension = await client.query("SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'");
    const context = { timescale: (extension.rowCount ?? 0) > 0 };
    const done: number[] = [];
    for (const migration of migrations) {
      if (migration.version <= current || migration.version > target) continue;
      try {
        await client.query('BEGIN');
        for (const statement of migration.statements(context)) await client.query(statement);
        await client.query('INSERT INTO schema_migration (version, name, applied_at) VALUES ($1, $2, $3)',
          [migration.version, migration.name, now]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw new StoreError('PW_ERR_STORE_MIGRATION',
          `Cannot migrate the PostgreSQL store to version ${migration.version} (${migration.name}): ${(error as Error).message}; the `
          + `migration was rolled back and the schema stays at version ${done.at(-1) ?? current}`, { cause: error });
      }
      done.push(migration.version);
    }
    return done;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1, $2)', [lockNamespace, lockPurpose.migrate]);
  }
}
