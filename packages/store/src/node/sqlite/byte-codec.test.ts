import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { hasCode, StoreError } from '@phasewire/core';
import { ByteReader, ByteWriter, uintSize } from './byte-codec.ts';

describe('byte codec of the SQLite layout', () => {
  it('reads back every unsigned, signed and tagged number it writes, up to 2^53', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.nat({ max: Number.MAX_SAFE_INTEGER }), fc.integer({ min: -(2 ** 51), max: 2 ** 51 }),
      fc.double({ noNaN: true, noDefaultInfinity: true }))), (values) => {
      const w = new ByteWriter(4);
      for (const [u, i, d] of values) { w.uint(u); w.int(i); w.number(d); w.f64(d); }
      const r = new ByteReader(w.bytes(), 'test data');
      for (const [u, i, d] of values) {
        assert.equal(r.uint(), u);
        assert.equal(r.int(), i);
        assert.ok(Object.is(r.number(), d) || d === 0);
        assert.ok(Object.is(r.f64(), d));
      }
      r.end();
    }));
  });

  it('sizes a varint as it writes it: 7 bits a byte', () => {
    for (const [value, size] of [[0, 1], [127, 1], [128, 2], [2 ** 31, 5], [Number.MAX_SAFE_INTEGER, 8]] as const) {
      const w = new ByteWriter();
      w.uint(value);
      assert.equal(w.length, size);
      assert.equal(uintSize(value), size);
    }
  });

  it('refuses truncated, over-long and left-over bytes with PW_ERR_STORE_CORRUPT, and nothing else', () => {
    assert.throws(() => new ByteReader(Uint8Array.of(0x80), 'x').uint(), (e) => hasCode(e, 'PW_ERR_STORE_CORRUPT'));
    assert.throws(() => new ByteReader(new Uint8Array(9).fill(0xff), 'x').uint(), (e) => hasCode(e, 'PW_ERR_STORE_CORRUPT'));
    assert.throws(() => new ByteReader(Uint8Array.of(1, 2), 'x').f64(), (e) => hasCode(e, 'PW_ERR_STORE_CORRUPT'));
    assert.throws(() => { const r = new ByteReader(Uint8Array.of(1, 2), 'x'); r.uint(); r.end(); },
      (e) => hasCode(e, 'PW_ERR_STORE_CORRUPT'));
    fc.assert(fc.property(fc.uint8Array({ maxLength: 32 }), (bytes) => {
      const r = new ByteReader(bytes, 'random bytes');
      try {
        while (!r.done) r.number();
      } catch (error) {
        assert.ok(error instanceof StoreError);
      }
    }));
  });
});
