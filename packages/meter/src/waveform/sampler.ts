// The analogue front end of waveform mode: the VT and CT signals of the three phases, sampled.
//
// The sampler is locked to the supply (a PLL, as revenue meters and IEC 61000-4-30 Class A
// instruments do): each window holds `cycles × samplesPerCycle` samples spaced 1/(f·N) apart, f the
// frequency measured over the previous window. When the frequency is steady the window is an exact
// whole number of cycles and the DFT bins fall on the harmonics; when it drifts the lock lags by
// one window, as a real PLL does.
//
// The current channels carry the CT's secondary current: the primary current divided by the nominal
// ratio Kn, times (1 + ε), turned ahead by δ (IEC 61869-2 ratio error and phase displacement,
// applied to every harmonic alike). Each channel gets uniform noise of the scenario's standard
// deviation.
import type { SeededRandom } from '@phasewire/core';
import type { Circuit } from '../circuit.ts';
import type { CtError, CurrentTransformer } from '../current-transformer.ts';
import type { LoadGain } from '../load-gain.ts';
import { newTimelineState, type Timeline } from '../timeline.ts';

/** Window edges per ms: a 100 ns grid. */
const edgeGrid = 10_000;

export interface SampleWindow {
  /** Phase voltages, V. */
  readonly voltage: readonly [Float64Array, Float64Array, Float64Array];
  /** CT secondary currents, A (the metrology scales them back by Kn). */
  readonly current: readonly [Float64Array, Float64Array, Float64Array];
  /** Sample times, ms after the meter's start. */
  readonly time: Float64Array;
}

export interface SamplerConfig {
  readonly circuit: Circuit;
  readonly timeline: Timeline;
  readonly transformers: readonly [CurrentTransformer, CurrentTransformer, CurrentTransformer];
  /** The load's response: a constant-impedance load follows each sample's voltage, a motor and the relay are set per window. */
  readonly gain: LoadGain;
  readonly samplesPerCycle: number;
  readonly cycles: number;
  /** Noise standard deviations: volts, and secondary amperes. */
  readonly voltageNoise: number;
  readonly currentNoise: number;
  readonly random: SeededRandom;
}

export class Sampler {
  readonly window: SampleWindow;
  readonly length: number;
  readonly #config: SamplerConfig;
  readonly #state = newTimelineState();
  readonly #error: CtError = { ratio: 0, phase: 0 };
  readonly #maxOrder: number;
  readonly #orders: Int32Array;
  /** Coefficients of cos(hθ) and sin(hθ) by [phase][order index]: a·cos + b·sin. */
  readonly #va: Float64Array;
  readonly #vb: Float64Array;
  readonly #ia: Float64Array;
  readonly #ib: Float64Array;
  readonly #cosH: Float64Array;
  readonly #sinH: Float64Array;
  readonly #gainRe = new Float64Array(3);
  readonly #gainIm = new Float64Array(3);

  constructor(config: SamplerConfig) {
    this.#config = config;
    this.length = config.cycles * config.samplesPerCycle;
    const buffer = (): Float64Array => new Float64Array(this.length);
    this.window = { voltage: [buffer(), buffer(), buffer()], current: [buffer(), buffer(), buffer()], time: buffer() };
    const { orders, voltage } = config.circuit;
    this.#orders = Int32Array.from(orders);
    this.#maxOrder = Math.max(...orders);
    const n = orders.length;
    this.#va = new Float64Array(3 * n);
    this.#vb = new Float64Array(3 * n);
    this.#ia = new Float64Array(3 * n);
    this.#ib = new Float64Array(3 * n);
    for (let p = 0; p < 3; p++) {
      for (let k = 0; k < n; k++) {
        const z = voltage[p]?.[k];
        this.#va[p * n + k] = Math.SQRT2 * (z?.re ?? 0);
        this.#vb[p * n + k] = -Math.SQRT2 * (z?.im ?? 0);
      }
    }
    this.#cosH = new Float64Array(this.#maxOrder + 1);
    this.#sinH = new Float64Array(this.#maxOrder + 1);
  }

  /** Samples one window from `start` (ms after the meter's start) at `frequency` Hz; returns its end. */
  sample(start: number, frequency: number): number {
    const { timeline, samplesPerCycle, voltageNoise, currentNoise, random } = this.#config;
    const step = 1000 / (frequency * samplesPerCycle);
    // Window edges on a 100 ns grid: at a steady 50 or 60 Hz the windows then tile the time axis
    // exactly (200 ms each), instead of drifting by rounding until one straddles an event edge.
    const end = Math.round((start + this.length * step) * edgeGrid) / edgeGrid;
    this.#prepareCurrents((start + end) / 2);
    const st = this.#state;
    const n = this.#orders.length;
    const orders = this.#orders;
    const cosH = this.#cosH;
    const sinH = this.#sinH;
    const { voltage, current, time } = this.window;
    const perSample = this.#config.gain.perSample;
    // Uniform noise of standard deviation σ spans ±√3·σ.
    const vSpread = 2 * Math.sqrt(3) * voltageNoise;
    const iSpread = 2 * Math.sqrt(3) * currentNoise;
    for (let j = 0; j < this.length; j++) {
      const t = start + j * step;
      time[j] = t;
      timeline.evaluate(t, st);
      const cycles = timeline.cycles(t);
      const theta = 2 * Math.PI * (cycles - Math.floor(cycles));
      const c1 = Math.cos(theta);
      const s1 = Math.sin(theta);
      cosH[1] = c1;
      sinH[1] = s1;
      for (let h = 2; h <= this.#maxOrder; h++) {
        const c = cosH[h - 1] ?? 0;
        const s = sinH[h - 1] ?? 0;
        cosH[h] = c * c1 - s * s1;
        sinH[h] = s * c1 + c * s1;
      }
      for (let p = 0; p < 3; p++) {
        let v = 0;
        let i = 0;
        for (let k = 0; k < n; k++) {
          const h = orders[k] ?? 1;
          const c = cosH[h] ?? 0;
          const s = sinH[h] ?? 0;
          v += (this.#va[p * n + k] ?? 0) * c + (this.#vb[p * n + k] ?? 0) * s;
          i += (this.#ia[p * n + k] ?? 0) * c + (this.#ib[p * n + k] ?? 0) * s;
        }
        const u = st.voltage[p] ?? 0;
        const scale = (perSample ? u * (st.load[p] ?? 0) : 1) * (st.polarity[p] ?? 1);
        (voltage[p as 0 | 1 | 2])[j] = u * v + vSpread * (random.next() - 0.5);
        (current[p as 0 | 1 | 2])[j] = scale * i + iSpread * (random.next() - 0.5);
      }
    }
    return end;
  }

  /**
   * The CT-transformed current coefficients for this window, with the CT errors at its midpoint load;
   * the relay as it is now, and a motor's currents as at the midpoint.
   */
  #prepareCurrents(mid: number): void {
    const { circuit, timeline, transformers, gain: load } = this.#config;
    timeline.evaluate(mid, this.#state);
    load.evaluate(this.#state, this.#gainRe, this.#gainIm);
    const n = this.#orders.length;
    for (let p = 0; p < 3; p++) {
      const ct = transformers[p as 0 | 1 | 2];
      const gRe = this.#gainRe[p] ?? 0;
      const gIm = this.#gainIm[p] ?? 0;
      const magnitude = Math.hypot(gRe, gIm);
      // A constant-impedance load follows the voltage sample by sample (in sample()): here only the relay.
      const factor = load.perSample ? (load.closed ? 1 : 0) : magnitude;
      const turn = load.perSample || magnitude === 0 ? 0 : Math.atan2(gIm, gRe);
      ct.errorAt(magnitude * Math.sqrt(circuit.currentSquare[p] ?? 0), this.#error);
      const gain = factor * (1 + this.#error.ratio) / ct.ratio;
      const c = Math.cos(this.#error.phase + turn);
      const s = Math.sin(this.#error.phase + turn);
      for (let k = 0; k < n; k++) {
        const z = circuit.current[p]?.[k];
        const re = z?.re ?? 0;
        const im = z?.im ?? 0;
        this.#ia[p * n + k] = Math.SQRT2 * gain * (re * c - im * s);
        this.#ib[p * n + k] = -Math.SQRT2 * gain * (re * s + im * c);
      }
    }
  }
}
