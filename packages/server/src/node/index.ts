// @phasewire/server/node: the Node adapters of the server.
export * from './mdm/index.ts';
export * from './store/index.ts';

// ── head-end: broker, TLS listener, ingest, registry store, Mosquitto
export * from './headend/head-end.ts';
export * from './headend/sqlite-registry.ts';
export * from './headend/sqlite-counters.ts';
export * from './headend/ingest.ts';
export * from './headend/commands.ts';
export * from './headend/embedded-broker.ts';
export * from './headend/external-ingest.ts';
export * from './headend/ingest-connection.ts';
export * from './headend/mosquitto-process.ts';
export * from './headend/device-activity.ts';
export * from './headend/side-channels.ts';

// ── server composition: data directory, listeners, the whole head-end as one process
export * from './service/phasewire-server.ts';
export * from './service/data-directory.ts';
export * from './service/locked-token-store.ts';
export * from './service/standard-services.ts';
export * from './service/ticket-keys.ts';

// ── HTTP API: the HTTPS server, accounts, live feed
export * from './api/api-server.ts';
export * from './api/sqlite-accounts.ts';
export * from './api/authentication.ts';
export * from './api/passwords.ts';
export * from './api/live-hub.ts';
export * from './api/live-feed.ts';
export * from './api/token-store-enrollment.ts';
export type { ApiContext, ApiInstance } from './api/api-context.ts';
