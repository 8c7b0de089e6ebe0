// @phasewire/meter: the sensing layer. A deterministic three-phase meter model measured in waveform
// mode (sampled VT/CT signals through a metrology engine) or phasor mode (closed form, for fleets),
// reporting every catalogue quantity with four-quadrant energy registers and demand.
export { scenarios, findScenario } from './scenarios.ts';
export type {
  Scenario, ScenarioInfo, ScenarioEvent, EventTiming, Load, Harmonic, Supply, Metering, CtAccuracyClass,
} from './scenario.ts';
export { nominalSystems, type NominalSystem, type NominalSystemName } from './nominal-system.ts';
export {
  createSimulatedMeter, simulatedMeterModel, type SimulatedMeter, type SimulatedMeterOptions, type MeterMode, type MeterState,
  type TransformerState,
} from './simulated-meter.ts';
export type { EnergyRegisterKey, RegisterKey, RegisterValues } from './register-values.ts';
export { energyRegisterKeys } from './register-values.ts';
export { createPhasorFleet, fleetScenarios, type PhasorFleet } from './phasor-fleet.ts';
export { voltageUnbalance, type VoltageUnbalance } from './voltage-unbalance.ts';
// ── the meter agent (pure parts)
export { LoadRelay, type RelayState } from './agent/load-relay.ts';
export { CommandHandler, type CommandTarget, type CommandHandlerOptions, type HandledCommand } from './agent/command-handler.ts';
export { InflightTracker, envelopeCounterOf, type QueuedMessage } from './agent/inflight.ts';
export {
  ackBody, commandBody, decodeAck, decodeCommand, agentMessageLimits,
  type AgentAck, type AgentCommand, type CommandOp, type CommandResponse,
} from './agent/agent-messages.ts';
export { Backoff, type BackoffPolicy } from './agent/backoff.ts';
export { linkProfiles, type LinkProfile, type LinkProfileName, type LinkConditions } from './link-profile.ts';
export { UplinkPolicy, type UplinkWork } from './agent/uplink-policy.ts';
