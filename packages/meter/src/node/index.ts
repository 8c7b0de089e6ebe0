// @phasewire/meter/node: the Node adapters of the meter package.

// ── meter: agent
export { MeterAgent, type MeterAgentOptions, type AgentEvent, type AgentStats } from './agent/meter-agent.ts';
export type { AgentDescription } from './agent/agent-types.ts';
export { simulatorSource, sourceSupports, type ReadingSource, type RelayControl } from '../agent/reading-source.ts';
export { AgentFleet, type FleetOptions, type FleetMeters, type FleetSource } from './agent/fleet.ts';
export { ensureEnrolled, loadAgentIdentity, type AgentIdentity, type EnrollAgentOptions } from './agent/enrollment.ts';
export { openMqttLink, type MqttLink, type MqttLinkOptions } from './agent/mqtt-link.ts';

// ── meter: link emulator (tests and the demo put it between agents and the head-end)
export { LinkEmulator, type LinkEmulatorOptions, type LinkStats } from './link/link-emulator.ts';
