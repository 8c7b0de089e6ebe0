// Registers are 16-bit words sent high byte first (MBAP-APP §4.2). These two functions move
// between the register values a read returns and the bytes a ByteReader decodes with a word order.
import { ValidationError } from '@phasewire/core';

/** Register values → their bytes as on the wire (big-endian per register). */
export function registersToBytes(registers: ArrayLike<number>): Uint8Array {
  const bytes = new Uint8Array(registers.length * 2);
  for (let index = 0; index < registers.length; index++) {
    const value = registers[index] ?? 0;
    bytes[index * 2] = (value >> 8) & 0xff;
    bytes[index * 2 + 1] = value & 0xff;
  }
  return bytes;
}

/** Bytes as on the wire → register values. Registers are whole words, so the length must be even. */
export function bytesToRegisters(bytes: Uint8Array): Uint16Array {
  if (bytes.length % 2 !== 0) {
    throw new ValidationError('PW_ERR_INVALID_ARGUMENT', `Cannot split ${bytes.length} bytes into 16-bit registers: the length is odd`);
  }
  const registers = new Uint16Array(bytes.length >> 1);
  for (let index = 0; index < registers.length; index++) {
    registers[index] = ((bytes[index * 2] ?? 0) << 8) | (bytes[index * 2 + 1] ?? 0);
  }
  return registers;
}
