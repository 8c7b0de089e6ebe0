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
export { LoadRelay, type RelayState } from './load-relay.ts';
