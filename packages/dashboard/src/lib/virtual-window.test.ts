import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { rowWindow } from './virtual-window.ts';

describe('rowWindow', () => {
  it('renders the rows in view plus the overscan', () => {
    assert.deepEqual(rowWindow({ scrollTop: 3600, viewportHeight: 360, rowHeight: 36, total: 10_000, overscan: 5 }),
      { first: 95, end: 116, offsetTop: 95 * 36, totalHeight: 360_000 });
  });
  it('clamps at the top and the bottom of the list', () => {
    assert.deepEqual(rowWindow({ scrollTop: 0, viewportHeight: 360, rowHeight: 36, total: 3, overscan: 5 }),
      { first: 0, end: 3, offsetTop: 0, totalHeight: 108 });
    const bottom = rowWindow({ scrollTop: 1e9, viewportHeight: 360, rowHeight: 36, total: 100, overscan: 5 });
    assert.deepEqual([bottom.first, bottom.end], [100, 100]);
  });
  it('always covers the viewport with a bounded number of rows', () => {
    fc.assert(fc.property(
      fc.nat(400_000), fc.integer({ min: 1, max: 2000 }), fc.integer({ min: 10, max: 80 }), fc.nat(20_000), fc.nat(20),
      (scrollTop, viewportHeight, rowHeight, total, overscan) => {
        const w = rowWindow({ scrollTop, viewportHeight, rowHeight, total, overscan });
        assert.ok(w.first >= 0 && w.first <= w.end && w.end <= total);
        assert.ok(w.end - w.first <= Math.ceil(viewportHeight / rowHeight) + 1 + 2 * overscan);
        const firstVisible = Math.floor(scrollTop / rowHeight);
        const lastVisible = Math.min(total, Math.ceil((scrollTop + viewportHeight) / rowHeight));
        if (firstVisible < total) assert.ok(w.first <= firstVisible && w.end >= lastVisible, JSON.stringify(w));
      },
    ));
  });
});
