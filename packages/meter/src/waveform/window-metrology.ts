// The metrology of one 10/12-cycle window of samples, with core's math: RMS, the mean of v·i for
// active power, a single-bin DFT per harmonic (IEC 61000-4-7's synchronised rectangular window) for
// the fundamental phasors and THD, the fundamental reactive power of IEEE 1459, and the neutral
// current as the RMS of the summed phase currents (triplens add there).
//
// The harmonic bins of a window of C whole cycles are the bins of its average cycle: folding the C
// cycles onto one before the DFT gives the same phasors C times cheaper (the interharmonic bins,
// which THD does not use, are what folding discards).
import { harmonicPhasor, meanProduct, neutralCurrentFromSamples, rms, sampledPower, thd } from '@phasewire/core';
import type { Measurement } from '../measurement.ts';
import type { SampleWindow } from './sampler.ts';

/** IEC 61000-4-7 / 61000-4-30 take THD up to order 40. */
const maxThdOrder = 40;

export class WindowMetrology {
  readonly #cycles: number;
  readonly #samplesPerCycle: number;
  readonly #folded: Float64Array;
  readonly #line: Float64Array;
  readonly #spectrum: Float64Array;
  /** Highest order the window resolves: below Nyquist and at most 40. */
  readonly #maxOrder: number;
  readonly #ctRatio: readonly [number, number, number];

  constructor(cycles: number, samplesPerCycle: number, ctRatio: readonly [number, number, number]) {
    this.#cycles = cycles;
    this.#samplesPerCycle = samplesPerCycle;
    this.#folded = new Float64Array(samplesPerCycle);
    this.#line = new Float64Array(cycles * samplesPerCycle);
    this.#maxOrder = Math.min(maxThdOrder, Math.ceil(samplesPerCycle / 2) - 1);
    this.#spectrum = new Float64Array(this.#maxOrder + 1);
    this.#ctRatio = ctRatio;
  }

  /** Measures the window into `m`; the current buffers are scaled to primary amperes in place. */
  measure(window: SampleWindow, m: Measurement): void {
    for (let p = 0; p < 3; p++) {
      const v = window.voltage[p as 0 | 1 | 2];
      const i = window.current[p as 0 | 1 | 2];
      const kn = this.#ctRatio[p as 0 | 1 | 2];
      for (let j = 0; j < i.length; j++) i[j] = (i[j] ?? 0) * kn;
      const vrms = rms(v);
      const irms = rms(i);
      const active = meanProduct(v, i);
      const v1 = this.#spectrumOf(v);
      const vThd = thd(this.#spectrum, maxThdOrder);
      const i1 = this.#spectrumOf(i);
      const iThd = thd(this.#spectrum, maxThdOrder);
      const power = sampledPower(active, vrms, irms, v1, i1);
      const v1Square = v1.re * v1.re + v1.im * v1.im;
      const i1Square = i1.re * i1.re + i1.im * i1.im;
      m.voltageSquare[p] = vrms * vrms;
      m.currentSquare[p] = irms * irms;
      m.active[p] = power.p;
      m.reactive[p] = power.q;
      m.apparent[p] = power.s;
      m.voltageRe[p] = v1.re;
      m.voltageIm[p] = v1.im;
      m.currentRe[p] = i1.re;
      m.currentIm[p] = i1.im;
      m.voltageFundamentalSquare[p] = v1Square;
      m.voltageDistortionSquare[p] = vThd * vThd * v1Square;
      m.currentFundamentalSquare[p] = i1Square;
      m.currentDistortionSquare[p] = iThd * iThd * i1Square;
    }
    const line = this.#line;
    for (let p = 0; p < 3; p++) {
      const a = window.voltage[p as 0 | 1 | 2];
      const b = window.voltage[((p + 1) % 3) as 0 | 1 | 2];
      for (let j = 0; j < line.length; j++) line[j] = (a[j] ?? 0) - (b[j] ?? 0);
      m.lineSquare[p] = rms(line) ** 2;
    }
    m.neutralSquare = neutralCurrentFromSamples(window.current[0], window.current[1], window.current[2]) ** 2;
  }

  /** Fills the spectrum (RMS magnitude by order) of a channel and returns its fundamental phasor. */
  #spectrumOf(samples: Float64Array): { re: number; im: number } {
    const folded = this.#folded;
    const n = this.#samplesPerCycle;
    folded.fill(0);
    for (let c = 0; c < this.#cycles; c++) {
      for (let j = 0; j < n; j++) folded[j] = (folded[j] ?? 0) + (samples[c * n + j] ?? 0);
    }
    for (let j = 0; j < n; j++) folded[j] = (folded[j] ?? 0) / this.#cycles;
    const spectrum = this.#spectrum;
    const fundamental = harmonicPhasor(folded, 1, 1);
    spectrum[1] = Math.hypot(fundamental.re, fundamental.im);
    for (let h = 2; h <= this.#maxOrder; h++) {
      const x = harmonicPhasor(folded, 1, h);
      spectrum[h] = Math.hypot(x.re, x.im);
    }
    return fundamental;
  }
}
