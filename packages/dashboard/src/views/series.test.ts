import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { align, appendPoint, rangeOf } from './series.ts';

describe('align', () => {
  it('joins columns on x and leaves gaps as null', () => {
    assert.deepEqual(align([{ x: [1, 2, 3], y: [10, 20, 30] }, { x: [2, 4], y: [5, 6] }]),
      [[1, 2, 3, 4], [10, 20, 30, null], [null, 5, null, 6]]);
  });
});

describe('rangeOf', () => {
  it('ends now and reaches back the range', () => {
    const now = Date.UTC(2026, 0, 5);
    assert.deepEqual(rangeOf('week', now), { from: '2025-12-29T00:00:00.000Z', to: '2026-01-05T00:00:00.000Z' });
  });
});

describe('appendPoint', () => {
  it('adds a later point and drops what left the window', () => {
    assert.deepEqual(appendPoint([[0, 100, 200], [1, 2, 3]], 300, [4], 250), [[100, 200, 300], [2, 3, 4]]);
  });
  it('ignores a point that is not after the last one', () => {
    assert.deepEqual(appendPoint([[0, 100], [1, 2]], 100, [9], 1000), [[0, 100], [1, 2]]);
  });
  it('starts an empty chart', () => {
    assert.deepEqual(appendPoint([[], [], []], 5, [1, null], 10), [[5], [1], [null]]);
  });
});
