import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { StoreError } from '@phasewire/core';
import { decodeSnapshotColumns, decodeSnapshotText, encodeSnapshotText } from './snapshot-text.ts';

const stepsOf = (id: number): number => [1, 10, 100, 1000, 10_000][id % 5] ?? 1;

describe('recent snapshot text', () => {
  it('reads back every quantity id and value exactly, on the resolution grid or not', () => {
    const entry = fc.tuple(fc.nat({ max: 500 }),
      fc.oneof(fc.integer({ min: -1e9, max: 1e9 }).map((n) => n / 100), fc.double({ noNaN: true, noDefaultInfinity: true })));
    fc.assert(fc.property(fc.uniqueArray(entry, { selector: ([id]) => id, maxLength: 40 }), (entries) => {
      const text = encodeSnapshotText(entries.map(([id]) => id), entries.map(([, v]) => v), entries.map(([id]) => stepsOf(id)));
      assert.match(text, /^[\x20-\x7f]*$/, 'ASCII without control characters');
      const back: [number, number][] = [];
      decodeSnapshotText(text, stepsOf, (id, value) => back.push([id, value]));
      assert.deepEqual(back.map(([id, v]) => [id, v === 0 ? 0 : v]), entries.map(([id, v]) => [id, v === 0 ? 0 : v]));
    }));
  });

  it('reads back a value on the resolution grid whose zigzag form would pass 2^53', () => {
    // Found by the property above: −45036084323551.63 at 100 steps is −4.5·10^15 steps, and its
    // zigzag form 9.007·10^15 is beyond 2^53; it must be written as decimal text instead.
    for (const value of [-45_036_084_323_551.63, 45_036_084_323_551.63, -90_071_992_547_409.91]) {
      const back: number[] = [];
      decodeSnapshotText(encodeSnapshotText([2], [value], [100]), stepsOf, (_, v) => back.push(v));
      assert.deepEqual(back, [value]);
    }
  });

  it('keeps a 13-value three-phase snapshot under 70 characters', () => {
    const values = [230.12, 229.87, 231.05, 12.345, 11.987, 13.002, 0.9312, 0.9123, 0.9456, 8123.4, 2345.6, 50.012, 12345678.9];
    const steps = [100, 100, 100, 1000, 1000, 1000, 10_000, 10_000, 10_000, 10, 10, 1000, 10];
    assert.ok(encodeSnapshotText(values.map((_, i) => i + 1), values, steps).length < 70);
  });

  it('raises only PW_ERR_STORE_CORRUPT on text it did not write', () => {
    fc.assert(fc.property(fc.string({ maxLength: 40 }), (text) => {
      try {
        decodeSnapshotText(text, stepsOf, () => undefined);
      } catch (error) {
        assert.ok(error instanceof StoreError);
      }
    }));
  });

  it('reads only the wanted quantities into their columns of a table row, the same values as a full decode', () => {
    const entry = fc.tuple(fc.nat({ max: 60 }),
      fc.oneof(fc.integer({ min: -1e9, max: 1e9 }).map((n) => n / 100), fc.double({ noNaN: true, noDefaultInfinity: true })));
    fc.assert(fc.property(fc.uniqueArray(entry, { selector: ([id]) => id, maxLength: 20 }),
      fc.uniqueArray(fc.nat({ max: 60 }), { maxLength: 8 }), fc.nat({ max: 3 }), (entries, wantedIds, row) => {
      const text = encodeSnapshotText(entries.map(([id]) => id), entries.map(([, v]) => v), entries.map(([id]) => stepsOf(id)));
      const full = new Map<number, number>();
      decodeSnapshotText(text, stepsOf, (id, value) => full.set(id, value));
      const columns: number[] = [];
      wantedIds.forEach((id, column) => { columns[id] = column; });
      const width = wantedIds.length;
      const table = new Float64Array((row + 1) * width).fill(Number.NaN);
      const found = decodeSnapshotColumns(text, stepsOf, columns, width, table, row * width);
      assert.equal(found, wantedIds.filter((id) => full.has(id)).length);
      assert.deepEqual([...table.subarray(row * width)], wantedIds.map((id) => full.get(id) ?? Number.NaN));
      assert.ok(table.subarray(0, row * width).every((v) => Number.isNaN(v)), 'other rows untouched');
    }));
  });
});
