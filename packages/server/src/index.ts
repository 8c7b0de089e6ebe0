// @phasewire/server: the configuration of `phasewire server`.
export * from './server-config.ts';
export * from './mqtt-listener-config.ts';
export * from './backup-manifest.ts';
