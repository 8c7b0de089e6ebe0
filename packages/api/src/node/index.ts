// @phasewire/api/node: the HTTPS server, accounts, live feed.
export * from './api-server.ts';
export * from './sqlite-accounts.ts';
export * from './authentication.ts';
export * from './passwords.ts';
export * from './live-hub.ts';
export * from './live-feed.ts';
export * from './latest-values.ts';
export * from './token-store-enrollment.ts';
export type { ApiContext, ApiInstance } from './api-context.ts';
