// @phasewire/store/node: the meter-data store implementations (SQLite, PostgreSQL) and the private
// database files they and the other packages open.
export { openMeterStore } from './open-meter-store.ts';
export { SqliteMeterStore, type SqliteStoreOptions } from './sqlite/sqlite-meter-store.ts';
export { chunkValueSum } from './sqlite/chunk-codec.ts';
export { PostgresMeterStore, type PostgresStoreOptions } from './postgres/postgres-meter-store.ts';
export { openPrivateDatabase, privateFileMode } from './private-database.ts';
export { systemClock } from './system-clock.ts';
export { openBillingStore } from './billing/open-billing-store.ts';
export { SqliteBillingStore, type SqliteBillingStoreOptions } from './billing/sqlite-billing-store.ts';
export { PostgresBillingStore, type PostgresBillingStoreOptions } from './billing/postgres-billing-store.ts';
export { openStatePool, inStateTransaction, type PostgresStateOptions, type StateMigration } from './state/postgres-state.ts';
export { openCampaignStore, PostgresCampaignStore, SqliteCampaignStore } from './campaigns/open-campaign-store.ts';
