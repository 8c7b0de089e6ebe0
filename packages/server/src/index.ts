// @phasewire/server: the head-end and meter data management.
export * from './mdm/index.ts';
export * from './store/index.ts';

// ── head-end: topic authorisation, ingest decisions, refusals, registry model, messages
export * from './headend/refusal-counters.ts';
export * from './headend/ack-message.ts';
export * from './headend/command-message.ts';
export * from './headend/topic-authorisation.ts';
export * from './headend/registry.ts';
export * from './headend/ingest-decision.ts';
export * from './headend/head-end-log.ts';
export * from './headend/mosquitto-config.ts';

// ── server composition: configuration
export * from './service/server-config.ts';
export * from './service/mqtt-listener-config.ts';

// ── HTTP API: DTOs (the dashboard's contract), access rules, ports
export * from './api/dto.ts';
export * from './api/access.ts';
export * from './api/ports.ts';
export * from './api/api-errors.ts';
export * from './api/meter-list.ts';
export * from './api/rate-limiter.ts';
export * from './api/latest-power-quality.ts';
export * from './api/alarm-service-port.ts';
