import { after, before } from 'node:test';
import { startPostgres, type PostgresServer } from '@phasewire/store/testing';
import { counterTableConformance } from '../testing/counter-table-conformance.ts';
import { PostgresCounterTable } from './postgres-counter-table.ts';

let server: PostgresServer | undefined;
const database = 'phasewire_headend_test';

before(async () => {
  server = await startPostgres({ fast: true });
  await server.createDatabase(database);
});
after(async () => { await server?.stop(); });

// Each conformance database is a schema of its own in one database; two opens of one are two pools.
counterTableConformance('PostgreSQL', {
  open: (db) => {
    if (server === undefined) throw new Error('the test PostgreSQL server is not running');
    return PostgresCounterTable.open({ connectionString: server.connectionString(database), schema: db, poolSize: 3 });
  },
});
