import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkDisconnected, checkLimits, checkSpikes } from './interval-rules.ts';
import { veeParameters } from './parameters.ts';
import { WeekdayProfile, median, robustSigma } from './weekday-profile.ts';
import type { WorkingInterval } from './working-interval.ts';
import { weekMs } from '../grid.ts';
import { monday, quarterHour } from '../testing/mdm-test-kit.ts';

const interval = (at: number, value: number | null): WorkingInterval => ({ at, value, quality: 'measured', raw: value, provenance: [] });

describe('VEE-HIGH-LOW', () => {
  it('marks values outside the configured limits suspect and keeps them', () => {
    const p = veeParameters({ lowLimitWh: 100, highLimitWh: 5_000 });
    const list = [interval(monday + quarterHour, 50), interval(monday + 2 * quarterHour, 6_000), interval(monday + 3 * quarterHour, 1_000)];
    const findings = checkLimits(list, p);
    assert.deepEqual(findings.map((f) => [f.rule, f.at, f.action]),
      [['VEE-HIGH-LOW', list[0]?.at, 'suspect'], ['VEE-HIGH-LOW', list[1]?.at, 'suspect']]);
    assert.deepEqual(list.map((i) => [i.value, i.quality]), [[50, 'suspect'], [6_000, 'suspect'], [1_000, 'measured']]);
    assert.deepEqual(list[1]?.provenance,
      [{ rule: 'VEE-HIGH-LOW', from: 6_000, to: 6_000, quality: 'suspect', reason: '6000 Wh is above the high limit 5000 Wh' }]);
  });

  it('by default only doubts negative energy', () => {
    const list = [interval(monday, 0), interval(monday + quarterHour, 19_000)];
    assert.deepEqual(checkLimits(list, veeParameters()), []);
  });
});

describe('VEE-SPIKE', () => {
  const at = monday + 4 * weekMs + 40 * quarterHour;
  const profileOf = (values: number[]): WeekdayProfile => {
    const profile = new WeekdayProfile();
    profile.add(values.map((value, k) => ({ at: at - (k + 1) * weekMs, value, quality: 'validated' as const })));
    return profile;
  };

  it('marks a value far above the median of the same weekday and time in past weeks', () => {
    const list = [interval(at, 9_000)];
    const findings = checkSpikes(list, profileOf([2_900, 3_000, 3_100, 3_050]), veeParameters());
    assert.deepEqual(findings.map((f) => [f.rule, f.action]), [['VEE-SPIKE', 'suspect']]);
    assert.equal(list[0]?.quality, 'suspect');
    assert.equal(list[0].value, 9_000);
  });

  it('lets a value within the spread of past weeks pass', () => {
    const list = [interval(at, 3_600)];
    assert.deepEqual(checkSpikes(list, profileOf([2_900, 3_000, 3_100, 3_050]), veeParameters()), []);
  });

  it('does not judge without enough past weeks', () => {
    assert.deepEqual(checkSpikes([interval(at, 90_000)], profileOf([3_000, 3_000]), veeParameters()), []);
  });

  it('ignores estimated values in the profile', () => {
    const profile = new WeekdayProfile();
    profile.add([1, 2, 3].map((k) => ({ at: at - k * weekMs, value: 3_000, quality: 'estimated' as const })));
    assert.deepEqual(profile.sameWeekday(at, 4), []);
  });

  it('uses the robust spread: 1.4826 × the median absolute deviation', () => {
    assert.equal(median([5, 1, 3]), 3);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.ok(Math.abs(robustSigma([1, 2, 3, 4, 100]) - 1.4826) < 1e-12);
  });
});

describe('VEE-DISCONNECTED', () => {
  const period = { from: monday, to: monday + 4 * quarterHour };

  it('marks energy used in an interval wholly inside a disconnection', () => {
    const list = [interval(monday + quarterHour, 0), interval(monday + 2 * quarterHour, 250)];
    const findings = checkDisconnected(list, [period], quarterHour, veeParameters());
    assert.deepEqual(findings.map((f) => [f.rule, f.at, f.action]), [['VEE-DISCONNECTED', monday + 2 * quarterHour, 'suspect']]);
  });

  it('leaves intervals only partly disconnected, or after it, alone', () => {
    const list = [interval(monday + 5 * quarterHour, 900)];
    assert.deepEqual(checkDisconnected(list, [{ from: monday + 4 * quarterHour + 60_000, to: monday + 8 * quarterHour }], quarterHour,
      veeParameters()), []);
    assert.deepEqual(checkDisconnected(list, [period], quarterHour, veeParameters()), []);
  });
});
