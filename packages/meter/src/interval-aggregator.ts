// Aggregation of measurements over a reporting interval (IEC 61000-4-30 §4.5): magnitudes (RMS
// voltages and currents) as the square root of the mean of their squares, powers as plain means.
// Waveform mode adds one measurement per 10/12-cycle window with equal weight, as the standard
// aggregates windows; phasor mode adds closed-form values at Gauss points with their quadrature
// weights, which is the same mean taken continuously.
//
// Derived quantities come from the aggregated parts, not from averaging ratios: PF = P/S of the
// means; THD = √(mean Σh≥2 X²) / √(mean X1²), the THD of the RMS-aggregated spectrum; angles are the
// argument of the summed products V·I* (and V1·Vx*), so a wrap at ±180° cannot average to 0°.
import { powerFactor, wrapDegrees } from '@phasewire/core';
import type { Measurement } from './measurement.ts';
import { phaseSlots, slot } from './value-layout.ts';

const s = {
  voltage: phaseSlots('voltage'), current: phaseSlots('current'), active: phaseSlots('activePower'),
  reactiveImport: phaseSlots('reactivePowerImport'), reactiveExport: phaseSlots('reactivePowerExport'),
  apparent: phaseSlots('apparentPower'), pf: phaseSlots('powerFactor'), voltageThd: phaseSlots('voltageThd'),
  currentThd: phaseSlots('currentThd'),
  line: [slot.voltageL1L2, slot.voltageL2L3, slot.voltageL3L1] as const,
  currentAngle: [slot.angleCurrentL1, slot.angleCurrentL2, slot.angleCurrentL3] as const,
};

// Offsets of the per-phase sums in one Float64Array: field f of phase p at f * 3 + p.
const F = {
  voltage: 0, current: 1, active: 2, reactive: 3, apparent: 4, vFund: 5, vDist: 6, iFund: 7, iDist: 8, line: 9,
  /** Σ V·I* per phase (re, im): the current angles. */
  viRe: 10, viIm: 11,
  /** Σ V1·Vx* (re, im) for x = L1..L3: the voltage angles. */
  vvRe: 12, vvIm: 13,
} as const;
const fields = 14;

const toDegrees = 180 / Math.PI;

function accumulate(sums: Float64Array, index: number, x: number): void {
  sums[index] = (sums[index] ?? 0) + x;
}

export class IntervalAggregator {
  readonly #sums = new Float64Array(fields * 3);
  #neutral = 0;
  #weight = 0;
  #cycles = 0;
  #cycleSeconds = 0;
  #lastFrequency: number;

  constructor(nominalFrequency: number) {
    this.#lastFrequency = nominalFrequency;
  }

  get empty(): boolean {
    return this.#weight === 0;
  }

  reset(): void {
    this.#sums.fill(0);
    this.#neutral = 0;
    this.#weight = 0;
    this.#cycles = 0;
    this.#cycleSeconds = 0;
  }

  add(m: Measurement, weight: number): void {
    const sums = this.#sums;
    const v1Re = m.voltageRe[0] ?? 0;
    const v1Im = m.voltageIm[0] ?? 0;
    for (let p = 0; p < 3; p++) {
      const vRe = m.voltageRe[p] ?? 0;
      const vIm = m.voltageIm[p] ?? 0;
      const iRe = m.currentRe[p] ?? 0;
      const iIm = m.currentIm[p] ?? 0;
      accumulate(sums, F.voltage * 3 + p, weight * (m.voltageSquare[p] ?? 0));
      accumulate(sums, F.current * 3 + p, weight * (m.currentSquare[p] ?? 0));
      accumulate(sums, F.active * 3 + p, weight * (m.active[p] ?? 0));
      accumulate(sums, F.reactive * 3 + p, weight * (m.reactive[p] ?? 0));
      accumulate(sums, F.apparent * 3 + p, weight * (m.apparent[p] ?? 0));
      accumulate(sums, F.vFund * 3 + p, weight * (m.voltageFundamentalSquare[p] ?? 0));
      accumulate(sums, F.vDist * 3 + p, weight * (m.voltageDistortionSquare[p] ?? 0));
      accumulate(sums, F.iFund * 3 + p, weight * (m.currentFundamentalSquare[p] ?? 0));
      accumulate(sums, F.iDist * 3 + p, weight * (m.currentDistortionSquare[p] ?? 0));
      accumulate(sums, F.line * 3 + p, weight * (m.lineSquare[p] ?? 0));
      accumulate(sums, F.viRe * 3 + p, weight * (vRe * iRe + vIm * iIm));
      accumulate(sums, F.viIm * 3 + p, weight * (vIm * iRe - vRe * iIm));
      accumulate(sums, F.vvRe * 3 + p, weight * (v1Re * vRe + v1Im * vIm));
      accumulate(sums, F.vvIm * 3 + p, weight * (v1Im * vRe - v1Re * vIm));
    }
    this.#neutral += weight * m.neutralSquare;
    this.#weight += weight;
  }

  /** Counts whole supply cycles and their duration (IEC 61000-4-30 §5.1: cycles over their time). */
  addCycles(cycles: number, seconds: number): void {
    this.#cycles += cycles;
    this.#cycleSeconds += seconds;
  }

  /** Writes every instantaneous quantity of the interval into `out` (catalogue slots). */
  write(out: Float64Array): void {
    const sums = this.#sums;
    const w = this.#weight > 0 ? this.#weight : 1;
    const mean = (f: number, p: number): number => (sums[f * 3 + p] ?? 0) / w;
    const root = (x: number): number => Math.sqrt(Math.max(0, x));
    let pTotal = 0;
    let qTotal = 0;
    let sTotal = 0;
    let vSum = 0;
    let iSum = 0;
    let lineSum = 0;
    for (let p = 0; p < 3; p++) {
      const v = root(mean(F.voltage, p));
      const i = root(mean(F.current, p));
      const pw = mean(F.active, p);
      const q = mean(F.reactive, p);
      const sa = mean(F.apparent, p);
      const vFund = mean(F.vFund, p);
      const iFund = mean(F.iFund, p);
      const line = root(mean(F.line, p));
      out[s.voltage[p] as number] = v;
      out[s.current[p] as number] = i;
      out[s.active[p] as number] = pw;
      out[s.reactiveImport[p] as number] = q > 0 ? q : 0;
      out[s.reactiveExport[p] as number] = q < 0 ? -q : 0;
      out[s.apparent[p] as number] = sa;
      // An idle phase has no power factor: NaN is a value the snapshot leaves out (value-layout.ts).
      out[s.pf[p] as number] = powerFactor(pw, sa) ?? Number.NaN;
      out[s.voltageThd[p] as number] = vFund > 0 ? root(mean(F.vDist, p) / vFund) : 0;
      out[s.currentThd[p] as number] = iFund > 0 ? root(mean(F.iDist, p) / iFund) : 0;
      out[s.line[p] as number] = line;
      const viRe = sums[F.viRe * 3 + p] ?? 0;
      const viIm = sums[F.viIm * 3 + p] ?? 0;
      out[s.currentAngle[p] as number] = viRe === 0 && viIm === 0 ? 0 : wrapDegrees(Math.atan2(viIm, viRe) * toDegrees);
      pTotal += pw;
      qTotal += q;
      sTotal += sa;
      vSum += v;
      iSum += i;
      lineSum += line;
    }
    out[slot.voltageAverage] = vSum / 3;
    out[slot.voltageLineAverage] = lineSum / 3;
    out[slot.currentNeutral] = root(this.#neutral / w);
    out[slot.currentSum] = iSum;
    out[slot.activePower] = pTotal;
    out[slot.reactivePowerImport] = qTotal > 0 ? qTotal : 0;
    out[slot.reactivePowerExport] = qTotal < 0 ? -qTotal : 0;
    out[slot.apparentPower] = sTotal;
    out[slot.powerFactor] = powerFactor(pTotal, sTotal) ?? Number.NaN;
    if (this.#cycleSeconds > 0) this.#lastFrequency = this.#cycles / this.#cycleSeconds;
    out[slot.frequency] = this.#lastFrequency;
    out[slot.angleVoltageL2] = this.#voltageAngle(1);
    out[slot.angleVoltageL3] = this.#voltageAngle(2);
  }

  /** Lag of phase p's voltage behind L1's, in [0, 360). */
  #voltageAngle(p: number): number {
    const re = this.#sums[F.vvRe * 3 + p] ?? 0;
    const im = this.#sums[F.vvIm * 3 + p] ?? 0;
    if (re === 0 && im === 0) return 0;
    const angle = Math.atan2(im, re) * toDegrees;
    return angle < 0 ? angle + 360 : angle;
  }
}
