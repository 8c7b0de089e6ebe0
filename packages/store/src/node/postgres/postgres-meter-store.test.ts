import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock, parseMeterId, Q } from '@phasewire/core';
import { openMeterStore } from '../open-meter-store.ts';
import { parseStoreConfig } from '../../store-config.ts';
import pg from 'pg';
import { intervalTableConformance } from '../../testing/interval-table-conformance.ts';
import { mdmStateConformance } from '../../testing/mdm-state-conformance.ts';
import { storeConformance, type StoreTarget } from '../../testing/store-conformance.ts';
import { startPostgres, type PostgresServer } from '../../testing/postgres-test-kit.ts';
import { PostgresMeterStore } from './postgres-meter-store.ts';
import { postgresMigrations } from './postgres-schema.ts';

let server: PostgresServer | undefined;
const database = 'phasewire_test';
const connection = (): string => {
  if (server === undefined) throw new Error('the test PostgreSQL server is not running');
  return server.connectionString(database);
};

before(async () => {
  server = await startPostgres({ fast: true });
  await server.createDatabase(database);
});
after(async () => { await server?.stop(); });

// Each conformance database is a schema of its own in one database: a schema is created in
// milliseconds, a database in a tenth of a second.
const target: StoreTarget = {
  open: (db, options) => PostgresMeterStore.open({ connectionString: connection(), schema: db, poolSize: 4, ...options }),
  appliedMigrations: async (db) => {
    const client = new pg.Client({ connectionString: connection() });
    await client.connect();
    try {
      const rows = await client.query<{ version: number;
        applied_at: string }>(`SELECT version, applied_at FROM ${db}.schema_migration ORDER BY version`);
      return rows.rows.map((r) => ({ version: r.version, appliedAt: Number(r.applied_at) }));
    } finally {
      await client.end();
    }
  },
  latestVersion: postgresMigrations.at(-1)?.version ?? 0,
};
storeConformance('PostgreSQL', target);
mdmStateConformance('PostgreSQL', target);
intervalTableConformance('PostgreSQL', target);


describe('PostgreSQL store', () => {
  it('opens from configuration alone, in the schema it names', async () => {
    const config = parseStoreConfig({ kind: 'postgres', connectionString: connection(), schema: 'configured', poolSize: 2 });
    const store = await openMeterStore(config, new ManualClock(Date.UTC(2026, 0, 5)));
    assert.ok(store instanceof PostgresMeterStore);
    await store.appendReadings([{ meter: parseMeterId('meter-1'), quantity: Q.voltageL1, at: Date.UTC(2026, 0, 5), value: 230 }]);
    const client = new pg.Client({ connectionString: connection() });
    await client.connect();
    const rows = await client.query<{ n: string }>('SELECT count(*) AS n FROM configured.reading');
    await client.end();
    assert.equal(Number(rows.rows[0]?.n), 1);
    await store.close();
  });
});
