// Measuring current transformers and their errors (IEC 61869-2:2012).
//
// Ratio error ε = (Kn·Is − Ip)/Ip and phase displacement δ, positive when the secondary current leads
// the primary, are what a CT adds to the current the meter sees: the meter scales the secondary back
// by the nominal ratio Kn, so it reads Ip·(1 + ε) at an angle δ ahead of the true current.
//
// Table 201 bounds both for each class at 5, 20, 100 and 120 % of rated current. A simulated CT
// uses a fixed fraction of those bounds drawn from the seed, so its errors are deterministic,
// stay inside its class at every load, and grow towards light load as a real core's do (the
// magnetising current is a larger share of a small current). The fractions lean the way iron
// cores do: a negative ratio error and a leading secondary.
import type { SeededRandom } from '@phasewire/core';
import type { CtAccuracyClass } from './scenario.ts';

interface ClassLimits {
  /** Ratio error bound, per cent, at the load points below. */
  readonly ratioPercent: readonly [number, number, number, number];
  /** Phase displacement bound, minutes of arc, at the same points. */
  readonly phaseMinutes: readonly [number, number, number, number];
}

/** IEC 61869-2:2012 Table 201: load points as fractions of rated current. */
const loadPoints = [0.05, 0.2, 1, 1.2] as const;

/** IEC 61869-2:2012 Table 201, classes 0.2, 0.5 and 1. */
export const ctClassLimits: Readonly<Record<Exclude<CtAccuracyClass, 'ideal'>, ClassLimits>> = {
  '0.2': { ratioPercent: [0.75, 0.35, 0.2, 0.2], phaseMinutes: [30, 15, 10, 10] },
  '0.5': { ratioPercent: [1.5, 0.75, 0.5, 0.5], phaseMinutes: [90, 45, 30, 30] },
  '1': { ratioPercent: [3, 1.5, 1, 1], phaseMinutes: [180, 90, 60, 60] },
};

const minuteToRadian = Math.PI / (180 * 60);

/** A bound of Table 201 at a load (fraction of rated current), joined linearly, held outside 5–120 %. */
function limitAt(points: readonly [number, number, number, number], load: number): number {
  if (load <= loadPoints[0]) return points[0];
  for (let k = 1; k < 4; k++) {
    const x1 = loadPoints[k] ?? 1;
    if (load <= x1) {
      const x0 = loadPoints[k - 1] ?? 0;
      const y0 = points[k - 1] ?? 0;
      return y0 + ((points[k] ?? 0) - y0) * ((load - x0) / (x1 - x0));
    }
  }
  return points[3];
}

export interface CtError {
  /** Ratio error as a fraction (−0.005 = reads 0.5 % low). */
  ratio: number;
  /** Phase displacement in radians, positive when the secondary leads. */
  phase: number;
}

/** One phase's current transformer. */
export class CurrentTransformer {
  readonly accuracyClass: CtAccuracyClass;
  /** Nominal ratio Kn = rated primary / rated secondary current (1 for a direct meter). */
  readonly ratio: number;
  readonly ratedPrimary: number;
  /** Share of the class bound this unit uses, from the seed: ratio error in [−0.8, 0.2]. */
  readonly ratioFraction: number;
  /** Share of the class bound this unit uses, from the seed: phase displacement in [−0.2, 0.8]. */
  readonly phaseFraction: number;

  constructor(accuracyClass: CtAccuracyClass, primary: number, secondary: number, random: SeededRandom) {
    this.accuracyClass = accuracyClass;
    this.ratio = primary / secondary;
    this.ratedPrimary = primary;
    // Drawn for every class so that the noise stream after it does not depend on the class.
    this.ratioFraction = random.between(-0.8, 0.2);
    this.phaseFraction = random.between(-0.2, 0.8);
  }

  /** The errors at a primary current of `current` A (RMS), written into `out`. */
  errorAt(current: number, out: CtError): CtError {
    if (this.accuracyClass === 'ideal') {
      out.ratio = 0;
      out.phase = 0;
      return out;
    }
    const limits = ctClassLimits[this.accuracyClass];
    const load = current / this.ratedPrimary;
    out.ratio = (this.ratioFraction * limitAt(limits.ratioPercent, load)) / 100;
    out.phase = this.phaseFraction * limitAt(limits.phaseMinutes, load) * minuteToRadian;
    return out;
  }
}
