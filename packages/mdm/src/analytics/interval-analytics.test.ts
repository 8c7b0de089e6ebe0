import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Q, type ObisCode, type Snapshot } from '@phasewire/core';
import { intervalAnalytics } from './interval-analytics.ts';
import { meterMeta, monday } from '../testing/mdm-test-kit.ts';

const close = (actual: number | null | undefined, expected: number, tolerance: number, what: string): void => {
  assert.ok(actual !== null && actual !== undefined && Math.abs(actual - expected) <= tolerance,
    `${what}: ${actual} is not within ${tolerance} of ${expected}`);
};
const snapshot = (values: [ObisCode, number][]): Snapshot => ({ meter: meterMeta().meter, at: monday, values: new Map(values) });
const phases = (l1: number, l2: number, l3: number, a2 = 120, a3 = 240): [ObisCode, number][] =>
  [[Q.voltageL1, l1], [Q.voltageL2, l2], [Q.voltageL3, l3], [Q.angleVoltageL2, a2], [Q.angleVoltageL3, a3]];
const currents = (i1: number, i2: number, i3: number, lag = 0): [ObisCode, number][] =>
  [[Q.currentL1, i1], [Q.currentL2, i2], [Q.currentL3, i3], [Q.angleCurrentL1, lag], [Q.angleCurrentL2, lag], [Q.angleCurrentL3, lag]];

describe('interval analytics', () => {
  it('gives zero unbalance by every labelled definition for a balanced supply and load', () => {
    const a = intervalAnalytics(snapshot([...phases(230, 230, 230), ...currents(10, 10, 10, 30)]));
    assert.equal(a.vuf?.standard, 'IEC 61000-4-30 VUF');
    assert.equal(a.lvur!.standard, 'NEMA MG 1 LVUR');
    assert.equal(a.pvur!.standard, 'IEEE PVUR');
    close(a.vuf.value, 0, 1e-12, 'VUF');
    close(a.lvur?.value, 0, 1e-12, 'LVUR');
    close(a.currentUnbalance?.negativeSequence, 0, 1e-12, 'I2/I1');
    close(a.neutralCurrent?.value, 0, 1e-9, 'neutral');
    assert.equal(a.neutralCurrent?.source, 'phasor sum of the fundamentals');
    close(a.voltageSequence?.positive, 230, 1e-9, 'U1');
  });

  it('gives VUF 50 % when L3 is lost, from the phasors the angles describe', () => {
    const a = intervalAnalytics(snapshot(phases(230, 230, 0)));
    close(a.vuf?.value, 0.5, 1e-12, 'VUF');
    close(a.voltageSequence?.negative, 230 / 3, 1e-9, 'U2');
  });

  it('falls back to the line magnitudes (IEC 61000-4-30 §5.7.1) without angles', () => {
    const a = intervalAnalytics(snapshot([[Q.voltageL1, 230], [Q.voltageL2, 230], [Q.voltageL3, 230], [Q.voltageL1L2, 402],
      [Q.voltageL2L3, 398], [Q.voltageL3L1, 395]]));
    assert.equal(a.vuf?.standard, 'IEC 61000-4-30 VUF (from line magnitudes)');
    assert.ok(a.vuf.value > 0.005);
    // NEMA: average 398.33, largest deviation 3.67 → 0.92 %.
    close(a.lvur?.value, 3.6666666 / 398.3333333, 1e-6, 'LVUR');
  });

  it('turns a one-sided load into current unbalance and neutral current', () => {
    const a = intervalAnalytics(snapshot([...phases(230, 230, 230), ...currents(20, 10, 10)]));
    // I1 = 20, I2 = I3 = 10 in phase with their voltages: the neutral carries 10 A; I0/I1 = 10/3 / 40/3.
    close(a.neutralCurrent?.value, 10, 1e-9, 'neutral');
    close(a.currentUnbalance?.zeroSequence, 0.25, 1e-12, 'I0/I1');
    close(a.currentUnbalance?.maxDeviation, (20 - 40 / 3) / (40 / 3), 1e-12, 'max deviation');
  });

  it('prefers the measured neutral current and power factor, and computes PF from P and S when absent', () => {
    const a = intervalAnalytics(snapshot([...phases(230, 230, 230), ...currents(20, 10, 10), [Q.currentNeutral, 12.5],
      [Q.powerFactorL1, 0.9], [Q.activePowerL2, 800], [Q.apparentPowerL2, 1000]]));
    assert.deepEqual(a.neutralCurrent, { value: 12.5, source: 'measured' });
    assert.deepEqual(a.powerFactor.phases, [0.9, 0.8, null]);
  });

  it('has no power factor for a phase without current, and no total one without any: absent, not 1', () => {
    const idle = intervalAnalytics(snapshot([...phases(230, 230, 230), ...currents(0, 10, 0), [Q.activePowerL1, 0], [Q.apparentPowerL1, 0],
      [Q.activePowerL2, 1840], [Q.apparentPowerL2, 2300], [Q.activePowerL3, 0], [Q.apparentPowerL3, 0]]));
    assert.deepEqual(idle.powerFactor.phases, [null, 0.8, null]);
    const none = intervalAnalytics(snapshot([...phases(230, 230, 230), ...currents(0, 0, 0), [Q.activePower, 0], [Q.apparentPower, 0]]));
    assert.equal(none.powerFactor.total, null);
  });

  it('computes THD with core thd from spectra when given, else takes the meter\'s', () => {
    const meters = intervalAnalytics(snapshot([[Q.voltageThdL1, 0.031]]));
    assert.deepEqual(meters.voltageThd, [0.031, null, null]);
    const spectrum = [0, 230, 0, 9.2, 0, 6.9];
    const fromSpectra = intervalAnalytics(snapshot([]), { voltage: [spectrum, spectrum, spectrum] });
    close(fromSpectra.voltageThd[0], Math.hypot(9.2, 6.9) / 230, 1e-12, 'THD');
  });

  it('leaves figures it has no data for as null', () => {
    const a = intervalAnalytics(snapshot([]));
    assert.equal(a.vuf, null);
    assert.equal(a.currentUnbalance, null);
    assert.equal(a.neutralCurrent, null);
  });
});
