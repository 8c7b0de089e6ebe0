// Responses: the server encodes them, the client decodes them against the request it sent, so a
// response that answers some other request (another function, count, echo) is refused instead
// of being turned into values (the failure users meet with modbus-serial under concurrency).
import { EXCEPTION_FLAG, FunctionCode } from '../function-code.ts';
import { COIL_OFF, COIL_ON, MAX_PDU_LENGTH, MAX_READ_BITS, MAX_READ_REGISTERS, MAX_WRITE_COILS, MAX_WRITE_REGISTERS } from '../limits.ts';
import { allocateWords } from '../slab.ts';
import { decodeDeviceIdentificationResponse, encodeDeviceIdentificationResponse } from './device-identification.ts';
import {
  byteCountForBits, checkAddress, checkLength, checkRange, checkRegisterValue, decodeError, limitError, packBits,
  readU16, unpackBits, writeU16,
} from './fields.ts';
import type { ExceptionResponse, ModbusRequest, ModbusResponse, ResponseFor } from './types.ts';

const RESPONSE = 'response';

export function encodeResponse(response: ModbusResponse | ExceptionResponse): Uint8Array {
  if ('exceptionCode' in response) return encodeException(response);
  const fc = response.functionCode;
  switch (response.functionCode) {
    case FunctionCode.ReadCoils:
    case FunctionCode.ReadDiscreteInputs: {
      const count = response.values.length;
      if (count < 1 || count > MAX_READ_BITS) throw limitError(fc, RESPONSE,
        `${count} values is outside 1 to ${MAX_READ_BITS} (§6.1, §6.2)`);
      const byteCount = byteCountForBits(count);
      const pdu = new Uint8Array(2 + byteCount);
      pdu[0] = fc;
      pdu[1] = byteCount;
      packBits(response.values, pdu, 2);
      return pdu;
    }
    case FunctionCode.ReadHoldingRegisters:
    case FunctionCode.ReadInputRegisters: {
      const count = response.values.length;
      if (count < 1 || count > MAX_READ_REGISTERS) throw limitError(fc, RESPONSE,
        `${count} registers is outside 1 to ${MAX_READ_REGISTERS} (§6.3, §6.4)`);
      const pdu = new Uint8Array(2 + count * 2);
      pdu[0] = fc;
      pdu[1] = count * 2;
      response.values.forEach((value, index) => { writeU16(pdu, 2 + index * 2, value); });
      return pdu;
    }
    case FunctionCode.WriteSingleCoil:
      checkAddress(fc, RESPONSE, response.address);
      return fixed(fc, response.address, response.value ? COIL_ON : COIL_OFF);
    case FunctionCode.WriteSingleRegister:
      checkAddress(fc, RESPONSE, response.address);
      checkRegisterValue(fc, RESPONSE, response.value);
      return fixed(fc, response.address, response.value);
    case FunctionCode.WriteMultipleCoils:
    case FunctionCode.WriteMultipleRegisters:
      checkRange(fc, RESPONSE, response.address, response.quantity,
        fc === FunctionCode.WriteMultipleCoils ? MAX_WRITE_COILS : MAX_WRITE_REGISTERS, '§6.11, §6.12');
      return fixed(fc, response.address, response.quantity);
    case FunctionCode.EncapsulatedInterfaceTransport:
      return encodeDeviceIdentificationResponse(response);
  }
}

function encodeException(response: ExceptionResponse): Uint8Array {
  const { functionCode, exceptionCode } = response;
  if (!Number.isInteger(functionCode) || functionCode < 1 || functionCode >= EXCEPTION_FLAG) {
    throw limitError(functionCode, RESPONSE,
      `function code ${functionCode} is outside 1 to 127, so it has no exception response (MBAP-APP §7)`);
  }
  if (!Number.isInteger(exceptionCode) || exceptionCode < 1 || exceptionCode > 0xff) {
    throw limitError(functionCode, RESPONSE, `exception code ${exceptionCode} is outside 1 to 255 (MBAP-APP §7)`);
  }
  return Uint8Array.of(functionCode | EXCEPTION_FLAG, exceptionCode);
}

/** The words of the error messages per unit id, made once: building them on every decode cost a string per response. */
const responseFromUnit: string[] = [];

function responseFrom(unit: number): string {
  if (!(Number.isInteger(unit) && unit >= 0 && unit <= 0xff)) return `response from unit ${unit}`;
  return responseFromUnit[unit] ??= `response from unit ${unit}`;
}

/**
 * Decodes the response to `request`: the typed response, or the exception the server answered
 * with. Throws only DecodeError: PW_ERR_MODBUS_UNEXPECTED_RESPONSE when it answers another request.
 */
export function decodeResponse<R extends ModbusRequest>(pdu: Uint8Array, request: R, unit?: number): ResponseFor<R> | ExceptionResponse;
export function decodeResponse(pdu: Uint8Array, request: ModbusRequest, unit?: number): ModbusResponse | ExceptionResponse {
  const expected = request.functionCode;
  const what = unit === undefined ? 'response' : responseFrom(unit);
  const fc = pdu[0];
  if (fc === undefined) throw decodeError('PW_ERR_MODBUS_MALFORMED', expected, what, 'the PDU is empty');
  if (pdu.length > MAX_PDU_LENGTH) {
    throw decodeError('PW_ERR_MODBUS_MALFORMED', expected, what, `the PDU is ${pdu
      .length} bytes, more than the ${MAX_PDU_LENGTH} of MBAP-APP §4.1`);
  }
  if (fc === (expected | EXCEPTION_FLAG)) {
    checkLength(pdu, 2, expected, what);
    const exceptionCode = pdu[1] ?? 0;
    if (exceptionCode === 0) throw decodeError('PW_ERR_MODBUS_ILLEGAL_VALUE', expected, what,
      'exception code 0 is not an exception (MBAP-APP §7)');
    return { functionCode: expected, exceptionCode };
  }
  if (fc !== expected) {
    throw decodeError('PW_ERR_MODBUS_UNEXPECTED_RESPONSE', expected, what, `the response carries function code 0x${fc.toString(16).padStart(
      2, '0')}`);
  }
  switch (request.functionCode) {
    case FunctionCode.ReadCoils:
    case FunctionCode.ReadDiscreteInputs: {
      const byteCount = countedLength(pdu, expected, what);
      if (byteCount !== byteCountForBits(request.quantity)) {
        throw decodeError('PW_ERR_MODBUS_UNEXPECTED_RESPONSE', expected, what,
          `byte count ${byteCount} does not carry the ${request.quantity} bits requested (expected ${byteCountForBits(request.quantity)})`);
      }
      return { functionCode: request.functionCode, values: unpackBits(pdu, 2, request.quantity) };
    }
    case FunctionCode.ReadHoldingRegisters:
    case FunctionCode.ReadInputRegisters: {
      const byteCount = countedLength(pdu, expected, what);
      if (byteCount % 2 !== 0) throw decodeError('PW_ERR_MODBUS_ILLEGAL_VALUE', expected, what, `byte count ${byteCount} is odd`);
      if (byteCount !== request.quantity * 2) {
        throw decodeError('PW_ERR_MODBUS_UNEXPECTED_RESPONSE', expected, what,
          `byte count ${byteCount} carries ${byteCount / 2} registers, ${request.quantity} were requested`);
      }
      const values = allocateWords(request.quantity);
      for (let index = 0; index < values.length; index++) values[index] = readU16(pdu, 2 + index * 2);
      return { functionCode: request.functionCode, values };
    }
    case FunctionCode.WriteSingleCoil:
      checkLength(pdu, 5, expected, what);
      checkEcho(pdu, expected, what, request.address, request.value ? COIL_ON : COIL_OFF, 'value');
      return { functionCode: request.functionCode, address: request.address, value: request.value };
    case FunctionCode.WriteSingleRegister:
      checkLength(pdu, 5, expected, what);
      checkEcho(pdu, expected, what, request.address, request.value, 'value');
      return { functionCode: request.functionCode, address: request.address, value: request.value };
    case FunctionCode.WriteMultipleCoils:
    case FunctionCode.WriteMultipleRegisters:
      checkLength(pdu, 5, expected, what);
      checkEcho(pdu, expected, what, request.address, request.values.length, 'quantity');
      return { functionCode: request.functionCode, address: request.address, quantity: request.values.length };
    case FunctionCode.EncapsulatedInterfaceTransport:
      return decodeDeviceIdentificationResponse(pdu, request, what);
  }
}

/** Byte count of a read response, checked against the PDU's length. */
function countedLength(pdu: Uint8Array, fc: number, what: string): number {
  if (pdu.length < 2) throw decodeError('PW_ERR_MODBUS_MALFORMED', fc, what, 'the byte count is missing');
  const byteCount = pdu[1] ?? 0;
  checkLength(pdu, 2 + byteCount, fc, what);
  return byteCount;
}

function checkEcho(pdu: Uint8Array, fc: number, what: string, address: number, second: number, field: string): void {
  const gotAddress = readU16(pdu, 1);
  const gotSecond = readU16(pdu, 3);
  if (gotAddress !== address || gotSecond !== second) {
    throw decodeError('PW_ERR_MODBUS_UNEXPECTED_RESPONSE', fc, what,
      `the echo is address ${gotAddress} ${field} ${gotSecond}, the request was address ${address} ${field} ${second}`);
  }
}

function fixed(fc: number, first: number, second: number): Uint8Array {
  const pdu = new Uint8Array(5);
  pdu[0] = fc;
  writeU16(pdu, 1, first);
  writeU16(pdu, 3, second);
  return pdu;
}
