// @phasewire/server/node: the whole server as one process: data directory, listeners, wiring.
export * from './phasewire-server.ts';
export * from './data-directory.ts';
export * from './locked-token-store.ts';
export * from './standard-services.ts';
export * from './metrics.ts';
export * from './readiness.ts';
export * from './server-log.ts';
export * from './home-assistant-publisher.ts';
export * from './backup.ts';
export * from './restore.ts';
