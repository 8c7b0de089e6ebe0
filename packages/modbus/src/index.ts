// @phasewire/modbus: the pure Modbus codec (PDUs, RTU framing with CRC-16, MBAP), incremental
// framers, the transport-independent client and server logic, and the simulated RS-485 bus.
// Node transports (TCP, serial, RTU over TCP) are in '@phasewire/modbus/node'.
export * from './function-code.ts';
export * from './limits.ts';
export * from './word-order.ts';
export * from './byte-reader.ts';
export * from './byte-writer.ts';
export * from './registers.ts';
export * from './errors.ts';
export * from './timers.ts';
export * from './pdu/types.ts';
export { encodeRequest, decodeRequest } from './pdu/request.ts';
export { encodeResponse, decodeResponse } from './pdu/response.ts';
export { answerDeviceIdentification, deviceObjectText } from './pdu/device-identification.ts';
export * from './rtu/crc16.ts';
export * from './rtu/rtu-timing.ts';
export * from './rtu/frame-length.ts';
export * from './rtu/rtu-frame.ts';
export * from './rtu/rtu-framer.ts';
export * from './tcp/mbap.ts';
export * from './tcp/mbap-framer.ts';
export * from './client/modbus-client.ts';
export * from './client/rtu-master.ts';
export * from './client/mbap-master.ts';
export * from './server/serve-request.ts';
export * from './server/modbus-memory.ts';
export * from './server/rtu-slave.ts';
export * from './sim/event-scheduler.ts';
export * from './sim/simulated-bus.ts';
export * from './sim/simulated-slave.ts';
export * from './sim/simulated-master.ts';
export * from './profiles/index.ts';
