import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isoWeekOf } from './iso-week.ts';

describe('isoWeekOf', () => {
  it('names the ISO week of a UTC date, across year ends', () => {
    assert.equal(isoWeekOf(Date.UTC(2026, 0, 5, 12)), '2026-W02'); // a Monday
    assert.equal(isoWeekOf(Date.UTC(2026, 0, 4, 23, 59)), '2026-W01'); // the Sunday before
    assert.equal(isoWeekOf(Date.UTC(2025, 11, 29)), '2026-W01'); // Monday of 2026's week 1
    assert.equal(isoWeekOf(Date.UTC(2027, 0, 1)), '2026-W53'); // Friday after 2026's 53rd Thursday
  });
});
