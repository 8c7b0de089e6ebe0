// Waveform mode: sample a window, measure it, feed the measurement to the interval and the registers,
// and repeat. Windows follow each other without gaps from the meter's start, whatever the reporting
// calls: the sampling timeline never depends on when the meter is read, so the registers at a given
// time are the same whether they were read every second or once.
//
// A window belongs to the reporting interval that holds its midpoint, so that a window grid a few
// nanoseconds off an interval edge still puts each window where it obviously belongs. The window
// that straddles the end of an interval is measured at once: its energy up to the interval's end is
// registered now (its power is held over the window, as within any window), the rest next time.
import type { SeededRandom } from '@phasewire/core';
import { applyCutoffs, newMeasurement, type Measurement } from './measurement.ts';
import type { MeterParts } from './phasor-engine.ts';
import { FrequencyMeter, type CycleCount } from './waveform/frequency-meter.ts';
import { Sampler } from './waveform/sampler.ts';
import { WindowMetrology } from './waveform/window-metrology.ts';

export interface WaveformOptions {
  readonly samplesPerCycle: number;
  readonly cycles: number;
  readonly nominalFrequency: number;
  readonly voltageNoise: number;
  /** Secondary amperes. */
  readonly currentNoise: number;
  readonly random: SeededRandom;
}

interface Window {
  start: number;
  end: number;
  /** Whether its values went into the interval being aggregated (its midpoint is in it). */
  included: boolean;
  readonly measurement: Measurement;
  readonly count: CycleCount;
}

export class WaveformEngine {
  readonly #parts: MeterParts;
  readonly #sampler: Sampler;
  readonly #metrology: WindowMetrology;
  readonly #frequencyMeter = new FrequencyMeter();
  /** Two windows take turns: one measured ahead of the current time (pending), one to fill next. */
  readonly #a = newWindow();
  readonly #b = newWindow();
  #next: Window = this.#a;
  #pending: Window | undefined;
  /** Frequency the sampler is locked to, Hz. */
  #lock: number;
  /** Phase whose zero crossings give the frequency: the highest voltage in the last window. */
  #reference = 0;
  #windows = 0;

  constructor(parts: MeterParts, options: WaveformOptions) {
    this.#parts = parts;
    const [a, b, c] = parts.transformers;
    this.#sampler = new Sampler({
      circuit: parts.circuit, timeline: parts.timeline, transformers: parts.transformers, gain: parts.gain,
      samplesPerCycle: options.samplesPerCycle, cycles: options.cycles,
      voltageNoise: options.voltageNoise, currentNoise: options.currentNoise, random: options.random,
    });
    this.#metrology = new WindowMetrology(options.cycles, options.samplesPerCycle, [a.ratio, b.ratio, c.ratio]);
    this.#lock = options.nominalFrequency;
  }

  /** Windows measured so far. */
  get windows(): number {
    return this.#windows;
  }

  /** The frequency the sampler is locked to: the last measured, Hz. */
  get lockedFrequency(): number {
    return this.#lock;
  }

  /**
   * Simulates from t0 to t1 (ms after start) into the aggregator and the registers. t0 is where the
   * previous call stopped; every call but the first finds the window that straddled it pending.
   */
  advance(t0: number, t1: number): void {
    const { registers } = this.#parts;
    let from = t0;
    const pending = this.#pending;
    if (pending !== undefined) {
      const { active, reactive } = pending.measurement;
      if (!pending.included && (pending.start + pending.end) / 2 <= t1) this.#include(pending);
      if (pending.end > t1) {
        registers.add(from, t1, active, reactive);
        return;
      }
      registers.add(from, pending.end, active, reactive);
      from = pending.end;
      this.#next = pending;
      this.#pending = undefined;
    }
    for (;;) {
      const window = this.#next;
      this.#measure(window, from);
      const { active, reactive } = window.measurement;
      window.included = false;
      if ((window.start + window.end) / 2 <= t1) this.#include(window);
      if (window.end > t1) {
        registers.add(from, t1, active, reactive);
        this.#pending = window;
        this.#next = window === this.#a ? this.#b : this.#a;
        return;
      }
      registers.add(from, window.end, active, reactive);
      from = window.end;
    }
  }

  /** For an interval in which no window ended: report the latest window, measuring one if need be. */
  fillEmptyInterval(now: number): void {
    if (this.#pending === undefined) this.advance(now, now);
    const pending = this.#pending;
    if (this.#parts.aggregator.empty && pending !== undefined) {
      this.#parts.aggregator.add(pending.measurement, 1);
      this.#parts.aggregator.addCycles(pending.count.cycles, pending.count.span / 1000);
    }
  }

  #include(window: Window): void {
    window.included = true;
    this.#parts.aggregator.add(window.measurement, 1);
    this.#parts.aggregator.addCycles(window.count.cycles, window.count.span / 1000);
  }

  #measure(window: Window, start: number): void {
    const m = window.measurement;
    const reference = this.#reference;
    window.start = start;
    window.end = this.#sampler.sample(start, this.#lock);
    const samples = this.#sampler.window;
    this.#frequencyMeter.scan(reference, samples.voltage[reference as 0 | 1 | 2], samples.time, 1000 / this.#lock, window.count);
    this.#metrology.measure(samples, m);
    applyCutoffs(m, this.#parts.cutoffs);
    // The lock moves in 1 mHz steps, a digital PLL's resolution: a steady supply then holds it at
    // exactly 50 or 60 Hz, and the window grid exact with it.
    if (window.count.cycles > 0) this.#lock = Math.round((1e6 * window.count.cycles) / window.count.span) / 1000;
    let best = 0;
    for (let p = 1; p < 3; p++) if ((m.voltageSquare[p] ?? 0) > (m.voltageSquare[best] ?? 0)) best = p;
    this.#reference = best;
    this.#windows += 1;
    this.#parts.observer?.observe(window.end, m);
  }
}

function newWindow(): Window {
  return { start: 0, end: 0, included: false, measurement: newMeasurement(), count: { cycles: 0, span: 0 } };
}
