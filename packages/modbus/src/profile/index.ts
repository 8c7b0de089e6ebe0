// Device profiles: one meter model's register map as data, its schema, and the codec between a
// profile's registers and catalogue quantities. Used by the gateway and by the meter's slave.
export * from './profile-types.ts';
export { parseDeviceProfile } from './parse-profile.ts';
export * from './point-codec.ts';
export * from './plan-reads.ts';
export * from './probe.ts';
