import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { DecodeError, ValidationError } from '@phasewire/core';
import { ByteReader } from './byte-reader.ts';
import { ByteWriter } from './byte-writer.ts';
import { registersToBytes } from './registers.ts';
import { wordOrders, type WordOrder } from './word-order.ts';

// Where each byte of the big-endian layout goes on the wire, written out by hand rather than
// computed, so the test does not share the implementation's arithmetic.
const layouts: Record<number, Record<WordOrder, readonly number[]>> = {
  2: { ABCD: [0, 1], BADC: [1, 0], CDAB: [0, 1], DCBA: [1, 0] },
  4: { ABCD: [0, 1, 2, 3], BADC: [1, 0, 3, 2], CDAB: [2, 3, 0, 1], DCBA: [3, 2, 1, 0] },
  8: {
    ABCD: [0, 1, 2, 3, 4, 5, 6, 7],
    BADC: [1, 0, 3, 2, 5, 4, 7, 6],
    CDAB: [6, 7, 4, 5, 2, 3, 0, 1],
    DCBA: [7, 6, 5, 4, 3, 2, 1, 0],
  },
};

function onWire(bigEndian: readonly number[], order: WordOrder): Uint8Array {
  const layout = layouts[bigEndian.length]![order];
  return Uint8Array.from(layout, (index) => bigEndian[index]!);
}

interface Case {
  readonly type: 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32' | 'int64' | 'uint64' | 'float64';
  readonly value: number | bigint;
  readonly bigEndian: readonly number[];
}

const cases: readonly Case[] = [
  { type: 'uint16', value: 0x1234, bigEndian: [0x12, 0x34] },
  { type: 'int16', value: -2, bigEndian: [0xff, 0xfe] },
  { type: 'uint32', value: 0x11223344, bigEndian: [0x11, 0x22, 0x33, 0x44] },
  { type: 'int32', value: -123456789, bigEndian: [0xf8, 0xa4, 0x32, 0xeb] },
  // 230.5 V as a meter reports it: IEEE 754 binary32 0x43668000.
  { type: 'float32', value: 230.5, bigEndian: [0x43, 0x66, 0x80, 0x00] },
  { type: 'uint64', value: 0x1122334455667788n, bigEndian: [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88] },
  { type: 'int64', value: -2n, bigEndian: [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe] },
  // 50.02 Hz as binary64: 0x4049028F5C28F5C3.
  { type: 'float64', value: 50.02, bigEndian: [0x40, 0x49, 0x02, 0x8f, 0x5c, 0x28, 0xf5, 0xc3] },
];

function read(reader: ByteReader, type: Case['type'], order?: WordOrder): number | bigint {
  switch (type) {
    case 'uint16': return reader.uint16(order);
    case 'int16': return reader.int16(order);
    case 'uint32': return reader.uint32(order);
    case 'int32': return reader.int32(order);
    case 'float32': return reader.float32(order);
    case 'uint64': return reader.uint64(order);
    case 'int64': return reader.int64(order);
    case 'float64': return reader.float64(order);
  }
}

function write(writer: ByteWriter, type: Case['type'], value: number | bigint, order?: WordOrder): void {
  switch (type) {
    case 'uint16': writer.uint16(value as number, order); break;
    case 'int16': writer.int16(value as number, order); break;
    case 'uint32': writer.uint32(value as number, order); break;
    case 'int32': writer.int32(value as number, order); break;
    case 'float32': writer.float32(value as number, order); break;
    case 'uint64': writer.uint64(value as bigint, order); break;
    case 'int64': writer.int64(value as bigint, order); break;
    case 'float64': writer.float64(value as number, order); break;
  }
}

describe('ByteReader and ByteWriter word orders', () => {
  for (const { type, value, bigEndian } of cases) {
    for (const order of wordOrders) {
      const bytes = onWire(bigEndian, order);
      it(`reads and writes ${type} ${String(value)} in ${order} order as ${Buffer.from(bytes).toString('hex')}`, () => {
        assert.equal(read(new ByteReader(bytes, order), type), value);
        assert.equal(read(new ByteReader(bytes), type, order), value, 'a per-read order overrides the default');
        const writer = new ByteWriter(1, order);
        write(writer, type, value);
        assert.deepEqual(writer.toBytes(), bytes);
      });
    }
  }

  it('reads a float32 that a meter sends low word first from its two registers', () => {
    // 230.0 = 0x43660000; a CDAB meter puts the low word 0x0000 in the first register.
    const reader = new ByteReader(registersToBytes([0x0000, 0x4366]), 'CDAB');
    assert.equal(reader.float32(), 230);
  });

  it('round-trips every type in every order', () => {
    const order = fc.constantFrom(...wordOrders);
    fc.assert(fc.property(
      order, fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff }), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
      fc.double({ noNaN: true, noDefaultInfinity: true }), fc.float({ noNaN: true, noDefaultInfinity: true }),
      (wordOrder, int32, int64, float64, float32) => {
        const writer = new ByteWriter(4, wordOrder);
        writer.int32(int32).uint32(int32 >>> 0).int64(int64).uint64(BigInt.asUintN(64, int64)).float64(float64).float32(float32)
          .int16(int32 >> 16).uint16(int32 & 0xffff);
        const reader = new ByteReader(writer.toBytes(), wordOrder);
        assert.equal(reader.int32(), int32);
        assert.equal(reader.uint32(), int32 >>> 0);
        assert.equal(reader.int64(), int64);
        assert.equal(reader.uint64(), BigInt.asUintN(64, int64));
        assert.equal(reader.float64(), float64);
        assert.equal(reader.float32(), Math.fround(float32));
        assert.equal(reader.int16(), int32 >> 16);
        assert.equal(reader.uint16(), int32 & 0xffff);
        assert.equal(reader.remaining, 0);
      },
    ));
  });
});

describe('ByteReader bounds', () => {
  it('refuses to read past the end with a DecodeError that says what and where', () => {
    const reader = new ByteReader(Uint8Array.of(1, 2, 3));
    reader.uint8();
    assert.throws(() => reader.uint32(), (error: unknown) => error instanceof DecodeError && error.code === 'PW_ERR_DECODE'
      && /Cannot read uint32 at offset 1: 2 bytes remain, 4 needed/.test(error.message));
    assert.equal(reader.offset, 1, 'a failed read consumes nothing');
  });

  it('refuses NaN and infinities instead of returning them', () => {
    assert.throws(() => new ByteReader(Uint8Array.of(0x7f, 0xc0, 0, 0)).float32(), DecodeError);
    assert.throws(() => new ByteReader(Uint8Array.of(0x7f, 0xf0, 0, 0, 0, 0, 0, 0)).float64(), DecodeError);
  });

  it('gives views of byte runs and skips', () => {
    const reader = new ByteReader(Uint8Array.of(1, 2, 3, 4, 5));
    reader.skip(1);
    assert.deepEqual(reader.bytes(3), Uint8Array.of(2, 3, 4));
    assert.equal(reader.int8(), 5);
    assert.throws(() => reader.bytes(1), DecodeError);
  });
});

describe('ByteWriter ranges', () => {
  it('refuses values outside the type', () => {
    const writer = new ByteWriter();
    for (const attempt of [() => writer.uint16(0x1_0000), () => writer.int16(0x8000), () => writer.uint8(-1), () => writer.uint32(1.5),
      () => writer.int8(128), () => writer.uint64(-1n), () => writer.int64(2n ** 63n), () => writer.float32(Number.NaN),
      () => writer.float32(1e39), () => writer.float64(Number.POSITIVE_INFINITY)]) {
      assert.throws(attempt, ValidationError);
    }
    assert.equal(writer.length, 0);
  });

  it('grows past its initial capacity', () => {
    const writer = new ByteWriter(1);
    for (let index = 0; index < 100; index++) writer.uint16(index);
    assert.equal(writer.length, 200);
    const reader = new ByteReader(writer.toBytes());
    reader.skip(198);
    assert.equal(reader.uint16(), 99);
  });
});
