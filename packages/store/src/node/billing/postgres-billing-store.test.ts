import { after, before } from 'node:test';
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
