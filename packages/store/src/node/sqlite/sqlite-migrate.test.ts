import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DatabaseSync } from 'node:sqlite';
import { hasCode } from '@phasewire/core';
import { appliedSqliteMigrations, migrateSqlite } from './sqlite-migrate.ts';
import type { SqliteMigration } from './sqlite-schema.ts';

const migrations: SqliteMigration[] = [
  { version: 1, name: 'one', statements: ['CREATE TABLE a (x INTEGER)'] },
  { version: 2, name: 'two', statements: ['CREATE TABLE b (x INTEGER)', 'CREATE TABLE a (x INTEGER)'] },
];

describe('SQLite migrations', () => {
  it('rolls a failing migration back whole and keeps the version before it', () => {
    const db = new DatabaseSync(':memory:');
    assert.throws(() => migrateSqlite(db, migrations, 5),
      (e) => hasCode(e, 'PW_ERR_STORE_MIGRATION') && /version 2 \(two\).*stays at version 1/.test((e as Error).message));
    assert.deepEqual(appliedSqliteMigrations(db).map((m) => m.version), [1]);
    assert.equal(db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name = 'b'").get()?.['n'], 0,
      'the first statement of the failed migration is undone');
    db.close();
  });

  it('refuses a database at a newer version than it knows', () => {
    const db = new DatabaseSync(':memory:');
    migrateSqlite(db, migrations.slice(0, 1), 5);
    db.prepare('INSERT INTO schema_migration (version, name, applied_at) VALUES (7, ?, 6)').run('from the future');
    assert.throws(() => migrateSqlite(db, migrations.slice(0, 1), 6), (e) => hasCode(e, 'PW_ERR_STORE_MIGRATION'));
    db.close();
  });
});
