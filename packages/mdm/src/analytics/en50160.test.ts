import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { weeklyCompliance, type TenMinuteValues } from './en50160.ts';
import { monday } from '../testing/mdm-test-kit.ts';

const tenMinutes = 600_000;
/** A week of 1008 values; the first `bad` of them carry `badValues`. */
function week(bad: number, badValues: Partial<TenMinuteValues>): TenMinuteValues[] {
  return Array.from({ length: 1008 }, (_, k) => ({
    at: monday + (k + 1) * tenMinutes,
    voltages: [231, 229, 230] as const,
    vuf: 0.008,
    voltageThd: [0.03, 0.03, 0.04] as const,
    frequency: 50.01,
    ...(k < bad ? badValues : {}),
  }));
}
const options = { weekStart: monday, declaredVoltage: 230, nominalFrequency: 50 };
const criterion = (values: TenMinuteValues[], id: string): { share: number | null; pass: boolean | null } | undefined =>
  weeklyCompliance(values, options).criteria.find((c) => c.id === id);

describe('EN 50160 weekly compliance', () => {
  it('passes a clean week on every criterion', () => {
    const summary = weeklyCompliance(week(0, {}), options);
    assert.equal(summary.expected, 1008);
    assert.equal(summary.received, 1008);
    assert.equal(summary.pass, true);
    assert.ok(summary.criteria.every((c) => c.share === 1));
  });

  it('passes with 5 % of the values outside Un ± 10 % and fails with more', () => {
    // 50 of 1008 is 4.96 %; 51 is 5.06 %.
    assert.equal(criterion(week(50, { voltages: [200, 229, 230] }), 'supply-voltage')?.pass, true);
    assert.equal(criterion(week(51, { voltages: [200, 229, 230] }), 'supply-voltage')?.pass, false);
    // And 200 V is within −15 %, 190 V is not: one such value fails the 100 % criterion.
    assert.equal(criterion(week(1, { voltages: [190, 229, 230] }), 'supply-voltage-all')?.pass, false);
  });

  it('judges VUF against 2 %, THD against 8 % and frequency against ± 1 %', () => {
    assert.equal(criterion(week(60, { vuf: 0.025 }), 'unbalance')?.pass, false);
    assert.equal(criterion(week(40, { vuf: 0.025 }), 'unbalance')?.pass, true);
    assert.equal(criterion(week(60, { voltageThd: [0.03, 0.09, 0.03] }), 'thd')?.pass, false);
    assert.equal(criterion(week(6, { frequency: 50.6 }), 'frequency')?.pass, false);
    assert.equal(criterion(week(5, { frequency: 50.6 }), 'frequency')?.pass, true);
  });

  it('leaves out values flagged by a dip, swell or interruption', () => {
    const values = week(60, { voltages: [100, 229, 230] });
    const flagged = [{ from: monday, to: monday + 60 * tenMinutes }];
    const summary = weeklyCompliance(values, { ...options, flagged });
    assert.equal(summary.flagged, 60);
    assert.equal(summary.criteria.find((c) => c.id === 'supply-voltage')?.share, 1);
  });

  it('cannot judge a criterion without data', () => {
    const summary =
      weeklyCompliance(week(0, {}).map(({ at, voltages }) => ({ at, ...(voltages === undefined ? {} : { voltages }) })), options);
    assert.equal(summary.criteria.find((c) => c.id === 'unbalance')?.pass, null);
    assert.equal(summary.pass, null);
  });
});
