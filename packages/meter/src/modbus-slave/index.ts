export { createProfileSlave, type ProfileSlaveOptions } from './profile-slave.ts';
