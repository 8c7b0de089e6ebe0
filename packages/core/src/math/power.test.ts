import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { polarDeg } from './complex.ts';
import { phasorPower, powerFactor, quadrantOf, sampledPower } from './power.ts';
import { harmonicPhasor, meanProduct, rms } from './rms.ts';

const close = (actual: number, expected: number, tolerance: number, what: string): void => {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} is not within ${tolerance} of ${expected}`);
};

const phi = Math.acos(0.9) * 180 / Math.PI; // 25.842°

describe('power of one phase from phasors', () => {
  it('of 230 V and 10 A lagging at PF 0.9: P 2070 W, Q 1002.6 var, S 2300 VA, quadrant I', () => {
    const power = phasorPower(polarDeg(230, 0), polarDeg(10, -phi));
    close(power.p, 2070, 1e-9, 'P');
    close(power.q, 2300 * Math.sqrt(1 - 0.81), 1e-9, 'Q');
    close(power.s, 2300, 1e-9, 'S');
    close(power.pf ?? Number.NaN, 0.9, 1e-12, 'PF');
    assert.equal(power.quadrant, 1);
  });

  it('puts each load in its IEC 62053-23 quadrant', () => {
    const v = polarDeg(230, 0);
    assert.equal(phasorPower(v, polarDeg(10, -30)).quadrant, 1, 'import, inductive');
    assert.equal(phasorPower(v, polarDeg(10, 150)).quadrant, 3, 'export, current 180° from inductive import');
    assert.equal(phasorPower(v, polarDeg(10, -150)).quadrant, 2, 'export, capacitive');
    assert.equal(phasorPower(v, polarDeg(10, 30)).quadrant, 4, 'import, capacitive');
  });

  it('signs the power factor as P: exported power has a negative factor', () => {
    const power = phasorPower(polarDeg(230, 0), polarDeg(10, 180 - phi));
    close(power.pf ?? Number.NaN, -0.9, 1e-12, 'PF');
    assert.ok(power.p < 0);
  });

  it('keeps S² = P² + Q² for sinusoids', () => {
    const volts = fc.double({ min: 0, max: 1000, noNaN: true });
    const amperes = fc.double({ min: 0, max: 100, noNaN: true });
    const degrees = fc.double({ min: -180, max: 180, noNaN: true });
    fc.assert(fc.property(volts, amperes, degrees, (v, i, angle) => {
      const power = phasorPower(polarDeg(v, 0), polarDeg(i, angle));
      close(power.s * power.s, power.p * power.p + power.q * power.q, 1e-6 * (1 + power.s * power.s), 'S²');
      assert.ok(power.s === 0 ? power.pf === null : power.pf !== null && power.pf >= -1 && power.pf <= 1);
    }));
  });

  it('has no power factor without current (S = 0), not 1, and never leaves [−1, 1]', () => {
    assert.equal(powerFactor(0, 0), null);
    assert.equal(phasorPower(polarDeg(230, 0), polarDeg(0, 0)).pf, null, 'an idle phase at full voltage');
    assert.equal(powerFactor(100.0000001, 100), 1);
    assert.equal(quadrantOf(0, 0), 1);
  });
});

describe('power of one phase from samples', () => {
  const samplesPerCycle = 128;
  const cycles = 10;
  const n = samplesPerCycle * cycles;
  const wave = (peak: number, phaseDeg: number, harmonic = 1): Float64Array =>
    Float64Array.from(
      { length: n },
      (_, k) => peak * Math.cos((2 * Math.PI * harmonic * k) / samplesPerCycle + (phaseDeg * Math.PI) / 180),
    );

  it('matches the phasor values for sinusoids over whole cycles', () => {
    const v = wave(230 * Math.SQRT2, 0);
    const i = wave(10 * Math.SQRT2, -phi);
    close(rms(v), 230, 1e-9, 'V rms');
    close(rms(i), 10, 1e-9, 'I rms');
    const power = sampledPower(meanProduct(v, i), rms(v), rms(i), harmonicPhasor(v, cycles, 1), harmonicPhasor(i, cycles, 1));
    const reference = phasorPower(polarDeg(230, 0), polarDeg(10, -phi));
    close(power.p, reference.p, 1e-9, 'P');
    close(power.q, reference.q, 1e-9, 'Q');
    close(power.s, reference.s, 1e-9, 'S');
    close(power.pf ?? Number.NaN, 0.9, 1e-12, 'PF');
  });

  it('counts harmonic current in S but not in P or the fundamental Q', () => {
    const v = wave(230 * Math.SQRT2, 0);
    const i1 = wave(10 * Math.SQRT2, 0);
    const i3 = wave(3 * Math.SQRT2, 0, 3);
    const i = i1.map((x, k) => x + (i3[k] ?? 0));
    const power = sampledPower(meanProduct(v, i), rms(v), rms(i), harmonicPhasor(v, cycles, 1), harmonicPhasor(i, cycles, 1));
    close(power.p, 2300, 1e-9, 'P of a sinusoidal voltage and a distorted current');
    close(power.q, 0, 1e-9, 'Q1');
    close(power.s, 230 * Math.hypot(10, 3), 1e-9, 'S');
    assert.ok(power.pf !== null && power.pf < 1);
  });

  it('extracts each harmonic phasor from a window of whole cycles', () => {
    const x = wave(100, 30).map((value, k) => value + (wave(20, -45, 5)[k] ?? 0));
    const h1 = harmonicPhasor(x, cycles, 1);
    const h5 = harmonicPhasor(x, cycles, 5);
    close(Math.hypot(h1.re, h1.im), 100 / Math.SQRT2, 1e-9, '|X1|');
    close(Math.atan2(h1.im, h1.re) * 180 / Math.PI, 30, 1e-9, 'arg X1');
    close(Math.hypot(h5.re, h5.im), 20 / Math.SQRT2, 1e-9, '|X5|');
    close(Math.atan2(h5.im, h5.re) * 180 / Math.PI, -45, 1e-9, 'arg X5');
  });

  it('refuses empty or mismatched sample sets', () => {
    assert.throws(() => rms([]), { code: 'PW_ERR_INVALID_ARGUMENT', message: /no samples/ });
    assert.throws(() => meanProduct([1, 2], [1]), /expected equal lengths/);
  });
});
