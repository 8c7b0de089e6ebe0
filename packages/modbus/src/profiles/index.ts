// Device profiles: one meter model's register map as data (the JSON files of packages/modbus/profiles),
// its schema, the codec between a profile's registers and catalogue quantities, and the slave that
// serves a profile. Used by the gateway (which polls meters by them) and the CLI's simulated meters.
export * from './profile-types.ts';
export { DeviceProfileSchema, deviceUnits, type DeviceProfileFile } from './profile-schema.ts';
export { parseDeviceProfile } from './parse-profile.ts';
export * from './point-codec.ts';
export * from './plan-reads.ts';
export * from './probe.ts';
export { createProfileSlave, type ProfileSlaveOptions } from './profile-slave.ts';
