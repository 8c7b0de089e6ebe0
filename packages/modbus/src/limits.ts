// Limits of the Modbus specifications. Each bound is checked when a request or response is
// encoded (ValidationError) and when one is decoded (DecodeError), so that neither side ever
// sends or accepts a frame the spec forbids.

/** MBAP-APP §4.1: the PDU is limited to 253 bytes by the 256-byte RS-485 ADU (address + PDU + CRC). */
export const MAX_PDU_LENGTH = 253;

/** MBAP-APP §6.1, §6.2: quantity of coils or discrete inputs in one read, 1 to 2000 (0x7D0). */
export const MAX_READ_BITS = 2000;
/** MBAP-APP §6.3, §6.4: quantity of registers in one read, 1 to 125 (0x7D). */
export const MAX_READ_REGISTERS = 125;
/** MBAP-APP §6.11: quantity of coils in one write, 1 to 1968 (0x7B0). */
export const MAX_WRITE_COILS = 1968;
/** MBAP-APP §6.12: quantity of registers in one write, 1 to 123 (0x7B). */
export const MAX_WRITE_REGISTERS = 123;

/** MBAP-APP §4.4: the data model addresses 65536 items per table, 0 to 0xFFFF. */
export const ADDRESS_SPACE = 0x1_0000;

/** MBAP-APP §6.5: the two values a Write Single Coil request may carry. */
export const COIL_ON = 0xff00;
export const COIL_OFF = 0x0000;

/** Modbus over Serial Line V1.02 §2.2: 0 is broadcast, 1–247 individual, 248–255 reserved. */
export const BROADCAST_ADDRESS = 0;
export const MAX_SERIAL_ADDRESS = 247;
/** Modbus over Serial Line V1.02 §2.5.1: an RTU frame is at most 256 bytes. */
export const MAX_RTU_FRAME_LENGTH = 256;

/** Modbus Messaging on TCP/IP Implementation Guide V1.0b §3.1.3: MBAP header is 7 bytes. */
export const MBAP_HEADER_LENGTH = 7;
/** Same guide §3.1.3: protocol identifier 0 is Modbus. */
export const MODBUS_PROTOCOL_ID = 0;
/** Same guide §4.1.2: the registered port. */
export const MODBUS_TCP_PORT = 502;
/** 7-byte MBAP header + 253-byte PDU. */
export const MAX_TCP_ADU_LENGTH = MBAP_HEADER_LENGTH + MAX_PDU_LENGTH;
