// The writing half of ByteReader: explicit byte and word order, range-checked values. A value
// out of range for its type is the caller's mistake, so it throws ValidationError.
import { ValidationError } from '@phasewire/core';
import { wireIndex, type WordOrder } from './word-order.ts';

export class ByteWriter {
  #bytes: Uint8Array;
  #length = 0;
  readonly #order: WordOrder;
  readonly #scratch = new DataView(new ArrayBuffer(8));

  constructor(initialCapacity = 64, order: WordOrder = 'ABCD') {
    this.#bytes = new Uint8Array(Math.max(1, initialCapacity));
    this.#order = order;
  }

  get length(): number {
    return this.#length;
  }

  /** A copy of the bytes written so far. */
  toBytes(): Uint8Array {
    return this.#bytes.slice(0, this.#length);
  }

  uint8(value: number): this {
    this.#check(value, 0, 0xff, 'uint8');
    this.#reserve(1)[0] = value;
    this.#length += 1;
    return this;
  }

  int8(value: number): this {
    this.#check(value, -0x80, 0x7f, 'int8');
    return this.uint8(value & 0xff);
  }

  uint16(value: number, order?: WordOrder): this {
    this.#check(value, 0, 0xffff, 'uint16');
    this.#scratch.setUint16(0, value);
    return this.#put(2, order);
  }

  int16(value: number, order?: WordOrder): this {
    this.#check(value, -0x8000, 0x7fff, 'int16');
    this.#scratch.setInt16(0, value);
    return this.#put(2, order);
  }

  uint32(value: number, order?: WordOrder): this {
    this.#check(value, 0, 0xffff_ffff, 'uint32');
    this.#scratch.setUint32(0, value);
    return this.#put(4, order);
  }

  int32(value: number, order?: WordOrder): this {
    this.#check(value, -0x8000_0000, 0x7fff_ffff, 'int32');
    this.#scratch.setInt32(0, value);
    return this.#put(4, order);
  }

  uint64(value: bigint, order?: WordOrder): this {
    if (value < 0n || value > 0xffff_ffff_ffff_ffffn) throw this.#range(value, 'uint64');
    this.#scratch.setBigUint64(0, value);
    return this.#put(8, order);
  }

  int64(value: bigint, order?: WordOrder): this {
    if (value < -0x8000_0000_0000_0000n || value > 0x7fff_ffff_ffff_ffffn) throw this.#range(value, 'int64');
    this.#scratch.setBigInt64(0, value);
    return this.#put(8, order);
  }

  /** Rounds to the nearest binary32; non-finite values are refused (decoders refuse them too). */
  float32(value: number, order?: WordOrder): this {
    if (!Number.isFinite(value)) throw this.#range(value, 'float32');
    this.#scratch.setFloat32(0, value);
    if (!Number.isFinite(this.#scratch.getFloat32(0))) throw this.#range(value, 'float32');
    return this.#put(4, order);
  }

  float64(value: number, order?: WordOrder): this {
    if (!Number.isFinite(value)) throw this.#range(value, 'float64');
    this.#scratch.setFloat64(0, value);
    return this.#put(8, order);
  }

  bytes(value: Uint8Array): this {
    this.#reserve(value.length).set(value);
    this.#length += value.length;
    return this;
  }

  #put(size: number, order: WordOrder | undefined): this {
    const target = this.#reserve(size);
    const effective = order ?? this.#order;
    for (let index = 0; index < size; index++) {
      target[wireIndex(effective, size, index)] = this.#scratch.getUint8(index);
    }
    this.#length += size;
    return this;
  }

  /** The next `size` bytes of the buffer, grown (doubling) if needed. */
  #reserve(size: number): Uint8Array {
    if (this.#length + size > this.#bytes.length) {
      const grown = new Uint8Array(Math.max(this.#bytes.length * 2, this.#length + size));
      grown.set(this.#bytes.subarray(0, this.#length));
      this.#bytes = grown;
    }
    return this.#bytes.subarray(this.#length, this.#length + size);
  }

  #check(value: number, low: number, high: number, what: string): void {
    if (!Number.isInteger(value) || value < low || value > high) throw this.#range(value, what);
  }

  #range(value: number | bigint, what: string): ValidationError {
    return new ValidationError('PW_ERR_INVALID_ARGUMENT', `Cannot write ${String(
      value)} as ${what}: the value is outside the type's range`);
  }
}
