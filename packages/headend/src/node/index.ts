// @phasewire/headend/node: broker, TLS listener, ingest, registry store, Mosquitto.
export * from './head-end.ts';
export * from './sqlite-registry.ts';
export * from './sqlite-counters.ts';
export * from './ingest.ts';
export * from './commands.ts';
export * from './embedded-broker.ts';
export * from './external-ingest.ts';
export * from './ingest-connection.ts';
export * from './mosquitto-process.ts';
export * from './device-activity.ts';
export * from './side-channels.ts';
export * from './sampled-log.ts';
export * from './ticket-keys.ts';
export * from './protection-view.ts';
export * from './broker-health.ts';
export * from './firmware-file-server.ts';
