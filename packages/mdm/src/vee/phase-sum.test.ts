import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkPhaseSum } from './phase-sum.ts';
import { veeParameters } from './parameters.ts';
import type { WorkingInterval } from './working-interval.ts';
import { meterMeta, monday, quarterHour } from '../testing/mdm-test-kit.ts';
import type { RegisterRead } from '../types.ts';

const t = (k: number): number => monday + k * quarterHour;
const reads = (...values: number[]): RegisterRead[] => values.map((value, k) => ({ at: t(k), value }));
const totals = (...values: number[]): WorkingInterval[] =>
  values.map((value, k) => ({ at: t(k + 1), value, quality: 'measured', raw: value, provenance: [] }));
const p = veeParameters();

describe('VEE-PHASE-SUM', () => {
  it('lets intervals pass whose phases add up to the total', () => {
    const list = totals(300, 300);
    const phases = [reads(0, 100, 300), reads(0, 100, 200), reads(0, 100, 100)] as const;
    assert.deepEqual(checkPhaseSum(list, { phases }, meterMeta(), t(10), p), []);
  });

  it('marks an interval whose phases do not add up to the total', () => {
    const list = totals(300, 300);
    const phases = [reads(0, 100, 300), reads(0, 100, 200), reads(0, 100, 130)] as const;
    const findings = checkPhaseSum(list, { phases }, meterMeta(), t(10), p);
    assert.deepEqual(findings.map((f) => [f.rule, f.at, f.action]), [['VEE-PHASE-SUM', t(2), 'suspect']]);
    assert.match(findings[0]?.reason ?? '', /sums to 330 Wh, the total is 300 Wh/);
  });

  it('compares net energies when the export registers are given (a phase exporting through a reversed CT)', () => {
    // L3 exports 100 Wh; the total registers on the sign of the sum: import 100, export 0.
    const list = totals(100);
    const phases = [reads(0, 100), reads(0, 100), reads(0, 0)] as const;
    const exports = { phases: [reads(0, 0), reads(0, 0), reads(0, 100)] as const, total: reads(0, 0) };
    assert.equal(checkPhaseSum(list, { phases }, meterMeta(), t(10), p).length, 1);
    assert.deepEqual(checkPhaseSum(totals(100), { phases, exports }, meterMeta(), t(10), p), []);
  });

  it('does not judge an interval where a phase read is missing', () => {
    const phases = [reads(0, 100), [{ at: t(0), value: 0 }], reads(0, 100)] as const;
    assert.deepEqual(checkPhaseSum(totals(900), { phases }, meterMeta(), t(10), p), []);
  });
});
