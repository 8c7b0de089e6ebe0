import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { abs, polarDeg, sub, type Complex } from './complex.ts';
import { fromSymmetricalComponents, symmetricalComponents } from './symmetrical.ts';
import { neutralCurrent, neutralCurrentFromSamples } from './neutral.ts';
import { thd } from './thd.ts';
import type { ThreePhase } from './three-phase.ts';

const near = (x: Complex, y: Complex, tolerance: number): boolean => abs(sub(x, y)) <= tolerance;

describe('symmetrical components', () => {
  it('of a balanced positive-sequence system are the L1 phasor alone', () => {
    const v: ThreePhase<Complex> = [polarDeg(230, 10), polarDeg(230, -110), polarDeg(230, 130)];
    const { zero, positive, negative } = symmetricalComponents(v);
    assert.ok(abs(zero) < 1e-12 && abs(negative) < 1e-12);
    assert.ok(near(positive, v[0], 1e-12));
  });

  it('of a balanced negative-sequence system are all negative sequence', () => {
    const v: ThreePhase<Complex> = [polarDeg(1, 0), polarDeg(1, 120), polarDeg(1, -120)];
    const { zero, positive, negative } = symmetricalComponents(v);
    assert.ok(abs(zero) < 1e-12 && abs(positive) < 1e-12);
    assert.ok(near(negative, v[0], 1e-12));
  });

  it('of three equal phasors are all zero sequence', () => {
    const v: ThreePhase<Complex> = [polarDeg(5, 20), polarDeg(5, 20), polarDeg(5, 20)];
    const { zero, positive, negative } = symmetricalComponents(v);
    assert.ok(near(zero, v[0], 1e-12) && abs(positive) < 1e-12 && abs(negative) < 1e-12);
  });

  it('transform back to the phase quantities they came from', () => {
    const phasor = fc.tuple(fc.double({ min: 0, max: 1000, noNaN: true }), fc.double({ min: -180, max: 180, noNaN: true }))
      .map(([m, a]) => polarDeg(m, a));
    fc.assert(fc.property(phasor, phasor, phasor, (a, b, c) => {
      const back = fromSymmetricalComponents(symmetricalComponents([a, b, c]));
      assert.ok(near(back[0], a, 1e-9) && near(back[1], b, 1e-9) && near(back[2], c, 1e-9));
    }));
  });
});

describe('neutral current', () => {
  it('is zero for balanced currents and the phase current for a single-phase load', () => {
    assert.ok(neutralCurrent([polarDeg(10, -30), polarDeg(10, -150), polarDeg(10, 90)]) < 1e-12);
    assert.ok(Math.abs(neutralCurrent([polarDeg(10, -30), polarDeg(0, 0), polarDeg(0, 0)]) - 10) < 1e-12);
  });

  it('is three times the zero-sequence current', () => {
    const i: ThreePhase<Complex> = [polarDeg(10, -30), polarDeg(7, -160), polarDeg(12, 95)];
    assert.ok(Math.abs(neutralCurrent(i) - 3 * abs(symmetricalComponents(i).zero)) < 1e-12);
  });

  it('from samples carries the triplen harmonics of all three phases', () => {
    // Balanced 10 A fundamentals cancel; a 3 A third harmonic in each phase is in phase in the neutral: 9 A.
    const perCycle = 96;
    const n = perCycle * 10;
    const phase = (shiftDeg: number): Float64Array => Float64Array.from({ length: n }, (_, k) => {
      const t = (2 * Math.PI * k) / perCycle;
      const s = (shiftDeg * Math.PI) / 180;
      return 10 * Math.SQRT2 * Math.cos(t - s) + 3 * Math.SQRT2 * Math.cos(3 * (t - s));
    });
    assert.ok(Math.abs(neutralCurrentFromSamples(phase(0), phase(120), phase(240)) - 9) < 1e-9);
  });

  it('from samples refuses sample sets of different lengths', () => {
    assert.throws(() => neutralCurrentFromSamples([1, 2], [1, 2], [1]), { code: 'PW_ERR_INVALID_ARGUMENT' });
  });
});

describe('THD', () => {
  it('is the root sum square of the harmonics over the fundamental', () => {
    assert.ok(Math.abs(thd([0, 100, 3, 4]) - 0.05) < 1e-15);
    assert.ok(Math.abs(thd([7, 230, 0, 6.9, 0, 11.5, 0, 4.6]) - Math.hypot(6.9, 11.5, 4.6) / 230) < 1e-15);
  });

  it('ignores the DC term and orders above the limit', () => {
    const spectrum = [50, 100, 0, 10];
    assert.ok(Math.abs(thd(spectrum) - 0.1) < 1e-15);
    assert.equal(thd(spectrum, 2), 0);
  });

  it('is 0 without a fundamental and refuses a spectrum without one', () => {
    assert.equal(thd([0, 0, 5]), 0);
    assert.throws(() => thd([1]), /expected the fundamental at index 1/);
  });
});
