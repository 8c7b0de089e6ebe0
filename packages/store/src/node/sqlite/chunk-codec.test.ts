import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { StoreError } from '@phasewire/core';
import { decodeChunk, encodeChunk, maxChunkReadings, type SeriesPart } from './chunk-codec.ts';

const series = fc.integer({ min: 1, max: maxChunkReadings }).chain((n) => fc.record({
  deltas: fc.array(fc.oneof(fc.constant(900_000), fc.integer({ min: 1, max: 3_600_000 })), { minLength: n - 1, maxLength: n - 1 }),
  values: fc.array(fc.oneof(fc.integer({ min: -1e12, max: 1e12 }).map((v) => v / 10), fc.double({ noNaN: true, noDefaultInfinity: true })),
    { minLength: n, maxLength: n }),
}));

describe('chunks of compacted readings', () => {
  it('reads back every time and value exactly', () => {
    fc.assert(fc.property(series, ({ deltas, values }) => {
      const part: SeriesPart = { at: [Date.UTC(2026, 0, 5)], values };
      for (const d of deltas) part.at.push((part.at.at(-1) ?? 0) + d);
      const back: SeriesPart = { at: [], values: [] };
      decodeChunk(encodeChunk(part, 0, values.length, 10), part.at[0] ?? 0, 10, 'test chunk', back);
      assert.deepEqual(back.at, part.at);
      assert.deepEqual(back.values.map((v) => (v === 0 ? 0 : v)), values.map((v) => (v === 0 ? 0 : v)));
    }));
  });

  it('reads back values on the resolution grid but too large for the integer codec, swinging in sign', () => {
    // Whole numbers of steps near 2^53: zigzag and second-order deltas of these overflow 2^53, so
    // they must go as doubles (scaling.ts maxScaledMagnitude).
    const values = [450_360_843_235_516.3, -450_360_843_235_516.3, 900_719_925_474_099.1, -9e14, 1e14, 0];
    const part: SeriesPart = { at: values.map((_, i) => Date.UTC(2026, 0, 5) + i * 900_000), values };
    const back: SeriesPart = { at: [], values: [] };
    decodeChunk(encodeChunk(part, 0, values.length, 10), part.at[0] ?? 0, 10, 'test chunk', back);
    assert.deepEqual(back.values, values);
  });

  it('stores a day of a 15-minute register in about two bytes a reading', () => {
    const part: SeriesPart = { at: [], values: [] };
    for (let i = 0; i < 96; i++) { part.at.push(i * 900_000); part.values.push(1e6 + i * 250 + (i % 7) * 3.5); }
    assert.ok(encodeChunk(part, 0, 96, 10).length <= 2 * 96 + 8);
  });

  it('raises only PW_ERR_STORE_CORRUPT on bytes it did not write', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      try {
        decodeChunk(bytes, 0, 10, 'random chunk', { at: [], values: [] });
      } catch (error) {
        assert.ok(error instanceof StoreError);
      }
    }));
  });
});
