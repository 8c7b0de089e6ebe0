// A cursor over bytes with explicit byte and word order, for the codec and for device profiles
// that turn registers into numbers. Every read is bounds-checked and throws only DecodeError.
import { DecodeError } from '@phasewire/core';
import { wireIndex, type WordOrder } from './word-order.ts';

/**
 * Scratch space in big-endian order for reordered reads, shared by all readers: reads are
 * synchronous, so no two use it at once, and a reader costs no allocation beyond itself.
 */
const scratch = new DataView(new ArrayBuffer(8));

export class ByteReader {
  readonly #bytes: Uint8Array;
  readonly #order: WordOrder;
  #offset = 0;

  /** `order` is the default for multi-byte reads; each read may override it. */
  constructor(bytes: Uint8Array, order: WordOrder = 'ABCD') {
    this.#bytes = bytes;
    this.#order = order;
  }

  get offset(): number {
    return this.#offset;
  }

  get remaining(): number {
    return this.#bytes.length - this.#offset;
  }

  skip(count: number): void {
    this.#take(count, 'skip');
  }

  uint8(): number {
    return this.#bytes[this.#take(1, 'uint8')] ?? 0;
  }

  int8(): number {
    return ((this.#bytes[this.#take(1, 'int8')] ?? 0) << 24) >> 24;
  }

  uint16(order?: WordOrder): number {
    return this.#ordered(2, 'uint16', order).getUint16(0);
  }

  int16(order?: WordOrder): number {
    return this.#ordered(2, 'int16', order).getInt16(0);
  }

  uint32(order?: WordOrder): number {
    return this.#ordered(4, 'uint32', order).getUint32(0);
  }

  int32(order?: WordOrder): number {
    return this.#ordered(4, 'int32', order).getInt32(0);
  }

  uint64(order?: WordOrder): bigint {
    return this.#ordered(8, 'uint64', order).getBigUint64(0);
  }

  int64(order?: WordOrder): bigint {
    return this.#ordered(8, 'int64', order).getBigInt64(0);
  }

  /**
   * An IEEE 754 binary32. NaN and the infinities are refused with a DecodeError (decoders never
   * yield NaN); a profile that gives a bit pattern a meaning ("not available") reads uint32.
   */
  float32(order?: WordOrder): number {
    const at = this.#offset;
    return this.#finite(this.#ordered(4, 'float32', order).getFloat32(0), 'float32', at);
  }

  /** An IEEE 754 binary64; non-finite values are refused as for float32. */
  float64(order?: WordOrder): number {
    const at = this.#offset;
    return this.#finite(this.#ordered(8, 'float64', order).getFloat64(0), 'float64', at);
  }

  /** The next `count` bytes, as a view (not a copy) into the underlying bytes. */
  bytes(count: number): Uint8Array {
    const at = this.#take(count, `${count} bytes`);
    return this.#bytes.subarray(at, at + count);
  }

  #take(count: number, what: string): number {
    const at = this.#offset;
    if (!Number.isInteger(count) || count < 0 || count > this.#bytes.length - at) {
      throw new DecodeError(
        'PW_ERR_DECODE',
        `Cannot read ${what} at offset ${at}: ${this.#bytes.length - at} bytes remain, ${count} needed`,
      );
    }
    this.#offset = at + count;
    return at;
  }

  #ordered(size: number, what: string, order: WordOrder | undefined): DataView {
    const at = this.#take(size, what);
    const effective = order ?? this.#order;
    for (let index = 0; index < size; index++) {
      // #take has checked the bounds, so the index is inside the bytes.
      scratch.setUint8(index, this.#bytes[at + wireIndex(effective, size, index)] ?? 0);
    }
    return scratch;
  }

  #finite(value: number, what: string, at: number): number {
    if (!Number.isFinite(value)) {
      throw new DecodeError('PW_ERR_DECODE', `Cannot read ${what} at offset ${at}: the bits encode ${value}, expected a finite number`);
    }
    return value;
  }
}
