// @phasewire/gateway/node: the Node side of the gateway (opening a bus, the simulated bus in real
// time). Profile files are read by '@phasewire/modbus/node' (loadProfiles).
export { openBus } from './open-bus.ts';
export { RealTimeBus, type RealTimeSlave } from './real-time-bus.ts';
