// Readings to the 10-minute values EN 50160 judges. IEC 61000-4-30:2015 §4.5 aggregates a magnitude
// over an interval as the square root of the mean of its squares, so each 10-minute value of a phase
// voltage, of the unbalance ratio u2/u1 and of a phase's THD is the RMS of the readings that end in
// the interval (the readings are themselves RMS values over equal spans, so this is the RMS over the
// whole interval). The THD of a reading is a ratio, not its spectrum: the RMS of the ratios equals the
// THD of the aggregated spectrum while the fundamental holds steady, which it does within ±10 %.
//
// A reading named by its end `at` covers (at − readingMs, at]; it belongs to the interval that holds
// that span. Intervals are aligned to the start of the week. Readings coarser than 10 minutes cannot
// make 10-minute values: then each reading is one value, and the report says so.
import type { ThreePhase } from '@phasewire/core';

export type Triple = readonly [number | null, number | null, number | null];

/** One stored reading of the quantities power quality needs; a missing quantity is absent or null. */
export interface PqReading {
  /** End of the reading's interval, ms since the epoch. */
  readonly at: number;
  /** Phase-to-neutral RMS, V. */
  readonly voltages?: Triple;
  /** Negative- over positive-sequence voltage (VUF, IEC 61000-4-30 §5.7.1), a ratio. */
  readonly unbalance?: number | null;
  /** Voltage THD per phase, ratios. */
  readonly thd?: Triple;
  /** Hz. */
  readonly frequency?: number | null;
}

export interface AggregatedInterval {
  readonly start: number;
  readonly end: number;
  /** Readings that end in the interval. */
  readonly readings: number;
  readonly voltages: Triple;
  readonly unbalance: number | null;
  readonly thd: Triple;
  /** The frequency readings of the interval, in time order (judged one by one, not aggregated). */
  readonly frequencies: readonly number[];
}

/** Root mean square, summed relative to the largest magnitude so far (as hypot does): a square never overflows. */
class Rms {
  #scale = 0;
  /** The sum of (x / scale)². */
  #sum = 0;
  #n = 0;
  add(x: number | null | undefined): void {
    if (x === null || x === undefined || !Number.isFinite(x)) return;
    const a = Math.abs(x);
    if (a > this.#scale) {
      this.#sum = this.#sum * (this.#scale / a) ** 2 + 1;
      this.#scale = a;
    } else if (a > 0) {
      this.#sum += (a / this.#scale) ** 2;
    }
    this.#n++;
  }
  get value(): number | null {
    return this.#n === 0 ? null : this.#scale * Math.sqrt(this.#sum / this.#n);
  }
}

const rms3 = (): ThreePhase<Rms> => [new Rms(), new Rms(), new Rms()];
const values3 = (r: ThreePhase<Rms>): Triple => [r[0].value, r[1].value, r[2].value];

/** The intervals of [from, to) of `aggregationMs` each (the last one shorter when the span is not a multiple), with their values. */
export function aggregate(readings: readonly PqReading[], from: number, to: number, aggregationMs: number): AggregatedInterval[] {
  const count = Math.ceil((to - from) / aggregationMs);
  const parts = Array.from({ length: count }, () => ({
    readings: 0, voltages: rms3(), unbalance: new Rms(), thd: rms3(), frequencies: [] as number[],
  }));
  for (const r of readings) {
    if (!(r.at > from && r.at <= to)) continue;
    const part = parts[Math.floor((r.at - 1 - from) / aggregationMs)];
    if (part === undefined) continue;
    part.readings++;
    for (let k = 0; k < 3; k++) {
      part.voltages[k as 0 | 1 | 2].add(r.voltages?.[k]);
      part.thd[k as 0 | 1 | 2].add(r.thd?.[k]);
    }
    part.unbalance.add(r.unbalance);
    if (r.frequency !== null && r.frequency !== undefined && Number.isFinite(r.frequency)) part.frequencies.push(r.frequency);
  }
  return parts.map((p, k) => ({
    start: from + k * aggregationMs, end: Math.min(to, from + (k + 1) * aggregationMs), readings: p.readings,
    voltages: values3(p.voltages), unbalance: p.unbalance.value, thd: values3(p.thd), frequencies: p.frequencies,
  }));
}

/** The spacing of the readings: the most common gap between consecutive ones (a missing reading leaves a longer gap, seen less often). */
export function readingSpacing(readings: readonly PqReading[]): number | null {
  const counts = new Map<number, number>();
  for (let k = 1; k < readings.length; k++) {
    const gap = (readings[k]?.at ?? 0) - (readings[k - 1]?.at ?? 0);
    if (gap > 0) counts.set(gap, (counts.get(gap) ?? 0) + 1);
  }
  let best: number | null = null;
  let bestCount = 0;
  for (const [gap, n] of counts) {
    if (n > bestCount || (n === bestCount && best !== null && gap < best)) {
      best = gap;
      bestCount = n;
    }
  }
  return best;
}
