// @phasewire/server/node: the Node adapters of the server.
export * from './mdm/index.ts';
export * from './store/index.ts';
