import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { addDays, daysBetween, isTimeZone, localDateTime, startOfDay, weekdayOf } from './local-time.ts';

const hours = (date: string, zone: string): number => (startOfDay(addDays(date, 1), zone) - startOfDay(date, zone)) / 3_600_000;

describe('local time in an IANA zone', () => {
  it('starts each day at local midnight', () => {
    // CET is UTC+1 in winter, CEST UTC+2 in summer; EST UTC−5, EDT UTC−4.
    assert.equal(startOfDay('2026-01-15', 'Europe/Berlin'), Date.UTC(2026, 0, 14, 23));
    assert.equal(startOfDay('2026-07-15', 'Europe/Berlin'), Date.UTC(2026, 6, 14, 22));
    assert.equal(startOfDay('2026-01-15', 'America/New_York'), Date.UTC(2026, 0, 15, 5));
    assert.equal(startOfDay('2026-07-15', 'America/New_York'), Date.UTC(2026, 6, 15, 4));
  });

  it('makes the daylight-saving days 23 and 25 hours long', () => {
    assert.deepEqual(['2026-03-29', '2026-10-25', '2026-06-01'].map((d) => hours(d, 'Europe/Berlin')), [23, 25, 24]);
    assert.deepEqual(['2026-03-08', '2026-11-01', '2026-06-01'].map((d) => hours(d, 'America/New_York')), [23, 25, 24]);
  });

  it('starts a day whose midnight does not exist at the end of the gap', () => {
    // Chile moves from 24:00 on 2026-09-05 to 01:00 on 2026-09-06: that day starts at 01:00 local (−03:00).
    const start = startOfDay('2026-09-06', 'America/Santiago');
    assert.equal(start, Date.UTC(2026, 8, 6, 4));
    assert.deepEqual(localDateTime(start, 'America/Santiago'), { date: '2026-09-06', minute: 60 });
  });

  it('reads the local date and minute of an instant, the repeated hour included', () => {
    // 2026-10-25 00:15 UTC is 02:15 CEST; 01:15 UTC is 02:15 CET, the same wall time an hour later.
    assert.deepEqual(localDateTime(Date.UTC(2026, 9, 25, 0, 15), 'Europe/Berlin'), { date: '2026-10-25', minute: 135 });
    assert.deepEqual(localDateTime(Date.UTC(2026, 9, 25, 1, 15), 'Europe/Berlin'), { date: '2026-10-25', minute: 135 });
  });

  it('counts calendar days and weekdays without a zone', () => {
    assert.equal(addDays('2026-02-27', 2), '2026-03-01');
    assert.equal(daysBetween('2026-01-01', '2026-02-01'), 31);
    assert.equal(weekdayOf('2026-03-29'), 0);
    assert.equal(isTimeZone('Europe/Berlin'), true);
    assert.equal(isTimeZone('Mars/Olympus_Mons'), false);
    assert.throws(() => addDays('2026-02-30', 1), { code: 'PW_ERR_INVALID_ARGUMENT' });
  });
});
