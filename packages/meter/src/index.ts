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
export { motorCurrents, defaultReactingMotor, type ReactingMotor, type MotorRating } from './motor.ts';
export type { Measurement } from './measurement.ts';
export type { MeasurementObserver } from './phasor-engine.ts';
export {
  Protection, nemaDerating, type ProtectionFunction, type ProtectionStatus, type ProtectionValues, type SequenceEvent, type TripRecord,
  type TripRelay,
} from './protection/protection.ts';
export { DefiniteTimeElement, InverseTimeElement, iecCurves, operatingTimeMs } from './protection/elements.ts';
export { inputFromMeasurement, inputFromSnapshot, newProtectionInput, type ProtectionInput } from './protection/protection-input.ts';
export { RelayControl, type ReconnectPolicy, type RelayControlState, type RelayOutcome } from './protection/relay-control.ts';
export { createProtectedMeter, type ProtectedMeter, type ProtectedMeterOptions } from './protection/protected-meter.ts';
