import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseMeterId, Q } from '@phasewire/core';
import { intervalContribution, intervalGrid, rawArrivalDelta, rawIntervals } from './intervals.ts';
import { intervalMs } from './periods.ts';
import { resolveStages, stageIsConsistent } from './quality.ts';

const meter = parseMeterId('meter-1');
const t0 = Date.UTC(2026, 0, 5);

describe('interval data from register reads', () => {
  it('takes the delta of reads exactly one interval apart, ignoring reads off the grid', () => {
    const points = [0, 1, 3, 4].map((k) => ({ at: t0 + k * intervalMs, steps: k * 100 }));
    points.splice(2, 0, { at: t0 + intervalMs + 60_000, steps: 999 });
    assert.deepEqual([...rawIntervals(points)], [[t0 + intervalMs, 100], [t0 + 4 * intervalMs, 100]]);
  });

  it('shows every interval of the range, a missing one as missing', () => {
    const grid =
      intervalGrid(meter, Q.activeEnergyImport, { from: t0, to: t0 + 2 * intervalMs }, new Map([[t0 + intervalMs, 25]]), new Map(), 10);
    assert.deepEqual(grid.map((i) => [i.end, i.raw, i.quality]),
      [[t0 + intervalMs, 2.5, 'measured'], [t0 + 2 * intervalMs, null, 'missing']]);
  });

  it('uses the final stage over the validated stage over the raw value', () => {
    assert.deepEqual(resolveStages(5, { validated: { value: 4, quality: 'validated' } }), { value: 4, quality: 'validated' });
    assert.deepEqual(resolveStages(5, { validated: { value: 4, quality: 'validated' }, final: { value: null, quality: 'missing' } }),
      { value: null, quality: 'missing' });
    assert.equal(stageIsConsistent({ value: 1, quality: 'missing' }), false);
    assert.equal(stageIsConsistent({ value: null, quality: 'estimated' }), false);
    assert.equal(stageIsConsistent({ value: 1, quality: 'measured' }), false);
  });

  it('counts an interval once whether its estimate or its raw value came first', () => {
    fc.assert(fc.property(fc.integer({ min: -1e6, max: 1e6 }), fc.option(fc.integer({ min: 0, max: 1e6 }), { nil: undefined }),
      (raw, estimate) => {
      const overlay = estimate === undefined ? undefined : { validated: { value: estimate / 10, quality: 'estimated' as const } };
      const before = intervalContribution(undefined, overlay, 10);
      const delta = rawArrivalDelta(raw, overlay, 10);
      const after = intervalContribution(raw, overlay, 10);
      assert.deepEqual({ n: before.n + delta.n, measured: before.measured + delta.measured, sum: before.sum + delta.sum },
        { n: after.n, measured: after.measured, sum: after.sum });
    }));
  });
});
