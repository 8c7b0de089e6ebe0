import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Q, type Snapshot } from '@phasewire/core';
import { dailySummary, spreadOf } from './daily-summary.ts';
import { intervalAnalytics } from './interval-analytics.ts';
import { meterMeta, monday, quarterHour } from '../testing/mdm-test-kit.ts';

describe('the daily summary', () => {
  it('gives energy, labelled demands, load factor and the spread of the day\'s unbalance', () => {
    const energy = Array.from({ length: 96 }, (_, k) => ({ at: monday + (k + 1) * quarterHour, value: k === 40 ? 2_000 : 1_000 }));
    const analytics = Array.from({ length: 96 }, (_, k): Snapshot => ({
      meter: meterMeta().meter,
      at: monday + (k + 1) * quarterHour,
      values: new Map([[Q.voltageL1, 230], [Q.voltageL2, 230], [Q.voltageL3, k < 10 ? 220 : 230], [Q.angleVoltageL2, 120],
        [Q.angleVoltageL3, 240]]),
    })).map((s) => intervalAnalytics(s));
    const summary = dailySummary({ day: monday, intervalMs: quarterHour, energy, analytics });
    assert.equal(summary.energy, 97_000);
    assert.deepEqual([summary.demand.block15?.value, summary.demand.block15?.method], [8_000, 'block']);
    assert.equal(summary.demand.sliding30?.value, 6_000);
    assert.equal(summary.loadFactor, 97_000 / 24 / 8_000);
    assert.equal(summary.vuf?.count, 96);
    assert.ok(summary.vuf.max > 0.014 && summary.vuf.min < 1e-12);
    assert.equal(summary.neutralCurrent, null);
  });

  it('gives the nearest-rank 95th percentile', () => {
    const spread = spreadOf(Array.from({ length: 100 }, (_, k) => k + 1));
    assert.deepEqual(spread, { min: 1, mean: 50.5, p95: 95, max: 100, count: 100 });
    assert.equal(spreadOf([null, undefined]), null);
  });
});
