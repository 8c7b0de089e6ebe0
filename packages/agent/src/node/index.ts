// @phasewire/agent/node: the Node side of the agent (the running agent, its fleet, enrollment, MQTT link).

// ── the agent
export { MeterAgent, type MeterAgentOptions, type AgentEvent, type AgentStats } from './meter-agent.ts';
export type { AgentDescription } from './agent-types.ts';
export { simulatorSource, sourceSupports, type ReadingSource, type RelayControl } from '../reading-source.ts';
export { protectedSource, type ProtectedSource, type ProtectionState } from '../protected-source.ts';
export { AgentFleet, type FleetOptions, type FleetMeters, type FleetSource } from './fleet.ts';
export { ensureEnrolled, loadAgentIdentity, type AgentIdentity, type EnrollAgentOptions } from './enrollment.ts';
export { openMqttLink, type MqttLink, type MqttLinkOptions } from './mqtt-link.ts';

// ── link emulator (tests and the demo put it between agents and the head-end)
export { LinkEmulator, type LinkEmulatorOptions, type LinkStats } from './link/link-emulator.ts';
export { ChunkedFetcher, type ChunkedFetcherOptions } from './firmware/chunked-fetcher.ts';
export { FirmwareUpdater, type FirmwareUpdaterOptions, type UpdateResult } from './firmware/firmware-updater.ts';
export { AgentFirmware, type AgentFirmwareOptions, type FirmwareHost } from './firmware/agent-firmware.ts';
