import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadFactor, maxDemand } from './demand.ts';
import { dayMs } from '../grid.ts';
import { monday, quarterHour } from '../testing/mdm-test-kit.ts';

const at = (k: number): number => monday + k * quarterHour;
// 1 kWh per 15 minutes (4 kW) all day, with 3 and 5 kWh in the intervals ending 00:45 and 01:00.
const day = Array.from({ length: 96 }, (_, k) => ({ at: at(k + 1), value: k + 1 === 3 ? 3_000 : k + 1 === 4 ? 5_000 : 1_000 }));

describe('maximum demand', () => {
  it('takes the largest 15-minute block', () => {
    assert.deepEqual(maxDemand(day, quarterHour, quarterHour, 'block', monday, monday + dayMs),
      { windowMs: quarterHour, method: 'block', value: 20_000, at: at(4) });
  });

  it('gives a higher 30-minute maximum sliding than in blocks when the peak straddles a block edge', () => {
    // The block ending 01:00 holds the intervals ending 00:45 and 01:00: 8 kWh in half an hour, 16 kW.
    const block = maxDemand(day, quarterHour, 2 * quarterHour, 'block', monday, monday + dayMs);
    assert.deepEqual([block?.value, block?.at], [16_000, at(4)]);
    const shifted = day.map((i) => ({ at: i.at + quarterHour, value: i.value }));
    // Shifted by one interval the peak pair ends at 01:15: blocks see (3+1) and (5+1), sliding sees 3+5.
    const shiftedBlock = maxDemand(shifted, quarterHour, 2 * quarterHour, 'block', monday, monday + dayMs);
    const shiftedSliding = maxDemand(shifted, quarterHour, 2 * quarterHour, 'sliding', monday, monday + dayMs);
    assert.equal(shiftedBlock?.value, 12_000);
    assert.deepEqual([shiftedSliding?.value, shiftedSliding?.at, shiftedSliding?.method], [16_000, at(5), 'sliding']);
  });

  it('skips windows with a missing interval and is null with none complete', () => {
    const holes = day.map((i) => (i.at === at(4) ? { ...i, value: null } : i));
    assert.equal(maxDemand(holes, quarterHour, quarterHour, 'block', monday, monday + dayMs)?.value, 12_000);
    assert.equal(maxDemand([], quarterHour, quarterHour, 'block', monday, monday + dayMs), null);
  });

  it('refuses a window that is not a whole number of intervals', () => {
    assert.throws(() => maxDemand(day, quarterHour, 20 * 60_000, 'block', monday, monday + dayMs), { code: 'PW_ERR_VEE_INPUT' });
  });
});

describe('load factor', () => {
  it('is the average power over the peak demand', () => {
    const energy = day.reduce((s, i) => s + i.value, 0);
    const peak = maxDemand(day, quarterHour, quarterHour, 'block', monday, monday + dayMs);
    // 102 kWh over 24 h = 4.25 kW against a 20 kW peak.
    assert.equal(loadFactor(energy, dayMs, peak), 4_250 / 20_000);
    assert.equal(loadFactor(energy, dayMs, null), null);
  });
});
