import { after, before } from 'node:test';
import { tokenStoreConformance } from '@phasewire/secure/testing';
import { startPostgres, type PostgresServer } from '@phasewire/store/testing';
import { PostgresTokenStore } from './postgres-token-store.ts';

let server: PostgresServer | undefined;
const database = 'phasewire_tokens_test';

before(async () => {
  server = await startPostgres({ fast: true });
  await server.createDatabase(database);
});
after(async () => { await server?.stop(); });

// Each data set is a schema of its own in one database; two opens of one are two pools.
tokenStoreConformance('PostgreSQL', {
  open: (name) => {
    if (server === undefined) throw new Error('the test PostgreSQL server is not running');
    return PostgresTokenStore.open({ connectionString: server.connectionString(database), schema: name, poolSize: 2 });
  },
});
