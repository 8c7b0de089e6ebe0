// Bytes for the SQLite layout: LEB128 varints (unsigned, and zigzag for signed values) and IEEE 754
// doubles, for chunks of readings and meter state. Integers go up to 2^53 (JavaScript's safe range),
// so the arithmetic avoids 32-bit bit operations above 2^31. The reader is total: truncated or
// over-long input raises PW_ERR_STORE_CORRUPT, never a wrong number or a hang.
import { StoreError } from '@phasewire/core';

/** LEB128 needs 8 groups of 7 bits for 2^53. */
const maxVarintBytes = 8;
/** Tagged numbers keep integers up to 2^50 as integers (zigzag × 2 stays safe). */
const taggedIntegerLimit = 2 ** 50;

/** Zigzag: 0, −1, 1, −2 … → 0, 1, 2, 3 … (small magnitudes of either sign stay small). */
export const zigzag = (v: number): number => (v >= 0 ? v * 2 : -v * 2 - 1);
export const unzigzag = (z: number): number => (z % 2 === 0 ? z / 2 : -(z + 1) / 2);

export class ByteWriter {
  #buffer: Uint8Array;
  #view: DataView;
  #length = 0;

  constructor(capacity = 256) {
    this.#buffer = new Uint8Array(capacity);
    this.#view = new DataView(this.#buffer.buffer);
  }

  get length(): number {
    return this.#length;
  }

  #reserve(bytes: number): void {
    if (this.#length + bytes <= this.#buffer.length) return;
    const grown = new Uint8Array(Math.max(this.#buffer.length * 2, this.#length + bytes));
    grown.set(this.#buffer.subarray(0, this.#length));
    this.#buffer = grown;
    this.#view = new DataView(grown.buffer);
  }

  byte(value: number): void {
    this.#reserve(1);
    this.#buffer[this.#length++] = value;
  }

  /** An unsigned integer, 0 ≤ value ≤ 2^53. */
  uint(value: number): void {
    this.#reserve(maxVarintBytes);
    const buffer = this.#buffer;
    let length = this.#length;
    let v = value;
    // Above 2^31 the bit operators would truncate: peel 7 bits at a time by division first.
    while (v >= 0x8000_0000) {
      buffer[length++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    while (v >= 0x80) {
      buffer[length++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buffer[length++] = v;
    this.#length = length;
  }

  /** A signed integer, |value| < 2^52. */
  int(value: number): void {
    this.uint(zigzag(value));
  }

  f64(value: number): void {
    this.#reserve(8);
    this.#view.setFloat64(this.#length, value, true);
    this.#length += 8;
  }

  /** Any finite number: an integer when it is one (and not huge), else a double. */
  number(value: number): void {
    if (Number.isInteger(value) && Math.abs(value) <= taggedIntegerLimit) {
      this.uint(zigzag(value) * 2);
    } else {
      this.uint(1);
      this.f64(value);
    }
  }

  /** A copy of the bytes written. */
  bytes(): Uint8Array {
    return this.#buffer.slice(0, this.#length);
  }

  /** The bytes written, without a copy: valid until the writer is used again. */
  view(): Uint8Array {
    return this.#buffer.subarray(0, this.#length);
  }

  /** Starts over, keeping the buffer (a writer reused for many encodings allocates nothing). */
  reset(): this {
    this.#length = 0;
    return this;
  }
}

/** Size in bytes of `value` as an unsigned varint. */
export function uintSize(value: number): number {
  let size = 1;
  for (let v = value; v >= 0x80; v = Math.floor(v / 0x80)) size++;
  return size;
}

export class ByteReader {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  readonly #what: string;
  #offset = 0;

  /** `what` names the stored object in error messages ("chunk of meter 7, quantity 3 at …"). */
  constructor(bytes: Uint8Array, what: string) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#what = what;
  }

  get done(): boolean {
    return this.#offset >= this.#bytes.length;
  }

  fail(problem: string): never {
    throw new StoreError('PW_ERR_STORE_CORRUPT',
      `Cannot decode the stored ${this.#what}: ${problem} at byte ${this.#offset} of ${this.#bytes.length}`);
  }

  byte(): number {
    const b = this.#bytes[this.#offset];
    if (b === undefined) return this.fail('it ends early');
    this.#offset++;
    return b;
  }

  uint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < maxVarintBytes; i++) {
      const b = this.byte();
      value += (b & 0x7f) * scale;
      if (b < 0x80) {
        if (!Number.isSafeInteger(value)) return this.fail('a number is larger than 2^53');
        return value;
      }
      scale *= 0x80;
    }
    return this.fail(`a number is longer than ${maxVarintBytes} bytes`);
  }

  int(): number {
    return unzigzag(this.uint());
  }

  f64(): number {
    if (this.#offset + 8 > this.#bytes.length) return this.fail('a double ends early');
    const value = this.#view.getFloat64(this.#offset, true);
    this.#offset += 8;
    if (!Number.isFinite(value)) return this.fail('a double is not finite');
    return value;
  }

  number(): number {
    const tag = this.uint();
    if (tag === 1) return this.f64();
    if (tag % 2 !== 0) return this.fail(`number tag ${tag} is unknown`);
    return unzigzag(tag / 2);
  }

  /** Fails unless every byte was read. */
  end(): void {
    if (!this.done) this.fail('bytes are left over');
  }
}
