// @phasewire/gateway/node: the Node side of the gateway (opening a bus, the simulated bus in real
// time, and the running gateway with its meters' uplink). Profile files are read by
// '@phasewire/modbus/node' (loadProfiles).
export { openBus } from './open-bus.ts';
export { RealTimeBus, type RealTimeSlave } from './real-time-bus.ts';
export { openConfiguredBus, type ConfiguredBus } from './configured-bus.ts';
export {
  startGateway, loadGatewayConfig, type GatewayOutput, type GatewayRunOptions, type RunningGateway,
} from './start-gateway.ts';
