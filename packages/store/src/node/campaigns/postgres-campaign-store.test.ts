import { after, before } from 'node:test';
import { campaignConformance } from '../../testing/campaign-conformance.ts';
import { startPostgres, type PostgresServer } from '../../testing/postgres-test-kit.ts';
import { PostgresCampaignStore } from './open-campaign-store.ts';

let server: PostgresServer | undefined;
const database = 'phasewire_campaign_test';

before(async () => {
  server = await startPostgres({ fast: true });
  await server.createDatabase(database);
});
after(async () => { await server?.stop(); });

// Each conformance database is a schema of its own in one database.
campaignConformance('PostgreSQL', {
  open: (db) => {
    if (server === undefined) throw new Error('the test PostgreSQL server is not running');
    return PostgresCampaignStore.open({ connectionString: server.connectionString(database), schema: db, poolSize: 2 });
  },
});
