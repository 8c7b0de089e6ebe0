import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dayMs, dayOfInterval, intervalMs, monthStart, nextMonthStart, periodEnd, periodStart, periodStartsIn } from './periods.ts';

describe('store periods', () => {
  it('puts an interval in the day of its start: the one ending at midnight closes the day before', () => {
    const day = Date.UTC(2026, 2, 29);
    assert.equal(dayOfInterval(day), day - dayMs);
    assert.equal(dayOfInterval(day + intervalMs), day);
    assert.equal(dayOfInterval(day + dayMs), day);
  });

  it('finds UTC month boundaries across year ends and leap years', () => {
    assert.equal(monthStart(Date.UTC(2024, 1, 29, 23, 59)), Date.UTC(2024, 1, 1));
    assert.equal(nextMonthStart(Date.UTC(2024, 1, 1)), Date.UTC(2024, 2, 1));
    assert.equal(nextMonthStart(Date.UTC(2025, 11, 31, 12)), Date.UTC(2026, 0, 1));
    assert.equal(periodEnd('month', Date.UTC(2024, 1, 1)) - Date.UTC(2024, 1, 1), 29 * dayMs);
  });

  it('lists the periods whose start lies in a range, skipping one that starts before it', () => {
    const from = Date.UTC(2026, 0, 31, 12);
    assert.deepEqual(periodStartsIn('day', { from, to: Date.UTC(2026, 1, 2, 1) }), [Date.UTC(2026, 1, 1), Date.UTC(2026, 1, 2)]);
    assert.deepEqual(periodStartsIn('month', { from: Date.UTC(2026, 0, 1), to: Date.UTC(2026, 3, 1) }),
      [Date.UTC(2026, 0, 1), Date.UTC(2026, 1, 1), Date.UTC(2026, 2, 1)]);
    assert.deepEqual(periodStartsIn('hour', { from, to: from }), []);
    assert.equal(periodStart('hour', from + 59 * 60_000), from);
  });
});
