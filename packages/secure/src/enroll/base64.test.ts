import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeBase64, encodeBase64 } from './base64.ts';

describe('base64 for EST bodies', () => {
  it('round-trips any bytes, with or without line breaks (RFC 4648 §4)', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 1, maxLength: 300 }), (bytes) => {
      const text = encodeBase64(bytes);
      assert.equal(text, Buffer.from(bytes).toString('base64'));
      assert.deepEqual(decodeBase64(text.replace(/(.{64})/g, '$1\r\n'), 'test', 1024), bytes);
    }));
  });

  it('refuses other characters, bad padding and oversized input', () => {
    assert.throws(() => decodeBase64('ab$d', 'test', 100), /not base64/);
    assert.throws(() => decodeBase64('abc', 'test', 100), /not base64/);
    assert.throws(() => decodeBase64('', 'test', 100), /not base64/);
    assert.throws(() => decodeBase64('AAAA'.repeat(100), 'test', 30), /expected at most 40/);
  });
});
