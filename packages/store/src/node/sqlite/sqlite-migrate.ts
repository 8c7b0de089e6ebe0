// Runs the schema migrations of a SQLite database: each one once, in order, in its own transaction,
// recorded in `schema_migration`. A database at a newer version than this code knows is refused
// rather than used with a schema the code does not understand.
import type { DatabaseSync } from 'node:sqlite';
import { StoreError } from '@phasewire/core';
import type { SqliteMigration } from './sqlite-schema.ts';

export interface AppliedMigration {
  readonly version: number;
  readonly name: string;
  readonly appliedAt: number;
}

export function appliedSqliteMigrations(db: DatabaseSync): AppliedMigration[] {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migration (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  return db.prepare('SELECT version, name, applied_at FROM schema_migration ORDER BY version').all()
    .map((row) => ({ version: Number(row['version']), name: String(row['name']), appliedAt: Number(row['applied_at']) }));
}

/** Applies the migrations above the database's version, up to `target` (default: all). Returns the versions applied. */
export function migrateSqlite(db: DatabaseSync, migrations: readonly SqliteMigration[], now: number, target = Infinity): number[] {
  const applied = appliedSqliteMigrations(db);
  const current = applied.at(-1)?.version ?? 0;
  const latest = migrations.at(-1)?.version ?? 0;
  if (current > latest) {
    throw new StoreError('PW_ERR_STORE_MIGRATION',
      `Cannot open the SQLite store: its schema is at version ${current}, newer than the latest this phasewire knows (${latest})`);
  }
  const done: number[] = [];
  for (const migration of migrations) {
    if (migration.version <= current || migration.version > target) continue;
    try {
      db.exec('BEGIN IMMEDIATE');
      for (const statement of migration.statements) db.exec(statement);
      db.prepare('INSERT INTO schema_migration (version, name, applied_at) VALUES (?, ?, ?)').run(migration.version, migration.name, now);
      db.exec('COMMIT');
    } catch (error) {
      if (db.isTransaction) db.exec('ROLLBACK');
      throw new StoreError('PW_ERR_STORE_MIGRATION',
        `Cannot migrate the SQLite store to version ${migration.version} (${migration.name}): ${(error as Error).message}; the migration `
        + `was rolled back and the schema stays at version ${done.at(-1) ?? current}`, { cause: error });
    }
    done.push(migration.version);
  }
  return done;
}
