import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { DecodeError } from '@phasewire/core';
import { derTag, encodeOid, encodeTlv, readChildren, readTlv } from './der.ts';

describe('DER reader', () => {
  it('reads short and long definite lengths', () => {
    const long = encodeTlv(derTag.octetString, new Uint8Array(300));
    assert.deepEqual([...long.subarray(0, 4)], [0x04, 0x82, 0x01, 0x2c]);
    const tlv = readTlv(long);
    assert.equal(tlv.value.length, 300);
    assert.equal(tlv.end, long.length);
  });

  it('encodes object identifiers as X.690 §8.19 does (1.2.840.113549.1.7.2)', () => {
    assert.deepEqual([...encodeOid('1.2.840.113549.1.7.2')], [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02]);
  });

  it('refuses indefinite, non-minimal and oversized lengths, and lengths past the end', () => {
    assert.throws(() => readTlv(Uint8Array.of(0x30, 0x80, 0x00, 0x00)), /indefinite/);
    assert.throws(() => readTlv(Uint8Array.of(0x04, 0x81, 0x05, 1, 2, 3, 4, 5)), /non-minimal/);
    assert.throws(() => readTlv(Uint8Array.of(0x04, 0x85, 1, 0, 0, 0, 0)), /5-byte length/);
    assert.throws(() => readTlv(Uint8Array.of(0x04, 0x84, 0x7f, 0xff, 0xff, 0xff)), /to fit in the input/);
  });

  it('is total: any bytes give elements or a DecodeError, never more children than the limit', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      try {
        assert.ok(readChildren(bytes, 'fuzz', 8).length <= 8);
      } catch (error) {
        assert.ok(error instanceof DecodeError, String(error));
      }
    }));
  });
});
