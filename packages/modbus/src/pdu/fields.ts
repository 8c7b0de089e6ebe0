// Shared pieces of the PDU codec: 16-bit fields, bit packing and the limit checks, each with the
// error the caller's side calls for (ValidationError when encoding, DecodeError when decoding).
import { DecodeError, ValidationError, type ErrorCode } from '@phasewire/core';
import { ADDRESS_SPACE } from '../limits.ts';
import { describeFunction } from '../function-code.ts';

export function readU16(pdu: Uint8Array, at: number): number {
  return ((pdu[at] ?? 0) << 8) | (pdu[at + 1] ?? 0);
}

export function writeU16(target: Uint8Array, at: number, value: number): void {
  target[at] = (value >> 8) & 0xff;
  target[at + 1] = value & 0xff;
}

/** Bits packed LSB first: the first bit is bit 0 of the first byte (§6.1); padding bits are 0. */
export function packBits(values: readonly boolean[], target: Uint8Array, at: number): void {
  for (let index = 0; index < values.length; index++) {
    if (values[index] === true) {
      const byte = at + (index >> 3);
      target[byte] = (target[byte] ?? 0) | (1 << (index & 7));
    }
  }
}

export function unpackBits(source: Uint8Array, at: number, count: number): boolean[] {
  const values = new Array<boolean>(count);
  for (let index = 0; index < count; index++) {
    values[index] = (((source[at + (index >> 3)] ?? 0) >> (index & 7)) & 1) === 1;
  }
  return values;
}

export const byteCountForBits = (quantity: number): number => Math.ceil(quantity / 8);

export function decodeError(code: ErrorCode, functionCode: number, what: string, problem: string): DecodeError {
  return new DecodeError(code, `Cannot decode ${describeFunction(functionCode)} ${what}: ${problem}`);
}

export function limitError(functionCode: number, what: 'request' | 'response', problem: string): ValidationError {
  return new ValidationError('PW_ERR_MODBUS_LIMIT', `Cannot encode ${describeFunction(functionCode)} ${what}: ${problem}`);
}

/** Encoder side: an address, a quantity in [1, max], and the range inside the 64 Ki address space. */
export function checkRange(functionCode: number, what: 'request' | 'response', address: number, quantity: number, max: number, clause:
  string): void {
  checkAddress(functionCode, what, address);
  if (!Number.isInteger(quantity) || quantity < 1 || quantity > max) {
    throw limitError(functionCode, what, `quantity ${quantity} is outside 1 to ${max} (${clause})`);
  }
  if (address + quantity > ADDRESS_SPACE) {
    throw limitError(functionCode, what, `addresses ${address} to ${address + quantity - 1} run past 65535 (MBAP-APP §4.4)`);
  }
}

export function checkAddress(functionCode: number, what: 'request' | 'response', address: number): void {
  if (!Number.isInteger(address) || address < 0 || address >= ADDRESS_SPACE) {
    throw limitError(functionCode, what, `address ${address} is outside 0 to 65535 (MBAP-APP §4.4)`);
  }
}

export function checkRegisterValue(functionCode: number, what: 'request' | 'response', value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff) {
    throw limitError(functionCode, what, `register value ${value} is outside 0 to 65535`);
  }
}

/** Decoder side: the quantity check (exception 0x03) comes before the address check (0x02), as in the state diagrams of §6. */
export function checkDecodedRange(functionCode: number, address: number, quantity: number, max: number, clause: string): void {
  if (quantity < 1 || quantity > max) {
    throw decodeError('PW_ERR_MODBUS_ILLEGAL_VALUE', functionCode, 'request', `quantity ${quantity} is outside 1 to ${max} (${clause})`);
  }
  if (address + quantity > ADDRESS_SPACE) {
    throw decodeError('PW_ERR_MODBUS_ILLEGAL_ADDRESS', functionCode, 'request', `addresses ${address} to ${address + quantity -
      1} run past 65535 (MBAP-APP §4.4)`);
  }
}

export function checkLength(pdu: Uint8Array, expected: number, functionCode: number, what: string): void {
  if (pdu.length !== expected) {
    throw decodeError('PW_ERR_MODBUS_MALFORMED', functionCode, what, `the PDU is ${pdu.length} bytes, expected ${expected}`);
  }
}
