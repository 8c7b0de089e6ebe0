import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { energyBars, timeSeries } from './energy.ts';

describe('energyBars', () => {
  it('turns rollup sums into kWh bars in time order and totals them', () => {
    const bars = energyBars([
      { start: '2026-01-02T00:00:00.000Z', sum: 5000, min: 0, max: 100, count: 96 },
      { start: '2026-01-01T00:00:00.000Z', sum: 12_500, min: 0, max: 200, count: 96 },
    ]);
    assert.deepEqual(bars.x, [Date.UTC(2026, 0, 1) / 1000, Date.UTC(2026, 0, 2) / 1000]);
    assert.deepEqual(bars.kWh, [12.5, 5]);
    assert.equal(bars.totalWh, 17_500);
  });
  it('leaves a gap, not a zero, for a period with no intervals', () => {
    const bars = energyBars([{ start: '2026-01-01T00:00:00.000Z', sum: 0, min: null, max: null, count: 0 }]);
    assert.deepEqual(bars.kWh, [null]);
  });
});

describe('timeSeries', () => {
  it('sorts points and drops unparseable times', () => {
    assert.deepEqual(timeSeries([['2026-01-01T00:15:00Z', 2], ['bad', 9], ['2026-01-01T00:00:00Z', 1]]),
      { x: [Date.UTC(2026, 0, 1) / 1000, Date.UTC(2026, 0, 1, 0, 15) / 1000], y: [1, 2] });
  });
});
