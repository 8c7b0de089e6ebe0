// @phasewire/gateway: polls Modbus meters by their device profiles (packages/modbus/profiles),
// isolating faulty meters so the healthy ones keep their period, and finds meters on a bus.
export { BusScheduler, type BusSchedulerOptions, type PolledDevice } from './bus-scheduler.ts';
export { type DeviceStats, type Outcome, outcomeOf } from './bus-stats.ts';
export { scanBus, type ScanOptions, type FoundDevice } from './scan.ts';
export { implausibilities, frequencyRangeHz, phaseVoltageV, lineVoltageMaxV } from './plausibility.ts';
export { GatewayPoller, type GatewayPollerOptions, type PolledReadings, type BusTotals } from './gateway-poller.ts';
export {
  parseGatewayConfig, parseBusEndpoint, type GatewayConfig, type GatewayMeterConfig, type BusEndpoint, type SimulatedBusConfig,
    type SimulatedMeterConfig,
} from './gateway-config.ts';
export { GatewayConfigSchema, gatewayDefaults, MAX_IN_FLIGHT, type GatewayConfigFile } from './gateway-config-schema.ts';
export { PolledProtection } from './polled-protection.ts';
