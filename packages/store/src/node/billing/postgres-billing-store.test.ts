import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import pg from 'pg';
import { billingConformance } from '../../testing/billing-conformance.ts';
import { startPostgres, type PostgresServer } from '../../testing/postgres-test-kit.ts';
import { PostgresBillingStore } from './postgres-billing-store.ts';

let server: PostgresServer | undefined;
const database = 'phasewire_billing_test';

before(async () => {
  server = await startPostgres({ fast: true });
  await server.createDatabase(database);
});
after(async () => { await server?.stop(); });

// Each conformance database is a schema of its own in one database.
billingConformance('PostgreSQL', {
  open: (db, clock) => {
    if (server === undefined) throw new Error('the test PostgreSQL server is not running');
    return PostgresBillingStore.open({ connectionString: server.connectionString(database), schema: db, poolSize: 2, clock });
  },
});

void it('refuses an update or delete of an issued bill in the database itself, whoever writes it', async () => {
  if (server === undefined) throw new Error('the test PostgreSQL server is not running');
  const store = await PostgresBillingStore.open({ connectionString: server.connectionString(database), schema: 'trigger_check' });
  await store.commitBilling({ insert: [{ id: 'b1', cycle: '2026-01', account: 'a', servicePoint: 's', kind: 'bill', status: 'draft',
    replaces: null, correction: null, currency: 'EUR', totalMinor: 1, fingerprint: 'f', document: '{}', createdAt: 0, issuedAt: null,
    issuedBy: null }], replace: [], audit: [] });
  await store.issueBill('b1', 'ann');
  await store.close();
  const client = new pg.Client({ connectionString: server.connectionString(database) });
  await client.connect();
  try {
    await assert.rejects(client.query("UPDATE trigger_check.bill SET total_minor = 2 WHERE id = 'b1'"), /issued bill is immutable/);
    await assert.rejects(client.query("DELETE FROM trigger_check.bill WHERE id = 'b1'"), /issued bill is immutable/);
  } finally {
    await client.end();
  }
});
