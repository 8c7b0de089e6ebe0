import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { loadProfileIntervalMs, nextSlot, slotToleranceMs, stampFor, stampOf } from './poll-slots.ts';

const t0 = Date.UTC(2026, 10, 24, 12, 0);

describe('poll slots', () => {
  it('polls a 60 s meter on the minute and a 7 s meter from every quarter hour', () => {
    assert.equal(nextSlot(t0 + 12_345, 60_000), t0 + 60_000);
    assert.equal(nextSlot(t0 + 60_000, 60_000), t0 + 120_000, 'strictly after');
    assert.equal(nextSlot(t0 + 897_000, 7_000), t0 + loadProfileIntervalMs, 'the boundary cuts the last 7 s step short');
    assert.equal(nextSlot(t0 + loadProfileIntervalMs, 7_000), t0 + loadProfileIntervalMs + 7_000);
  });

  it('stamps a poll with its slot when it starts within the tolerance, else with its own time', () => {
    assert.equal(slotToleranceMs(60_000), 15_000);
    assert.equal(slotToleranceMs(10_000), 5_000);
    assert.equal(stampOf(t0 + 900_000 + 3_200, 60_000), t0 + 900_000, 'the eighth meter of a busy bus still closes the interval');
    assert.equal(stampOf(t0 + 900_000 + 15_000, 60_000), t0 + 900_000);
    assert.equal(stampOf(t0 + 900_000 + 15_001.5, 60_000), t0 + 915_001, 'too late for its slot: its own time, whole milliseconds');
    assert.equal(stampOf(t0 + 7_000 + 3_500, 7_000), t0 + 7_000);
    assert.equal(stampOf(t0 + 7_000 + 3_600, 7_000), t0 + 10_600);
  });

  it('stamps a poll planned for a slot with it when the wall clock is a little behind the timers', () => {
    assert.equal(stampFor(t0 + 900_000 - 12, 60_000, t0 + 900_000), t0 + 900_000, 'the wall clock 12 ms short of the planned slot');
    assert.equal(stampFor(t0 + 900_000 - 15_000, 60_000, t0 + 900_000), t0 + 900_000);
    assert.equal(stampFor(t0 + 900_000 - 15_001, 60_000, t0 + 900_000), t0 + 884_999, 'too far apart: its own time');
    assert.equal(stampFor(t0 + 900_000 + 2_000, 60_000, t0 + 900_000), t0 + 900_000, 'late: as stampOf');
    assert.equal(stampFor(t0 + 900_000 + 2_000, 60_000, t0 + 840_000), t0 + 900_000, 'a stale planned slot is ignored');
    assert.equal(stampFor(t0 + 143_456, 60_000, undefined), t0 + 143_456, 'no slot planned (the first poll): as stampOf');
  });

  it('has every interval boundary as a slot and never stamps a poll before its start or with a later slot', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 * loadProfileIntervalMs }), fc.integer({ min: 100, max: 3_600_000 }), (offset,
      period) => {
      const wall = t0 + offset;
      const next = nextSlot(wall, period);
      assert.ok(next > wall && next - wall <= period, 'the next slot comes within one period');
      assert.ok(Math.floor(wall / loadProfileIntervalMs) === Math.floor((next - 1) / loadProfileIntervalMs), 'no boundary is skipped');
      const stamp = stampOf(wall, period);
      assert.ok(stamp <= wall && wall - stamp <= slotToleranceMs(period));
      assert.ok(Number.isInteger(stamp));
    }));
  });
});
