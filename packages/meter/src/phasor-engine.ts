// Phasor mode: the meter's quantities in closed form from the scenario's phasors, cheap enough for
// fleets. Between two knots of the timeline every factor (voltage, load, profile) is linear in time,
// so V², P, Q and I² are polynomials of low degree; 4-point Gauss–Legendre quadrature integrates a
// polynomial of degree up to 7 exactly, so the interval means and the energy registers are exact
// (up to the CT's error curve, which bends only where the load crosses a point of its class table).
import type { Measurement } from './measurement.ts';
import { applyCutoffs, newMeasurement, type Cutoffs } from './measurement.ts';
import type { Circuit } from './circuit.ts';
import type { CtError, CurrentTransformer } from './current-transformer.ts';
import type { EnergyRegisters } from './energy-registers.ts';
import type { IntervalAggregator } from './interval-aggregator.ts';
import type { LoadGain } from './load-gain.ts';
import { newTimelineState, type Timeline } from './timeline.ts';

/** Gauss–Legendre nodes and weights on [−1, 1], 4 points (Abramowitz & Stegun, Table 25.4). */
const nodes = [-0.8611363115940526, -0.3399810435848563, 0.3399810435848563, 0.8611363115940526] as const;
const weights = [0.3478548451374538, 0.6521451548625461, 0.6521451548625461, 0.3478548451374538] as const;

export interface MeterParts {
  readonly circuit: Circuit;
  readonly timeline: Timeline;
  readonly transformers: readonly [CurrentTransformer, CurrentTransformer, CurrentTransformer];
  readonly cutoffs: Cutoffs;
  readonly registers: EnergyRegisters;
  readonly aggregator: IntervalAggregator;
  /** How the load's currents follow the supply and the relay. */
  readonly gain: LoadGain;
  /** Sees each measurement as it is made (local protection): every `periodMs` in phasor mode, every window in waveform mode. */
  readonly observer?: MeasurementObserver;
}

/** A watcher of the meter's measurements, on the meter's own time (ms after its start). */
export interface MeasurementObserver {
  /** Phasor mode: how often to measure for it, ms (waveform mode measures every window, 10 or 12 cycles). */
  readonly periodMs: number;
  observe(t: number, m: Measurement): void;
}

export class PhasorEngine {
  readonly #parts: MeterParts;
  readonly #state = newTimelineState();
  readonly #m: Measurement = newMeasurement();
  readonly #error: CtError = { ratio: 0, phase: 0 };
  readonly #gain = new Float64Array(3);
  readonly #cos = new Float64Array(3);
  readonly #sin = new Float64Array(3);
  readonly #gainRe = new Float64Array(3);
  readonly #gainIm = new Float64Array(3);
  readonly #energyP = new Float64Array(3);
  readonly #energyQ = new Float64Array(3);
  readonly #rootVI: Float64Array;
  /** Current phasors by [order][phase], re and im, for the neutral sum. */
  readonly #currentRe: Float64Array;
  readonly #currentIm: Float64Array;

  constructor(parts: MeterParts) {
    this.#parts = parts;
    const { circuit } = parts;
    this.#rootVI = Float64Array.from([0, 1, 2], (p) => Math.sqrt((circuit.voltageSquare[p] ?? 0) * (circuit.currentSquare[p] ?? 0)));
    const n = circuit.orders.length;
    this.#currentRe = new Float64Array(n * 3);
    this.#currentIm = new Float64Array(n * 3);
    for (let k = 0; k < n; k++) {
      for (let p = 0; p < 3; p++) {
        const z = circuit.current[p]?.[k];
        this.#currentRe[k * 3 + p] = z?.re ?? 0;
        this.#currentIm[k * 3 + p] = z?.im ?? 0;
      }
    }
  }

  /** Integrates from t0 to t1 (ms after start) into the aggregator and the registers. */
  advance(t0: number, t1: number): void {
    const { timeline, registers, aggregator } = this.#parts;
    aggregator.addCycles(timeline.cycles(t1) - timeline.cycles(t0), (t1 - t0) / 1000);
    const observer = this.#parts.observer;
    let a = t0;
    while (a < t1) {
      // With an observer, pieces also end on its period's grid: it sees the meter at each, and the
      // relay it may open acts from the next piece on.
      const tick = observer === undefined ? Number.POSITIVE_INFINITY : (Math.floor(a / observer.periodMs) + 1) * observer.periodMs;
      const knot = Math.min(timeline.nextKnot(a), registers.nextBoundary(a), tick);
      const b = knot > a && knot < t1 ? knot : t1;
      this.#piece(a, b);
      if (observer !== undefined && b === tick) {
        this.#evaluate(b);
        observer.observe(b, this.#m);
      }
      a = b;
    }
  }

  /** The instant t alone, for an interval of no length. */
  instant(t: number): void {
    this.#evaluate(t);
    this.#parts.aggregator.add(this.#m, 1);
    this.#parts.aggregator.addCycles(this.#state.frequency, 1);
  }

  #piece(a: number, b: number): void {
    const half = (b - a) / 2;
    const mid = (a + b) / 2;
    const m = this.#m;
    const eP = this.#energyP;
    const eQ = this.#energyQ;
    eP.fill(0);
    eQ.fill(0);
    for (let k = 0; k < 4; k++) {
      this.#evaluate(mid + half * (nodes[k] ?? 0));
      const w = half * (weights[k] ?? 0);
      this.#parts.aggregator.add(m, w);
      for (let p = 0; p < 3; p++) {
        eP[p] = (eP[p] ?? 0) + w * (m.active[p] ?? 0);
        eQ[p] = (eQ[p] ?? 0) + w * (m.reactive[p] ?? 0);
      }
    }
    const span = b - a;
    for (let p = 0; p < 3; p++) {
      eP[p] = (eP[p] ?? 0) / span;
      eQ[p] = (eQ[p] ?? 0) / span;
    }
    this.#parts.registers.add(a, b, eP, eQ);
  }

  /** The measurement at instant t, written into this.#m. */
  #evaluate(t: number): void {
    const { circuit, timeline, transformers, cutoffs } = this.#parts;
    const st = this.#state;
    const m = this.#m;
    timeline.evaluate(t, st);
    const gain = this.#gain;
    this.#parts.gain.evaluate(st, this.#gainRe, this.#gainIm);
    for (let p = 0; p < 3; p++) {
      const u = st.voltage[p] ?? 0;
      // The load's complex gain |G|·e^{jψ}: its angle turns the current as the CT's displacement does.
      const gRe = this.#gainRe[p] ?? 0;
      const gIm = this.#gainIm[p] ?? 0;
      const magnitude = gIm === 0 ? Math.abs(gRe) : Math.hypot(gRe, gIm);
      const turn = gIm === 0 ? (gRe < 0 ? Math.PI : 0) : Math.atan2(gIm, gRe);
      const scale = magnitude * (st.polarity[p] ?? 1);
      const ct = transformers[p as 0 | 1 | 2];
      ct.errorAt(magnitude * Math.sqrt(circuit.currentSquare[p] ?? 0), this.#error);
      const g = scale * (1 + this.#error.ratio);
      const c = Math.cos(this.#error.phase + turn);
      const s = Math.sin(this.#error.phase + turn);
      gain[p] = g;
      this.#cos[p] = c;
      this.#sin[p] = s;
      const all = circuit.powerAll[p] ?? { re: 0, im: 0 };
      const fund = circuit.powerFundamental[p] ?? { re: 0, im: 0 };
      const v1 = circuit.voltage[p]?.[0] ?? { re: 0, im: 0 };
      const i1 = circuit.current[p]?.[0] ?? { re: 0, im: 0 };
      const uu = u * u;
      const gg = g * g;
      m.voltageSquare[p] = uu * (circuit.voltageSquare[p] ?? 0);
      m.currentSquare[p] = gg * (circuit.currentSquare[p] ?? 0);
      // V·(I·e^{jδ})* = V·I*·e^{−jδ}: the CT's displacement turns the product back by δ.
      m.active[p] = u * g * (all.re * c + all.im * s);
      m.reactive[p] = u * g * (fund.im * c - fund.re * s);
      m.apparent[p] = Math.abs(u * g) * (this.#rootVI[p] ?? 0);
      m.voltageRe[p] = u * v1.re;
      m.voltageIm[p] = u * v1.im;
      m.currentRe[p] = g * (i1.re * c - i1.im * s);
      m.currentIm[p] = g * (i1.re * s + i1.im * c);
      m.voltageFundamentalSquare[p] = uu * (circuit.voltageFundamentalSquare[p] ?? 0);
      m.voltageDistortionSquare[p] = uu * (circuit.voltageDistortionSquare[p] ?? 0);
      m.currentFundamentalSquare[p] = gg * (circuit.currentFundamentalSquare[p] ?? 0);
      m.currentDistortionSquare[p] = gg * (circuit.currentDistortionSquare[p] ?? 0);
    }
    for (let p = 0; p < 3; p++) {
      const q = (p + 1) % 3;
      const up = st.voltage[p] ?? 0;
      const uq = st.voltage[q] ?? 0;
      m.lineSquare[p] = up * up * (circuit.voltageSquare[p] ?? 0) + uq * uq * (circuit.voltageSquare[q] ?? 0)
        - 2 * up * uq * (circuit.lineCross[p] ?? 0);
    }
    // The neutral carries the sum of the measured phase currents, harmonic by harmonic.
    let neutral = 0;
    const re = this.#currentRe;
    const im = this.#currentIm;
    for (let k = 0; k < circuit.orders.length; k++) {
      let nRe = 0;
      let nIm = 0;
      for (let p = 0; p < 3; p++) {
        const g = gain[p] ?? 0;
        const zRe = re[k * 3 + p] ?? 0;
        const zIm = im[k * 3 + p] ?? 0;
        const c = this.#cos[p] ?? 1;
        const s = this.#sin[p] ?? 0;
        nRe += g * (zRe * c - zIm * s);
        nIm += g * (zRe * s + zIm * c);
      }
      neutral += nRe * nRe + nIm * nIm;
    }
    m.neutralSquare = neutral;
    applyCutoffs(m, cutoffs);
  }
}
