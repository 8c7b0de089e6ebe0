import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { mul, polar, polarDeg, scale, type Complex } from './complex.ts';
import type { ThreePhase } from './three-phase.ts';
import { currentUnbalance, lineToLine, lvur, maxDeviationRatio, pvur, vuf, vufFromLineMagnitudes } from './unbalance.ts';
import { abs } from './complex.ts';

const balanced = (magnitude: number, shift = 0): ThreePhase<Complex> =>
  [polarDeg(magnitude, shift), polarDeg(magnitude, shift - 120), polarDeg(magnitude, shift + 120)];

const close = (actual: number, expected: number, tolerance: number, what: string): void => {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} is not within ${tolerance} of ${expected}`);
};

/** Phasors of three line voltages that close a triangle with the given side lengths. */
function triangle(ab: number, bc: number, ca: number): ThreePhase<Complex> {
  // Place U_ab on the real axis; the angle between U_ab and −U_ca follows from the law of cosines.
  const angle = Math.acos((ab * ab + ca * ca - bc * bc) / (2 * ab * ca));
  const uab = polar(ab, 0);
  const uca = polar(ca, Math.PI - angle);
  const ubc = { re: -uab.re - uca.re, im: -uab.im - uca.im };
  return [uab, ubc, uca];
}

describe('voltage unbalance', () => {
  it('gives the NEMA MG 1 worked example: 462, 463 and 455 V average 460 V, deviate at most 5 V, LVUR 1.09 %', () => {
    // NEMA MG 1 §14.36 example: line voltages 462, 463, 455 V → (460 − 455)/460 = 1.087 %.
    const result = lvur([462, 463, 455]);
    assert.equal(result.standard, 'NEMA MG 1 LVUR');
    close(result.value, 5 / 460, 1e-12, 'LVUR');
  });

  it('labels the IEEE figure and computes it on phase voltages', () => {
    const result = pvur([230, 225, 235]);
    assert.equal(result.standard, 'IEEE PVUR');
    close(result.value, 5 / 230, 1e-12, 'PVUR');
  });

  it('is not the (max − min)/average spread', () => {
    // 480, 476, 472 V: the NEMA figure is 4/476 = 0.84 %, the spread 8/476 = 1.68 %.
    close(lvur([480, 476, 472]).value, 4 / 476, 1e-12, 'LVUR');
  });

  it('gives VUF 50 % when one phase of a 1 pu system is lost (U1 = 2/3, U2 = 1/3)', () => {
    const phasors: ThreePhase<Complex> = [polarDeg(1, 0), polarDeg(1, -120), polarDeg(0, 0)];
    assert.equal(vuf(phasors).standard, 'IEC 61000-4-30 VUF');
    close(vuf(phasors).value, 0.5, 1e-12, 'VUF from phasors');
    // Line magnitudes of the same system: √3, 1, 1 → β = 11/25, √(3 − 6β) = 0.6, VUF = √(0.4/1.6) = 0.5.
    const lines = lineToLine(phasors).map(abs) as unknown as ThreePhase<number>;
    close(vufFromLineMagnitudes(lines).value, 0.5, 1e-12, 'VUF from line magnitudes');
  });

  it('gives 0 for a balanced system by every definition', () => {
    const phasors = balanced(230);
    close(vuf(phasors).value, 0, 1e-15, 'VUF');
    const lines = lineToLine(phasors).map(abs) as unknown as ThreePhase<number>;
    close(vufFromLineMagnitudes(lines).value, 0, 1e-6, 'VUF from line magnitudes');
    close(lvur(lines).value, 0, 1e-12, 'LVUR');
    close(pvur([230, 230, 230]).value, 0, 0, 'PVUR');
  });

  it('reports a reversed phase rotation (L1-L3-L2) as a VUF above 1, not as balance', () => {
    const reversed: ThreePhase<Complex> = [polarDeg(230, 0), polarDeg(230, 120), polarDeg(230, -120)];
    assert.ok(vuf(reversed).value > 1e6, `VUF of a reversed rotation: ${vuf(reversed).value}`);
    assert.equal(vuf([polarDeg(0, 0), polarDeg(0, 0), polarDeg(0, 0)]).value, 0);
  });

  const magnitude = fc.double({ min: 50, max: 500, noNaN: true });
  const angle = fc.double({ min: -180, max: 180, noNaN: true });
  const angleOffset = fc.double({ min: -10, max: 10, noNaN: true });
  const unbalancedSystem = fc.tuple(magnitude, magnitude, magnitude, angleOffset, angleOffset)
    .map(([a, b, c, db, dc]): ThreePhase<Complex> => [polarDeg(a, 0), polarDeg(b, -120 + db), polarDeg(c, 120 + dc)]);

  it('gives the same VUF from line magnitudes as from phasors, for any system', () => {
    fc.assert(fc.property(unbalancedSystem, (phasors) => {
      const lines = lineToLine(phasors);
      const fromPhasors = vuf(lines).value;
      const fromMagnitudes = vufFromLineMagnitudes(lines.map(abs) as unknown as ThreePhase<number>).value;
      close(fromMagnitudes, fromPhasors, 1e-6, 'VUF');
    }));
  });

  it('gives the same VUF for line-to-line and line-to-neutral phasors (zero sequence aside)', () => {
    fc.assert(fc.property(unbalancedSystem, (phasors) => {
      // Line-to-line voltages carry no zero sequence; remove it from the phase voltages to compare.
      const [a, b, c] = phasors;
      const zero = scale({ re: a.re + b.re + c.re, im: a.im + b.im + c.im }, 1 / 3);
      const withoutZero = phasors.map((p) => ({ re: p.re - zero.re, im: p.im - zero.im })) as unknown as ThreePhase<Complex>;
      close(vuf(lineToLine(phasors)).value, vuf(withoutZero).value, 1e-9, 'VUF');
    }));
  });

  it('does not change when every phasor is rotated or scaled, or the phases are relabelled cyclically', () => {
    fc.assert(fc.property(unbalancedSystem, angle, fc.double({ min: 0.01, max: 100, noNaN: true }), (phasors, theta, k) => {
      const reference = vuf(phasors).value;
      const rotated = phasors.map((p) => mul(p, polarDeg(1, theta))) as unknown as ThreePhase<Complex>;
      const scaled = phasors.map((p) => scale(p, k)) as unknown as ThreePhase<Complex>;
      const relabelled: ThreePhase<Complex> = [phasors[1], phasors[2], phasors[0]];
      close(vuf(rotated).value, reference, 1e-9, 'rotated');
      close(vuf(scaled).value, reference, 1e-9, 'scaled');
      close(vuf(relabelled).value, reference, 1e-9, 'relabelled');
    }));
  });

  it('keeps LVUR and PVUR the same under scaling and any order of the phases', () => {
    fc.assert(fc.property(magnitude, magnitude, magnitude, fc.double({ min: 0.01, max: 100, noNaN: true }), (a, b, c, k) => {
      const reference = lvur([a, b, c]).value;
      close(lvur([c, a, b]).value, reference, 1e-12, 'permuted');
      close(lvur([b, a, c]).value, reference, 1e-12, 'swapped');
      close(pvur([a * k, b * k, c * k]).value, reference, 1e-9, 'scaled');
    }));
  });

  it('agrees with the triangle the line magnitudes close', () => {
    const phasors = triangle(462, 463, 455);
    close(vuf(phasors).value, vufFromLineMagnitudes([462, 463, 455]).value, 1e-9, 'VUF');
    // For a small unbalance VUF lies close to the NEMA figure (1.087 %) but is its own number.
    close(vuf(phasors).value, 0.010914, 1e-6, 'VUF of 462/463/455 V');
  });

  it('refuses magnitudes that are negative or not finite', () => {
    assert.throws(() => lvur([230, -1, 230]), { code: 'PW_ERR_INVALID_ARGUMENT' });
    assert.throws(() => vufFromLineMagnitudes([400, Number.NaN, 400]), /expected three finite, non-negative values/);
  });

  it('takes 0 as the unbalance of a dead system rather than dividing by zero', () => {
    assert.equal(maxDeviationRatio([0, 0, 0]), 0);
    assert.equal(vufFromLineMagnitudes([0, 0, 0]).value, 0);
  });
});

describe('current unbalance', () => {
  it('of a load on one phase only: I0 = I1 = I2 = I/3', () => {
    const result = currentUnbalance([polarDeg(10, -30), polarDeg(0, 0), polarDeg(0, 0)]);
    close(result.maxDeviation, 2, 1e-12, 'max deviation (10 A against an average of 3.33 A)');
    close(result.negativeSequence, 1, 1e-12, 'negative sequence');
    close(result.zeroSequence, 1, 1e-12, 'zero sequence');
  });

  it('of a balanced load is 0', () => {
    const result = currentUnbalance(balanced(10, -25));
    close(result.maxDeviation, 0, 1e-12, 'max deviation');
    close(result.negativeSequence, 0, 1e-12, 'negative sequence');
    close(result.zeroSequence, 0, 1e-12, 'zero sequence');
  });
});
