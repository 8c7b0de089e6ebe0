// @phasewire/gateway/node: the Node side of the gateway (reading profile files, opening a bus,
// the simulated bus in real time).
export { loadProfile, loadProfiles, builtInProfilesDirectory } from './load-profiles.ts';
export { openBus } from './open-bus.ts';
export { RealTimeBus, type RealTimeSlave } from './real-time-bus.ts';
