import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fnv1a64 } from './bill-documents.ts';

/** FNV-1a 64 as the fingerprints of stored bills were first made (a bigint per character): the fast one must give the same text. */
function fnvBigint(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (let i = 0; i < text.length; i++) hash = BigInt.asUintN(64, (hash ^ BigInt(text.charCodeAt(i))) * 0x100000001b3n);
  return hash.toString(16).padStart(16, '0');
}

describe('bill fingerprints', () => {
  it('are FNV-1a 64 of the text, as bigint arithmetic gives it, for any UTF-16 text', () => {
    // Published FNV-1a 64 test vectors: "" and "a".
    assert.equal(fnv1a64(''), 'cbf29ce484222325');
    assert.equal(fnv1a64('a'), 'af63dc4c8601ec8c');
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => { assert.equal(fnv1a64(text), fnvBigint(text)); }));
  });
});
