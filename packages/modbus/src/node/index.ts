// @phasewire/modbus/node: the Node transports. Modbus/TCP client and server, RTU on a serial
// port (client and server, over `serialport`), and RTU carried over TCP; and reading device
// profile files.
export * from './node-timers.ts';
export * from './reconnecting-socket.ts';
export * from './tcp-client.ts';
export * from './tcp-server.ts';
export * from './socket-master.ts';
export * from './rtu-over-tcp-client.ts';
export * from './serial-port.ts';
export * from './serial-client.ts';
export * from './serial-server.ts';
export { loadProfile, loadProfiles, builtInProfilesDirectory } from './profiles/load-profiles.ts';
