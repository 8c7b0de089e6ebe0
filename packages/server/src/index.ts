// @phasewire/server: the head-end and meter data management.
export * from './mdm/index.ts';
export * from './store/index.ts';
