// Between a profile point's registers and its value in catalogue units. Decoding is total: any
// words give a finite number or a DecodeError (float NaN and infinities are refused by
// ByteReader, so a register that means "not available" never becomes a value).
import { DecodeError, ValidationError } from '@phasewire/core';
import { ByteReader } from '../byte-reader.ts';
import { ByteWriter } from '../byte-writer.ts';
import { bytesToRegisters, registersToBytes } from '../registers.ts';
import { registersOf, type PointType, type ProfilePoint } from './profile-types.ts';

/** The raw number a point's registers hold (64-bit integers converted, exact up to 2^53). */
export function readRaw(type: PointType, words: ArrayLike<number>, order: ProfilePoint['order']): number {
  if (words.length < registersOf(type)) {
    throw new DecodeError('PW_ERR_DECODE', `Cannot decode a ${type} value: ${words.length} registers, expected ${registersOf(type)}`);
  }
  const reader = new ByteReader(registersToBytes(words), order);
  switch (type) {
    case 'int16': return reader.int16();
    case 'uint16': return reader.uint16();
    case 'int32': return reader.int32();
    case 'uint32': return reader.uint32();
    case 'float32': return reader.float32();
    case 'int64': return Number(reader.int64());
    case 'uint64': return Number(reader.uint64());
    case 'float64': return reader.float64();
  }
}

/** The factor from a raw register value to catalogue units, with an optional scale-register exponent. */
export function factorOf(point: ProfilePoint, exponent = 0): number {
  return point.scale * point.unitFactor * 10 ** exponent;
}

/** The point's value in catalogue units from its registers (and its scale register's exponent). */
export function decodePoint(point: ProfilePoint, words: ArrayLike<number>, exponent = 0): number {
  const value = readRaw(point.type, words, point.order) * factorOf(point, exponent);
  if (!Number.isFinite(value)) {
    throw new DecodeError('PW_ERR_DECODE', `Cannot decode ${point.quantity.key} at register ${point
      .address}: scaling gives ${value}, expected a finite number`);
  }
  return value;
}

const integerRanges: Partial<Record<PointType, readonly [number, number]>> = {
  int16: [-0x8000, 0x7fff], uint16: [0, 0xffff], int32: [-0x8000_0000, 0x7fff_ffff], uint32: [0, 0xffff_ffff],
  int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER], uint64: [0, Number.MAX_SAFE_INTEGER],
};

/** The registers a device of this profile holds for `value` (catalogue units): the inverse of decodePoint, rounded for integer types. */
export function encodePoint(point: ProfilePoint, value: number, exponent = 0): Uint16Array {
  const scaled = value / factorOf(point, exponent);
  const range = integerRanges[point.type];
  const raw = range === undefined ? scaled : Math.round(scaled);
  if (!Number.isFinite(raw) || (range !== undefined && (raw < range[0] || raw > range[1]))) {
    throw new ValidationError('PW_ERR_PROFILE_VALUE', `Cannot encode ${point.quantity.key} = ${value} as ${point.type} with scale ${point
      .scale} ${point.unit}: raw value ${raw} is outside the type`);
  }
  const writer = new ByteWriter(8, point.order);
  switch (point.type) {
    case 'int16': writer.int16(raw); break;
    case 'uint16': writer.uint16(raw); break;
    case 'int32': writer.int32(raw); break;
    case 'uint32': writer.uint32(raw); break;
    case 'float32': writer.float32(raw); break;
    case 'int64': writer.int64(BigInt(raw)); break;
    case 'uint64': writer.uint64(BigInt(raw)); break;
    case 'float64': writer.float64(raw); break;
  }
  return bytesToRegisters(writer.toBytes());
}
