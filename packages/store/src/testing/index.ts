// @phasewire/store/testing: the one conformance suite every MeterStore passes, and a throwaway
// PostgreSQL server for tests and benchmarks.
export { storeConformance, day0, type StoreOpenOptions, type StoreTarget } from './store-conformance.ts';
export { mdmStateConformance } from './mdm-state-conformance.ts';
export { intervalTableConformance } from './interval-table-conformance.ts';
export { billingConformance, type BillingStoreTarget } from './billing-conformance.ts';
export { campaignConformance, type CampaignStoreTarget } from './campaign-conformance.ts';
export { startPostgres, postgresBinaries, type PostgresServer, type PostgresServerOptions } from './postgres-test-kit.ts';
