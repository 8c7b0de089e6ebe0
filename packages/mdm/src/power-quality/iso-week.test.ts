import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isoWeekOf, parseIsoWeek, weekSpan, weeksInYear } from './iso-week.ts';

const hour = 3_600_000;

describe('ISO weeks in a time zone', () => {
  it('places 2026-W02 in Berlin from Monday 5 January 00:00 CET to Monday 12 January', () => {
    const span = weekSpan(parseIsoWeek('2026-W02'), 'Europe/Berlin');
    // 1 January 2026 is a Thursday, so week 1 runs 29 December 2025 … 4 January 2026.
    assert.equal(span.monday, '2026-01-05');
    assert.equal(new Date(span.from).toISOString(), '2026-01-04T23:00:00.000Z');
    assert.equal(new Date(span.to).toISOString(), '2026-01-11T23:00:00.000Z');
    assert.equal(span.label, '2026-W02');
  });

  it('is 167 hours long across the spring change (1002 ten-minute intervals, not 1008)', () => {
    // Summer time begins Sunday 29 March 2026 at 02:00 CET.
    const span = weekSpan(parseIsoWeek('2026-W13'), 'Europe/Berlin');
    assert.equal(span.monday, '2026-03-23');
    assert.equal((span.to - span.from) / hour, 167);
    assert.equal((span.to - span.from) / 600_000, 1002);
    // Winter time returns Sunday 25 October 2026, in week 43.
    const autumn = weekSpan(parseIsoWeek('2026-W43'), 'Europe/Berlin');
    assert.equal((autumn.to - autumn.from) / hour, 169);
  });

  it('knows 53-week years and refuses weeks that do not exist', () => {
    assert.equal(weeksInYear(2026), 53); // starts on a Thursday
    assert.equal(weeksInYear(2025), 52);
    assert.doesNotThrow(() => parseIsoWeek('2026-W53'));
    assert.throws(() => parseIsoWeek('2025-W53'), /2025 has 52 weeks/);
    assert.throws(() => parseIsoWeek('2026-02'), /expected an ISO 8601 week/);
    assert.throws(() => weekSpan(parseIsoWeek('2026-W02'), 'Mars/Olympus'), /IANA time zone/);
  });

  it('refuses years it cannot place by the week asked for, not by a date it made up', () => {
    assert.equal(weekSpan(parseIsoWeek('9998-W52'), 'UTC').monday, '9998-12-21');
    for (const week of ['9999-W52', '0000-W01', '0050-W10']) {
      assert.throws(() => parseIsoWeek(week), new RegExp(`Cannot read the week "${week}".*years 0100 to 9998`, 'u'));
    }
    assert.throws(() => parseIsoWeek('2026-W00'), /2026 has 53 weeks/);
  });

  it('finds the ISO week of an instant in the zone', () => {
    assert.deepEqual(isoWeekOf(Date.UTC(2027, 0, 1, 12), 'UTC'), { year: 2026, week: 53 }); // a Friday
    assert.deepEqual(isoWeekOf(Date.UTC(2026, 0, 4, 23, 30), 'UTC'), { year: 2026, week: 1 }); // Sunday night
    assert.deepEqual(isoWeekOf(Date.UTC(2026, 0, 4, 23, 30), 'Europe/Berlin'), { year: 2026, week: 2 }); // already Monday there
  });
});
