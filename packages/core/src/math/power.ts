// Power of one phase and the four quadrants (IEC 62053-23 Fig. 1, consumer reference arrows):
//   QI   P ≥ 0, Q ≥ 0  import, inductive       QII  P < 0, Q ≥ 0  export, capacitive
//   QIII P < 0, Q < 0  export, inductive       QIV  P ≥ 0, Q < 0  import, capacitive
// With phasors V and I (RMS), S = V·I* = P + jQ, so Q > 0 when the current lags the voltage.
import { abs, conj, mul, type Complex } from './complex.ts';

export type Quadrant = 1 | 2 | 3 | 4;

export interface PhasePower {
  /** Active power, W; positive when imported. */
  readonly p: number;
  /** Reactive power, var; positive when the current lags (inductive import, QI). */
  readonly q: number;
  /** Apparent power, VA; never negative. */
  readonly s: number;
  /** Power factor P/S, signed as P; null (undefined) without apparent power (S = 0: no current). */
  readonly pf: number | null;
  readonly quadrant: Quadrant;
}

/** The quadrant of a (P, Q) pair; a zero P counts as import and a zero Q as positive. */
export function quadrantOf(p: number, q: number): Quadrant {
  if (p >= 0) return q >= 0 ? 1 : 4;
  return q >= 0 ? 2 : 3;
}

/**
 * Power factor P/S signed as P (IEEE 1459-2010 §3.1.1.1: the ratio of active to apparent power). At
 * S = 0 (a phase that carries no current) the ratio is undefined, and so is the factor: null, never
 * 1, so an idle phase is not reported as a perfect load.
 */
export function powerFactor(p: number, s: number): number | null {
  if (!(s > 0)) return null;
  return Math.max(-1, Math.min(1, p / s));
}

/** Power of one phase from its voltage and current phasors (sinusoidal steady state). */
export function phasorPower(voltage: Complex, current: Complex): PhasePower {
  const complexPower = mul(voltage, conj(current));
  const p = complexPower.re;
  const q = complexPower.im;
  const s = abs(voltage) * abs(current);
  return { p, q, s, pf: powerFactor(p, s), quadrant: quadrantOf(p, q) };
}

/**
 * Power of one phase from sampled measurements, as a meter computes it:
 * P = mean(v·i) over whole cycles (all harmonics); S = Vrms·Irms (arithmetic apparent power);
 * Q = V1·I1·sin θ1, the fundamental reactive power of IEEE 1459-2010 §3.1.2.5, from the
 * fundamental phasors. With sinusoidal signals S² = P² + Q²; with harmonics S² exceeds it by the
 * distortion power.
 */
export function sampledPower(p: number, vrms: number, irms: number, voltage1: Complex, current1: Complex): PhasePower {
  const q = mul(voltage1, conj(current1)).im;
  const s = vrms * irms;
  return { p, q, s, pf: powerFactor(p, s), quadrant: quadrantOf(p, q) };
}
