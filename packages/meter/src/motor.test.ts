import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { currentUnbalance, parseMeterId, polarDeg, Q, symmetricalComponents, type Complex, type Snapshot } from '@phasewire/core';
import { LoadRelay } from './load-relay.ts';
import { defaultReactingMotor, motorCurrents, type MotorRating } from './motor.ts';
import { findScenario } from './scenarios.ts';
import type { Scenario } from './scenario.ts';
import { createSimulatedMeter } from './simulated-meter.ts';

const rating: MotorRating = { phaseVoltage: 230, ratedCurrent: 10, displacement: Math.acos(0.9), motor: defaultReactingMotor };
const start = Date.UTC(2026, 0, 1);

function currents(voltages: readonly Complex[], load = 1): Complex[] {
  const iRe = new Float64Array(3);
  const iIm = new Float64Array(3);
  motorCurrents(rating, load, voltages.map((v) => v.re), voltages.map((v) => v.im), iRe, iIm);
  return [0, 1, 2].map((p) => ({ re: iRe[p] ?? 0, im: iIm[p] ?? 0 }));
}

const magnitudes = (zs: readonly Complex[]): number[] => zs.map((z) => Math.hypot(z.re, z.im));
const three = (zs: readonly Complex[]): readonly [Complex, Complex, Complex] => [zs[0] ?? polarDeg(0, 0), zs[1] ?? polarDeg(0, 0), zs[2]
  ?? polarDeg(0, 0)];

describe('reacting motor', () => {
  it('draws its rated current, balanced, at its power factor from a balanced supply', () => {
    const i = currents([polarDeg(230, 0), polarDeg(230, -120), polarDeg(230, 120)]);
    for (const m of magnitudes(i)) assert.ok(Math.abs(m - 10) < 1e-9);
    const lag = -Math.atan2(i[0]?.im ?? 0, i[0]?.re ?? 0);
    assert.ok(Math.abs(Math.cos(lag) - 0.9) < 1e-9);
  });

  it('turns a voltage unbalance into about k_LR times the current unbalance (NEMA MG 1 §14.35.3)', () => {
    const v = three([polarDeg(230, 0), polarDeg(230 * 0.96, -120), polarDeg(230, 120)]);
    const seq = symmetricalComponents(v);
    const voltageRatio = Math.hypot(seq.negative.re, seq.negative.im) / Math.hypot(seq.positive.re, seq.positive.im);
    const i = three(currents(v));
    const iSeq = symmetricalComponents(i);
    const currentRatio = Math.hypot(iSeq.negative.re, iSeq.negative.im) / Math.hypot(iSeq.positive.re, iSeq.positive.im);
    // I2/I1 = k_LR·V2/Un over In·Un/V1 = k_LR·V2·V1/Un², V1 close to Un.
    const v1 = Math.hypot(seq.positive.re, seq.positive.im);
    assert.ok(Math.abs(currentRatio / voltageRatio - 6 * v1 ** 2 / 230 ** 2) < 1e-9);
    const { maxDeviation } = currentUnbalance(i);
    assert.ok(maxDeviation > 4 * voltageRatio, `current unbalance ${maxDeviation} vs VUF ${voltageRatio}`);
    assert.ok(Math.hypot(iSeq.zero.re, iSeq.zero.im) < 1e-9, 'no zero sequence: no neutral current');
  });

  it('single-phases on an open phase: √3 times the current in the other two lines, none in the open one', () => {
    const i = magnitudes(currents([polarDeg(230, 0), polarDeg(0, 0), polarDeg(230, 120)]));
    assert.ok((i[1] ?? 1) === 0);
    assert.ok(Math.abs((i[0] ?? 0) - 10 * Math.sqrt(3)) < 1e-9);
    assert.ok(Math.abs((i[2] ?? 0) - 10 * Math.sqrt(3)) < 1e-9);
    assert.deepEqual(magnitudes(currents([polarDeg(230, 0), polarDeg(0, 0), polarDeg(0, 0)])), [0, 0, 0]);
  });

  it('draws more current in a sag (constant shaft power) and turns backwards on a reversed supply', () => {
    const sag = currents([polarDeg(161, 0), polarDeg(161, -120), polarDeg(161, 120)]);
    for (const m of magnitudes(sag)) assert.ok(Math.abs(m - 10 / 0.7) < 1e-9);
    const reversed = currents([polarDeg(230, 0), polarDeg(230, 120), polarDeg(230, -120)]);
    for (const m of magnitudes(reversed)) assert.ok(Math.abs(m - 10) < 1e-9);
    // L2's current follows L2's voltage, now at +120°: lagging it by φ.
    const angle = (Math.atan2(reversed[1]?.im ?? 0, reversed[1]?.re ?? 0) * 180) / Math.PI;
    assert.ok(Math.abs(angle - (120 - (Math.acos(0.9) * 180) / Math.PI)) < 1e-9);
  });

  for (const mode of ['phasor', 'waveform'] as const) {
    it(`in the simulated meter (${mode}): single phasing shows, and the relay stops the motor`, () => {
      const scenario: Scenario = { ...findScenario('phase-loss'), name: 'motor-phase-loss', motor: defaultReactingMotor };
      const relay = new LoadRelay();
      const meter = createSimulatedMeter({ meter: parseMeterId('motor-1'), scenario, mode, seed: 1, start, relay });
      const value = (s: Snapshot, code: (typeof Q)[keyof typeof Q]): number => s.values.get(code) ?? Number.NaN;
      const before = meter.advanceTo(start + 20_000);
      assert.ok(Math.abs(value(before, Q.currentL1) - 10) < 0.05, `${value(before, Q.currentL1)} A before`);
      meter.advanceTo(start + 40_000);
      const lost = meter.advanceTo(start + 50_000);
      assert.ok(Math.abs(value(lost, Q.currentL1) - 10 * Math.sqrt(3)) < 0.1, `${value(lost, Q.currentL1)} A on L1 with L3 lost`);
      assert.equal(value(lost, Q.currentL3), 0);
      relay.open();
      meter.advanceTo(start + 51_000);
      const open = meter.advanceTo(start + 55_000);
      for (const code of [Q.currentL1, Q.currentL2, Q.currentL3, Q.activePower]) assert.equal(value(open, code), 0);
      assert.ok(value(open, Q.voltageL1) > 225, 'the supply side stays');
    });
  }
});
