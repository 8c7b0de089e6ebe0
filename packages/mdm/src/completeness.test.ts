import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { completenessOf } from './completeness.ts';
import { monday, quarterHour } from './testing/mdm-test-kit.ts';
import type { QualityCode } from './types.ts';

const at = (k: number): number => monday + k * quarterHour;

describe('completeness per meter per day', () => {
  it('counts measured and validated as measured, and estimated only as having a value', () => {
    const qualities: QualityCode[] = ['validated', 'measured', 'estimated', 'edited', 'suspect', 'missing'];
    const intervals = qualities.map((quality, k) => ({ at: at(k + 1), value: quality === 'missing' ? null : 1, quality }));
    const result = completenessOf(intervals, monday, at(8), quarterHour);
    assert.equal(result.expected, 8);
    assert.deepEqual(result.counts, { measured: 1, validated: 1, estimated: 1, edited: 1, suspect: 1, missing: 3 });
    assert.equal(result.measured, 2 / 8);
    assert.equal(result.withValue, 5 / 8);
  });

  it('is 100 % for a full day of validated data and 0 % for no data', () => {
    const full = Array.from({ length: 96 }, (_, k) => ({ at: at(k + 1), value: 5, quality: 'validated' as const }));
    assert.equal(completenessOf(full, monday, at(96), quarterHour).measured, 1);
    assert.equal(completenessOf([], monday, at(96), quarterHour).measured, 0);
  });

  it('ignores intervals outside the day and counts a repeated one once', () => {
    const intervals = [{ at: monday, value: 1, quality: 'validated' as const }, { at: at(1), value: 1, quality: 'validated' as const },
      { at: at(1), value: 1, quality: 'validated' as const }];
    assert.equal(completenessOf(intervals, monday, at(4), quarterHour).counts.validated, 1);
  });
});
