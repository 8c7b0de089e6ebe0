// The scenario as functions of time: per-phase voltage factor, load factor and CT polarity, the
// supply frequency and its phase. Every function is piecewise linear between knots (event edges,
// ramp ends, the whole hours of the daily profile), so phasor mode can integrate products of them
// exactly piece by piece, and waveform mode evaluates the same functions at every sample.
//
// Times are milliseconds after the meter's start: small numbers keep sample times exact to well
// under a nanosecond, where epoch milliseconds (~1.7e12) would only resolve a quarter microsecond.
import type { ScenarioEvent } from './scenario.ts';
import type { Scenario } from './scenario.ts';

const hourMs = 3_600_000;
const dayMs = 24 * hourMs;

const effects = { voltage: 0, loss: 1, polarity: 2, frequency: 3, load: 4 } as const;
type Effect = (typeof effects)[keyof typeof effects];

interface CompiledEvent {
  readonly effect: Effect;
  /** Which phases it acts on (bit 0 = L1). */
  readonly mask: number;
  /** Signed size of the full effect: −depth for a sag, +depth for a swell, Δf, load change. */
  readonly amount: number;
  readonly start: number;
  readonly duration: number;
  readonly rise: number;
  /** Period of repetition; Infinity for a single occurrence. */
  readonly every: number;
  /** Integral of the envelope over one occurrence, ms. */
  readonly area: number;
}

/** The state of the scenario at one instant, filled in place by `Timeline.evaluate`. */
export interface TimelineState {
  /** Voltage of each phase as a ratio of its undisturbed value (sag, swell, loss). */
  readonly voltage: Float64Array;
  /** Load current multiplier of each phase (daily profile × load changes), before the voltage. */
  readonly load: Float64Array;
  /** +1, or −1 while the phase's CT is reversed. */
  readonly polarity: Float64Array;
  frequency: number;
}

export const newTimelineState = (): TimelineState => ({
  voltage: new Float64Array(3), load: new Float64Array(3), polarity: new Float64Array(3), frequency: 0,
});

const phaseBit = { L1: 1, L2: 2, L3: 4 } as const;

function compile(event: ScenarioEvent): CompiledEvent {
  const rise = event.rise ?? 0;
  const timing = {
    start: event.start, duration: event.duration, rise, every: event.every ?? Number.POSITIVE_INFINITY,
    area: Number.isFinite(event.duration) ? event.duration - rise : Number.POSITIVE_INFINITY,
  };
  const maskOf = (phases: readonly ('L1' | 'L2' | 'L3')[]): number => phases.reduce((m, p) => m | phaseBit[p], 0);
  switch (event.kind) {
    case 'sag': return { ...timing, effect: effects.voltage, mask: maskOf(event.phases), amount: -event.depth };
    case 'swell': return { ...timing, effect: effects.voltage, mask: maskOf(event.phases), amount: event.depth };
    case 'phase-loss': return { ...timing, effect: effects.loss, mask: phaseBit[event.phase], amount: -1 };
    case 'reversed-ct': return { ...timing, effect: effects.polarity, mask: phaseBit[event.phase], amount: -2 };
    case 'frequency-drift': return { ...timing, effect: effects.frequency, mask: 0, amount: event.deltaHz };
    case 'load-change': return { ...timing, effect: effects.load, mask: maskOf(event.phases), amount: event.change };
  }
}

/** Time into the occurrence of `e` that holds t (negative before the first). */
function local(e: CompiledEvent, t: number): number {
  const tau = t - e.start;
  if (tau < 0 || e.every === Number.POSITIVE_INFINITY) return tau;
  return tau - Math.floor(tau / e.every) * e.every;
}

/** How much of the event acts at local time τ: 0..1, linear ramps of length `rise`. */
function envelope(e: CompiledEvent, tau: number): number {
  if (tau < 0 || tau >= e.duration) return 0;
  if (e.rise > 0) {
    if (tau < e.rise) return tau / e.rise;
    if (e.duration - tau < e.rise) return (e.duration - tau) / e.rise;
  }
  return 1;
}

/** ∫ envelope from the occurrence's start to local time τ, ms. */
function envelopeIntegral(e: CompiledEvent, tau: number): number {
  if (tau <= 0) return 0;
  if (tau >= e.duration) return e.area;
  if (e.rise > 0) {
    if (tau < e.rise) return (tau * tau) / (2 * e.rise);
    const left = e.duration - tau;
    if (left < e.rise) return e.area - (left * left) / (2 * e.rise);
  }
  return tau - e.rise / 2;
}

export class Timeline {
  readonly #events: readonly CompiledEvent[];
  readonly #profile: Float64Array | undefined;
  readonly #nominalFrequency: number;
  /** Time of day (UTC, ms) at the meter's start. */
  readonly #dayOffset: number;

  constructor(scenario: Scenario, start: number) {
    this.#events = (scenario.events ?? []).map(compile);
    this.#profile = scenario.profile === undefined ? undefined : Float64Array.from(scenario.profile);
    this.#nominalFrequency = scenario.system.frequency;
    this.#dayOffset = ((start % dayMs) + dayMs) % dayMs;
  }

  /** The daily-profile multiplier at t. */
  profile(t: number): number {
    const p = this.#profile;
    if (p === undefined) return 1;
    const tod = (this.#dayOffset + t) % dayMs;
    const hour = Math.floor(tod / hourMs);
    const frac = (tod - hour * hourMs) / hourMs;
    const from = p[hour] ?? 1;
    return from + ((p[(hour + 1) % 24] ?? 1) - from) * frac;
  }

  /** Fills `out` with the scenario's state at t (ms after start). */
  evaluate(t: number, out: TimelineState): void {
    const m = this.profile(t);
    out.voltage.fill(1);
    out.load.fill(m);
    out.polarity.fill(1);
    let f = this.#nominalFrequency;
    for (const e of this.#events) {
      const x = envelope(e, local(e, t));
      if (x === 0) continue;
      if (e.effect === effects.frequency) {
        f += e.amount * x;
        continue;
      }
      const target = e.effect === effects.load ? out.load : e.effect === effects.polarity ? out.polarity : out.voltage;
      const factor = 1 + e.amount * x;
      for (let p = 0; p < 3; p++) if ((e.mask & (1 << p)) !== 0) target[p] = (target[p] ?? 1) * factor;
    }
    out.frequency = f;
  }

  /** Cycles of the supply from the start to t: ∫ f dt, exact for the piecewise-linear frequency. */
  cycles(t: number): number {
    let cycles = this.#nominalFrequency * t;
    for (const e of this.#events) {
      if (e.effect !== effects.frequency || t <= e.start) continue;
      const done = e.every === Number.POSITIVE_INFINITY ? 0 : Math.floor((t - e.start) / e.every);
      cycles += e.amount * (done * e.area + envelopeIntegral(e, local(e, t)));
    }
    return cycles / 1000;
  }

  /** The first knot after t (where some function of the timeline changes slope), or Infinity. */
  nextKnot(t: number): number {
    let next = this.#profile === undefined ? Number.POSITIVE_INFINITY
      : t + hourMs - ((this.#dayOffset + t) % hourMs);
    for (const e of this.#events) {
      if (t < e.start) {
        next = Math.min(next, e.start);
        continue;
      }
      // Knots of an occurrence, in order: end of the rise, start of the fall, end, next occurrence.
      const tau = local(e, t);
      const knot = e.rise > tau ? e.rise : e.duration - e.rise > tau ? e.duration - e.rise : e.duration > tau ? e.duration : e.every;
      if (Number.isFinite(knot)) next = Math.min(next, t - tau + knot);
    }
    return next;
  }
}
