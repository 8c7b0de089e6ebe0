import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { estimateRun } from './estimate-gap.ts';
import { veeParameters } from '../vee/parameters.ts';
import { WeekdayProfile } from '../vee/weekday-profile.ts';
import type { WorkingInterval } from '../vee/working-interval.ts';
import { dayMs, weekMs } from '../grid.ts';
import { monday, quarterHour } from '../testing/mdm-test-kit.ts';

const p = veeParameters();
const start = monday + 4 * weekMs;
const missing = (n: number, from = start): WorkingInterval[] =>
  Array.from({ length: n },
    (_, k) => ({ at: from + (k + 1) * quarterHour, value: null, quality: 'missing' as const, raw: null, provenance: [] }));

describe('EST-LINEAR', () => {
  it('interpolates between the neighbours and scales to the register delta exactly', () => {
    const run = missing(3);
    estimateRun({ intervals: run, registerDelta: 1_000, before: 100, after: 500 }, new WeekdayProfile(), p);
    // Shape 200, 300, 400 (sum 900) scaled to 1000 Wh in 0.1 Wh steps: 2222.2…, 3333.3…, 4444.4…
    // steps; the left-over step goes to the largest remainder, the third.
    assert.deepEqual(run.map((i) => i.value), [222.2, 333.3, 444.5]);
    assert.ok(run.every((i) => i.quality === 'estimated' && i.method === 'EST-LINEAR'));
    assert.equal(run.reduce((sum, i) => sum + Math.round((i.value ?? 0) * 10), 0), 10_000);
    assert.match(run[0]?.provenance[0]?.reason ?? '',
      /linear between 100 Wh and 500 Wh, scaled to the register delta 1000 Wh over 3 intervals/);
  });

  it('keeps the straight line when no register delta is known, and says so', () => {
    const run = missing(3);
    estimateRun({ intervals: run, registerDelta: null, before: 100, after: 500 }, new WeekdayProfile(), p);
    assert.deepEqual(run.map((i) => i.value), [200, 300, 400]);
    assert.match(run[0]?.provenance[0]?.reason ?? '', /not scaled/);
  });

  it('shares evenly with no neighbour at all', () => {
    const run = missing(2);
    estimateRun({ intervals: run, registerDelta: 10, before: null, after: null }, new WeekdayProfile(), p);
    assert.deepEqual(run.map((i) => i.value), [5, 5]);
  });
});

describe('EST-LIKE-DAY', () => {
  const profile = new WeekdayProfile();
  // Two past weeks: the same weekday ran 100, 200, 300 … per interval.
  for (const week of [1, 2]) {
    profile.add(Array.from({ length: 8 },
      (_, k) => ({ at: start - week * weekMs + (k + 1) * quarterHour, value: (k + 1) * 100 * week, quality: 'validated' as const })));
  }

  it('takes the mean of the same weekday in past weeks for a long gap, scaled to the delta', () => {
    const run = missing(8);
    estimateRun({ intervals: run, registerDelta: 3_600, before: 0, after: 0 }, profile, p);
    // Means 150, 300 … 1200 (sum 5400), scaled by 2/3: 100, 200 … 800.
    assert.deepEqual(run.map((i) => i.value), [100, 200, 300, 400, 500, 600, 700, 800]);
    assert.ok(run.every((i) => i.method === 'EST-LIKE-DAY'));
  });

  it('falls back to the same time on the past seven days, then to the mean of what it found', () => {
    const recent = new WeekdayProfile();
    recent.add([{ at: start + quarterHour - dayMs, value: 40, quality: 'validated' }]);
    const run = missing(6);
    estimateRun({ intervals: run, registerDelta: null, before: null, after: null }, recent, p);
    assert.deepEqual(run.map((i) => i.value), [40, 40, 40, 40, 40, 40]);
    assert.match(run[0]?.provenance[0]?.reason ?? '', /past 7 days for 1, the mean of those for 5/);
  });

  it('shares evenly with no history', () => {
    const run = missing(5);
    estimateRun({ intervals: run, registerDelta: 50, before: null, after: null }, new WeekdayProfile(), p);
    assert.deepEqual(run.map((i) => i.value), [10, 10, 10, 10, 10]);
  });
});
