// The meter-data store implementations and their test harness.
export { openMeterStore } from './open-meter-store.ts';
export { SqliteMeterStore, type SqliteStoreOptions } from './sqlite/sqlite-meter-store.ts';
export { PostgresMeterStore, type PostgresStoreOptions } from './postgres/postgres-meter-store.ts';
export { startPostgres, type PostgresServer, type PostgresServerOptions } from './postgres-harness.ts';
