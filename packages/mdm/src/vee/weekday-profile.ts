// The same weekday and time of day in past weeks: the reference a spike is judged against and a long
// gap is filled from. Only values a rule trusts are used (measured, validated, edited): an estimate
// must not become the reference for the next estimate.
import type { PastInterval, QualityCode } from '../types.ts';
import { weekMs } from '../grid.ts';

const trusted: ReadonlySet<QualityCode> = new Set(['measured', 'validated', 'edited']);

/** Interval values by interval end, for profile look-ups. */
export class WeekdayProfile {
  readonly #values = new Map<number, number>();

  /** Adds values that a rule may trust; others are ignored. A later add replaces an earlier one. */
  add(intervals: Iterable<PastInterval>): void {
    for (const interval of intervals) {
      if (interval.value !== null && trusted.has(interval.quality)) this.#values.set(interval.at, interval.value);
      else this.#values.delete(interval.at);
    }
  }

  /** Values at the same weekday and time in the `weeks` weeks before `at`, most recent first. */
  sameWeekday(at: number, weeks: number): number[] {
    const values: number[] = [];
    for (let k = 1; k <= weeks; k++) {
      const value = this.#values.get(at - k * weekMs);
      if (value !== undefined) values.push(value);
    }
    return values;
  }

  get(at: number): number | undefined {
    return this.#values.get(at);
  }
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * Median absolute deviation scaled to a standard deviation for normal data: 1.4826 × MAD
 * (F. R. Hampel, "The influence curve and its role in robust estimation", JASA 69, 1974; the
 * constant is 1/Φ⁻¹(3/4)).
 */
export function robustSigma(values: readonly number[], centre = median(values)): number {
  return 1.4826 * median(values.map((v) => Math.abs(v - centre)));
}
