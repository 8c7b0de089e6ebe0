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
  /** Power factor P/S, signed as P; 1 at no load (S = 0). */
  readonly pf: number;
  readonly quadrant: Quadrant;
}

/** The quadrant of a (P, Q) pair; a zero P counts as import and a zero Q as positive. */
export function quadrantOf(p: number, q: number): Quadrant {
  if (p >= 0) return q >= 0 ? 1 : 4;
  return q >= 0 ? 2 : 3;
}

/** Power factor P/S signed as P; at S = 0 there is no load and the factor is taken as 1. */
export function powerFactor(p: number, s: number): number {
  if (s === 0) return 1;
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
