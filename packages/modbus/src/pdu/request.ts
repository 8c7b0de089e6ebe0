// Requests: the client encodes them, the server decodes them. Both sides check every limit of
// the spec, so phasewire never sends a request a conforming server must refuse, and a server
// built on decodeRequest refuses exactly what the spec says, with the exception the spec names
// (the DecodeError's code maps to it: see exceptionCodeFor in ../server/serve-request.ts).
import { FunctionCode, MeiType, ReadDeviceIdCode } from '../function-code.ts';
import { COIL_OFF, COIL_ON, MAX_PDU_LENGTH, MAX_READ_BITS, MAX_READ_REGISTERS, MAX_WRITE_COILS, MAX_WRITE_REGISTERS } from '../limits.ts';
import {
  byteCountForBits, checkAddress, checkDecodedRange, checkLength, checkRange, checkRegisterValue,
  decodeError, limitError, packBits, readU16, unpackBits, writeU16,
} from './fields.ts';
import type { ModbusRequest, ReadDeviceIdentificationRequest } from './types.ts';

const REQUEST = 'request';

export function encodeRequest(request: ModbusRequest): Uint8Array {
  const fc = request.functionCode;
  switch (request.functionCode) {
    case FunctionCode.ReadCoils:
    case FunctionCode.ReadDiscreteInputs:
      checkRange(fc, REQUEST, request.address, request.quantity, MAX_READ_BITS, '§6.1, §6.2');
      return fixed(fc, request.address, request.quantity);
    case FunctionCode.ReadHoldingRegisters:
    case FunctionCode.ReadInputRegisters:
      checkRange(fc, REQUEST, request.address, request.quantity, MAX_READ_REGISTERS, '§6.3, §6.4');
      return fixed(fc, request.address, request.quantity);
    case FunctionCode.WriteSingleCoil:
      checkAddress(fc, REQUEST, request.address);
      return fixed(fc, request.address, request.value ? COIL_ON : COIL_OFF);
    case FunctionCode.WriteSingleRegister:
      checkAddress(fc, REQUEST, request.address);
      checkRegisterValue(fc, REQUEST, request.value);
      return fixed(fc, request.address, request.value);
    case FunctionCode.WriteMultipleCoils: {
      const quantity = request.values.length;
      checkRange(fc, REQUEST, request.address, quantity, MAX_WRITE_COILS, '§6.11');
      const byteCount = byteCountForBits(quantity);
      const pdu = new Uint8Array(6 + byteCount);
      header(pdu, fc, request.address, quantity);
      pdu[5] = byteCount;
      packBits(request.values, pdu, 6);
      return pdu;
    }
    case FunctionCode.WriteMultipleRegisters: {
      const quantity = request.values.length;
      checkRange(fc, REQUEST, request.address, quantity, MAX_WRITE_REGISTERS, '§6.12');
      const pdu = new Uint8Array(6 + quantity * 2);
      header(pdu, fc, request.address, quantity);
      pdu[5] = quantity * 2;
      request.values.forEach((value, index) => { writeU16(pdu, 6 + index * 2, value); });
      return pdu;
    }
    case FunctionCode.EncapsulatedInterfaceTransport:
      return encodeDeviceIdentificationRequest(request);
  }
}

function encodeDeviceIdentificationRequest(request: ReadDeviceIdentificationRequest): Uint8Array {
  const fc = request.functionCode;
  if (!isReadDeviceIdCode(request.readDeviceIdCode)) {
    throw limitError(fc, REQUEST, `read device id code ${String(request.readDeviceIdCode)} is not 1 to 4 (§6.21)`);
  }
  if (!Number.isInteger(request.objectId) || request.objectId < 0 || request.objectId > 0xff) {
    throw limitError(fc, REQUEST, `object id ${request.objectId} is outside 0 to 255 (§6.21)`);
  }
  return Uint8Array.of(fc, MeiType.ReadDeviceIdentification, request.readDeviceIdCode, request.objectId);
}

/** Decodes a request PDU. Throws only DecodeError; its code tells a server which exception to answer. */
export function decodeRequest(pdu: Uint8Array): ModbusRequest {
  const fc = pdu[0];
  if (fc === undefined) throw decodeError('PW_ERR_MODBUS_MALFORMED', 0, REQUEST, 'the PDU is empty');
  if (pdu.length > MAX_PDU_LENGTH) {
    throw decodeError('PW_ERR_MODBUS_MALFORMED', fc, REQUEST, `the PDU is ${pdu
      .length} bytes, more than the ${MAX_PDU_LENGTH} of MBAP-APP §4.1`);
  }
  switch (fc) {
    case FunctionCode.ReadCoils:
    case FunctionCode.ReadDiscreteInputs: {
      checkLength(pdu, 5, fc, REQUEST);
      const address = readU16(pdu, 1);
      const quantity = readU16(pdu, 3);
      checkDecodedRange(fc, address, quantity, MAX_READ_BITS, '§6.1, §6.2');
      return { functionCode: fc, address, quantity };
    }
    case FunctionCode.ReadHoldingRegisters:
    case FunctionCode.ReadInputRegisters: {
      checkLength(pdu, 5, fc, REQUEST);
      const address = readU16(pdu, 1);
      const quantity = readU16(pdu, 3);
      checkDecodedRange(fc, address, quantity, MAX_READ_REGISTERS, '§6.3, §6.4');
      return { functionCode: fc, address, quantity };
    }
    case FunctionCode.WriteSingleCoil: {
      checkLength(pdu, 5, fc, REQUEST);
      const raw = readU16(pdu, 3);
      if (raw !== COIL_ON && raw !== COIL_OFF) {
        throw decodeError('PW_ERR_MODBUS_ILLEGAL_VALUE', fc, REQUEST, `output value 0x${raw.toString(
          16)} is neither 0xFF00 nor 0x0000 (§6.5)`);
      }
      return { functionCode: fc, address: readU16(pdu, 1), value: raw === COIL_ON };
    }
    case FunctionCode.WriteSingleRegister:
      checkLength(pdu, 5, fc, REQUEST);
      return { functionCode: fc, address: readU16(pdu, 1), value: readU16(pdu, 3) };
    case FunctionCode.WriteMultipleCoils: {
      const { address, quantity } = multipleHeader(pdu, fc, MAX_WRITE_COILS, byteCountForBits, '§6.11');
      return { functionCode: fc, address, values: unpackBits(pdu, 6, quantity) };
    }
    case FunctionCode.WriteMultipleRegisters: {
      const { address, quantity } = multipleHeader(pdu, fc, MAX_WRITE_REGISTERS, (q) => q * 2, '§6.12');
      const values = new Uint16Array(quantity);
      for (let index = 0; index < quantity; index++) values[index] = readU16(pdu, 6 + index * 2);
      return { functionCode: fc, address, values };
    }
    case FunctionCode.EncapsulatedInterfaceTransport:
      return decodeDeviceIdentificationRequest(pdu);
    default:
      throw decodeError('PW_ERR_MODBUS_ILLEGAL_FUNCTION', fc, REQUEST,
        'the function code is not one phasewire implements (MBAP-APP §7, exception 0x01)');
  }
}

function multipleHeader(
  pdu: Uint8Array, fc: number, max: number, bytesFor: (quantity: number) => number, clause: string,
): { address: number; quantity: number } {
  if (pdu.length < 6) throw decodeError('PW_ERR_MODBUS_MALFORMED', fc, REQUEST, `the PDU is ${pdu.length} bytes, at least 6 expected`);
  const address = readU16(pdu, 1);
  const quantity = readU16(pdu, 3);
  const byteCount = pdu[5] ?? 0;
  if (quantity < 1 || quantity > max || byteCount !== bytesFor(quantity)) {
    throw decodeError('PW_ERR_MODBUS_ILLEGAL_VALUE', fc, REQUEST,
      `quantity ${quantity} with byte count ${byteCount}: expected a quantity of 1 to ${max} and a byte count of ${bytesFor(
        quantity)} (${clause})`);
  }
  checkLength(pdu, 6 + byteCount, fc, REQUEST);
  checkDecodedRange(fc, address, quantity, max, clause);
  return { address, quantity };
}

function decodeDeviceIdentificationRequest(pdu: Uint8Array): ReadDeviceIdentificationRequest {
  const fc = FunctionCode.EncapsulatedInterfaceTransport;
  const mei = pdu[1];
  if (mei !== MeiType.ReadDeviceIdentification) {
    throw decodeError('PW_ERR_MODBUS_ILLEGAL_FUNCTION', fc, REQUEST,
      mei === undefined ? 'the MEI type is missing' : `MEI type 0x${mei.toString(
        16)} is not 0x0E, the only one phasewire implements (§6.19)`);
  }
  checkLength(pdu, 4, fc, REQUEST);
  const code = pdu[2] ?? 0;
  if (!isReadDeviceIdCode(code)) {
    throw decodeError('PW_ERR_MODBUS_ILLEGAL_VALUE', fc, REQUEST, `read device id code ${code} is not 1 to 4 (§6.21)`);
  }
  return { functionCode: fc, readDeviceIdCode: code, objectId: pdu[3] ?? 0 };
}

export function isReadDeviceIdCode(code: number): code is ReadDeviceIdCode {
  return code === ReadDeviceIdCode.Basic || code === ReadDeviceIdCode.Regular
    || code === ReadDeviceIdCode.Extended || code === ReadDeviceIdCode.Specific;
}

function fixed(fc: number, first: number, second: number): Uint8Array {
  const pdu = new Uint8Array(5);
  header(pdu, fc, first, second);
  return pdu;
}

function header(pdu: Uint8Array, fc: number, first: number, second: number): void {
  pdu[0] = fc;
  writeU16(pdu, 1, first);
  writeU16(pdu, 3, second);
}
