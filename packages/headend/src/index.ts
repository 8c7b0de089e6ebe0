// @phasewire/headend: the head-end's pure side: topic authorisation, ingest decisions, refusals,
// the registry model, the messages to devices, reading times and the MQTT listener's options.
export * from './refusal-counters.ts';
export * from './ack-message.ts';
export * from './command-message.ts';
export * from './command-record.ts';
export type { ProtectionView } from './protection-view.ts';
export * from './topic-authorisation.ts';
export * from './registry.ts';
export * from './counter-table.ts';
export * from './ingest-decision.ts';
export * from './head-end-log.ts';
export * from './mosquitto-config.ts';
export * from './reading-times.ts';
export * from './mqtt-listener.ts';
export type { AlarmChannel } from './alarm-channel.ts';
