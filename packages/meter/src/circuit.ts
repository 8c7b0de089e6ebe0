// The scenario's steady state as phasors: for each phase and each harmonic order, the voltage and
// the (primary, true) current at undisturbed voltage and a load factor of 1. Both modes start from
// here: waveform mode turns the phasors into samples, phasor mode scales them by the timeline's
// factors and computes the meter's quantities in closed form. The constants that phasor mode needs
// at every instant (ΣV², ΣI², Σ V·I* …) are folded once, here.
import { abs, add, conj, mul, polarDeg, thd, type Complex } from '@phasewire/core';
import type { Harmonic, Load, Scenario } from './scenario.ts';

/** Angles of L1, L2, L3 in a positive-sequence system: L2 lags L1 by 120°, L3 by 240°. */
const sequenceDeg = [0, -120, 120] as const;
const origin: Complex = { re: 0, im: 0 };

export interface Circuit {
  /** Harmonic orders present anywhere (1 first, then ascending). */
  readonly orders: readonly number[];
  /** Phasors (RMS) indexed [phase][order index]. */
  readonly voltage: readonly (readonly Complex[])[];
  readonly current: readonly (readonly Complex[])[];
  /** Per phase: Σ|Vh|², |V1|², Σ_{h≥2}|Vh|² (the last through THD), and the same for the current. */
  readonly voltageSquare: Float64Array;
  readonly voltageFundamentalSquare: Float64Array;
  readonly voltageDistortionSquare: Float64Array;
  readonly currentSquare: Float64Array;
  readonly currentFundamentalSquare: Float64Array;
  readonly currentDistortionSquare: Float64Array;
  /** Per phase: Σ_h Vh·Ih* (re, im), whose real part is the active power over all harmonics. */
  readonly powerAll: readonly Complex[];
  /** Per phase: V1·I1*, whose imaginary part is the fundamental reactive power (IEEE 1459 Q1). */
  readonly powerFundamental: readonly Complex[];
  /** Per phase pair (L1-L2, L2-L3, L3-L1): Σ Re(Vp,h·Vq,h*), for |Vp − Vq|² = up²·ΣVp² + uq²·ΣVq² − 2·up·uq·this. */
  readonly lineCross: Float64Array;
}

function loadPhases(load: Load): readonly number[] {
  if (load.phases === 'all') return [0, 1, 2];
  return [Number(load.phases.slice(1)) - 1];
}

/** Sum of |z|² over a list of phasors. */
const energy = (zs: readonly Complex[]): number => zs.reduce((acc, z) => acc + z.re * z.re + z.im * z.im, 0);

/** The squared distortion Σ_{h≥2}|Xh|² of a spectrum, through the THD ratio (IEC 61000-4-7). */
function distortionSquare(orders: readonly number[], phasors: readonly Complex[]): number {
  const spectrum = new Float64Array(41);
  orders.forEach((h, k) => { spectrum[h] = abs(phasors[k] ?? origin); });
  const ratio = thd(spectrum);
  const fundamental = spectrum[1] ?? 0;
  return (ratio * fundamental) ** 2;
}

export function buildCircuit(scenario: Scenario): Circuit {
  const { system, supply } = scenario;
  const magnitudes = supply?.magnitudes ?? [1, 1, 1];
  const deviations = supply?.angleDeviationsDeg ?? [0, 0, 0];
  const voltageHarmonics = supply?.harmonics ?? [];
  const orderSet = new Set<number>([1]);
  for (const h of voltageHarmonics) orderSet.add(h.order);
  for (const load of scenario.loads) for (const h of load.harmonics ?? []) orderSet.add(h.order);
  const orders = [...orderSet].sort((x, y) => x - y);
  const index = new Map(orders.map((h, k) => [h, k]));
  const zero = (): Complex[] => orders.map(() => origin);

  const reversed = supply?.rotation === 'reversed';
  const theta = [0, 1, 2].map((p) => (reversed ? -1 : 1) * (sequenceDeg[p as 0 | 1 | 2]) + (deviations[p] ?? 0));
  const voltage = [0, 1, 2].map((p) => {
    const v = zero();
    const m = system.phaseVoltage * (magnitudes[p] ?? 1);
    const th = theta[p] ?? 0;
    v[0] = polarDeg(m, th);
    for (const h of voltageHarmonics) v[index.get(h.order) ?? 0] = polarDeg(m * h.magnitude, h.order * th + h.angleDeg);
    return v;
  });

  const current = [0, 1, 2].map(() => zero());
  for (const load of scenario.loads) {
    const pf = load.kind === 'resistive' ? 1 : (load.powerFactor ?? 1);
    const displacementDeg = (Math.acos(pf) * 180) / Math.PI * (load.leading === true ? -1 : 1);
    for (const p of loadPhases(load)) {
      const row = current[p] ?? [];
      // Constant impedance: the current scales with the phase's actual supply magnitude.
      const i1 = load.current * (magnitudes[p] ?? 1);
      const th = theta[p] ?? 0;
      row[0] = add(row[0] ?? origin, polarDeg(i1, th - displacementDeg));
      for (const h of load.harmonics ?? [] as readonly Harmonic[]) {
        const k = index.get(h.order) ?? 0;
        row[k] = add(row[k] ?? origin, polarDeg(i1 * h.magnitude, h.order * th + h.angleDeg));
      }
    }
  }

  const perPhase = (f: (p: number) => number): Float64Array => Float64Array.from([0, 1, 2], f);
  const v = (p: number): readonly Complex[] => voltage[p] ?? [];
  const i = (p: number): readonly Complex[] => current[p] ?? [];
  const product = (p: number, from: number, to: number): Complex => {
    let acc = origin;
    for (let k = from; k < to; k++) acc = add(acc, mul(v(p)[k] ?? origin, conj(i(p)[k] ?? origin)));
    return acc;
  };
  return {
    orders,
    voltage,
    current,
    voltageSquare: perPhase((p) => energy(v(p))),
    voltageFundamentalSquare: perPhase((p) => energy(v(p).slice(0, 1))),
    voltageDistortionSquare: perPhase((p) => distortionSquare(orders, v(p))),
    currentSquare: perPhase((p) => energy(i(p))),
    currentFundamentalSquare: perPhase((p) => energy(i(p).slice(0, 1))),
    currentDistortionSquare: perPhase((p) => distortionSquare(orders, i(p))),
    powerAll: [0, 1, 2].map((p) => product(p, 0, orders.length)),
    powerFundamental: [0, 1, 2].map((p) => product(p, 0, 1)),
    lineCross: perPhase((p) => {
      const q = (p + 1) % 3;
      return v(p).reduce((acc, z, k) => acc + mul(z, conj(v(q)[k] ?? origin)).re, 0);
    }),
  };
}
