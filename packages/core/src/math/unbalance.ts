// Voltage and current unbalance, each figure labelled by the standard that defines it, because
// the three definitions give different numbers for the same system and are often confused with
// the spread (max − min)/avg, which none of them is.
//
//   NEMA MG 1 (§14.36) "line voltage unbalance rate", LVUR: the largest deviation of a line-to-line
//     voltage from the average of the three, divided by that average.
//   IEEE (Std 141 / Std 112, "phase voltage unbalance rate"), PVUR: the same on the phase
//     (line-to-neutral) voltages.
//   IEC 61000-4-30 §5.7 (and IEC 61000-2-12), VUF: |U2| / |U1|, negative over positive sequence.
//     When only the three line-to-line magnitudes are known, §5.7.1 gives the exact form
//       VUF = sqrt((1 − sqrt(3 − 6β)) / (1 + sqrt(3 − 6β))),  β = ΣU⁴ / (ΣU²)²
//     (zero sequence does not appear in line-to-line voltages, so nothing is lost).
// All results are ratios (0.02 = 2 %).
import { ValidationError } from '../errors.ts';
import { abs, sub, type Complex } from './complex.ts';
import { symmetricalComponents } from './symmetrical.ts';
import type { ThreePhase } from './three-phase.ts';

export type UnbalanceStandard = 'NEMA MG 1 LVUR' | 'IEEE PVUR' | 'IEC 61000-4-30 VUF' | 'IEC 61000-4-30 VUF (from line magnitudes)';

export interface Unbalance {
  readonly standard: UnbalanceStandard;
  readonly value: number;
}

function requireMagnitudes(what: string, values: ThreePhase<number>): void {
  if (!values.every((v) => Number.isFinite(v) && v >= 0)) {
    throw new ValidationError('PW_ERR_INVALID_ARGUMENT', `Cannot compute ${what} from magnitudes ${values.join(', ')}: `
      + 'expected three finite, non-negative values');
  }
}

/** Largest deviation from the average divided by the average; 0 when all three are zero. */
export function maxDeviationRatio(values: ThreePhase<number>): number {
  requireMagnitudes('a deviation ratio', values);
  const average = (values[0] + values[1] + values[2]) / 3;
  if (average === 0) return 0;
  return Math.max(...values.map((v) => Math.abs(v - average))) / average;
}

/** NEMA MG 1 line voltage unbalance rate from the three line-to-line RMS voltages. */
export const lvur = (lineVoltages: ThreePhase<number>): Unbalance =>
  ({ standard: 'NEMA MG 1 LVUR', value: maxDeviationRatio(lineVoltages) });

/** IEEE phase voltage unbalance rate from the three line-to-neutral RMS voltages. */
export const pvur = (phaseVoltages: ThreePhase<number>): Unbalance =>
  ({ standard: 'IEEE PVUR', value: maxDeviationRatio(phaseVoltages) });

/**
 * IEC voltage unbalance factor |U2|/|U1| from phasors (line-to-neutral or line-to-line alike).
 * Above 1 the negative sequence dominates: the phase rotation is reversed (L1-L3-L2), which is a
 * wiring fault, not a small unbalance; a dead system (all zero) gives 0.
 */
export function vuf(phasors: ThreePhase<Complex>): Unbalance {
  const { positive, negative } = symmetricalComponents(phasors);
  return { standard: 'IEC 61000-4-30 VUF', value: ratioOf(abs(negative), abs(positive)) };
}

function ratioOf(part: number, whole: number): number {
  if (whole === 0) return part === 0 ? 0 : Number.POSITIVE_INFINITY;
  return part / whole;
}

/** IEC voltage unbalance factor from the three line-to-line magnitudes (IEC 61000-4-30 §5.7.1). */
export function vufFromLineMagnitudes(lineVoltages: ThreePhase<number>): Unbalance {
  requireMagnitudes('the VUF', lineVoltages);
  const squares = lineVoltages.map((u) => u * u);
  const sumSquares = squares.reduce((x, y) => x + y, 0);
  if (sumSquares === 0) return { standard: 'IEC 61000-4-30 VUF (from line magnitudes)', value: 0 };
  const beta = squares.reduce((x, y) => x + y * y, 0) / (sumSquares * sumSquares);
  // β lies in [1/3, 1/2] for magnitudes that close a triangle; rounding may step just outside.
  const root = Math.sqrt(Math.max(0, 3 - 6 * beta));
  return { standard: 'IEC 61000-4-30 VUF (from line magnitudes)', value: Math.sqrt(Math.max(0, (1 - root) / (1 + root))) };
}

/** Line-to-line phasors U12, U23, U31 from the phase phasors. */
export function lineToLine([a, b, c]: ThreePhase<Complex>): ThreePhase<Complex> {
  return [sub(a, b), sub(b, c), sub(c, a)];
}

export interface CurrentUnbalance {
  /** Largest deviation of a phase current from the average, over the average (NEMA MG 1 style). */
  readonly maxDeviation: number;
  /** |I2| / |I1|, the negative-sequence current unbalance. */
  readonly negativeSequence: number;
  /** |I0| / |I1|, the zero-sequence current unbalance (what flows back in the neutral). */
  readonly zeroSequence: number;
}

export function currentUnbalance(currents: ThreePhase<Complex>): CurrentUnbalance {
  const { zero, positive, negative } = symmetricalComponents(currents);
  const i1 = abs(positive);
  return {
    maxDeviation: maxDeviationRatio([abs(currents[0]), abs(currents[1]), abs(currents[2])]),
    negativeSequence: ratioOf(abs(negative), i1),
    zeroSequence: ratioOf(abs(zero), i1),
  };
}
