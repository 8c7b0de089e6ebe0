// Data completeness per meter per day: how many of the day's intervals hold data the meter measured
// (measured or validated), and how many hold any value at all (estimated and edited included). The
// two figures are kept apart on purpose: a day that is 100 % "available" because estimation filled
// a six-hour gap is not a day the meter delivered.
import type { QualityCode } from './types.ts';
import { requireInterval, requireRange } from './grid.ts';

export interface Completeness {
  readonly from: number;
  readonly to: number;
  /** Intervals in the span. */
  readonly expected: number;
  /** Intervals of each quality; an interval absent from the series counts as missing. */
  readonly counts: Readonly<Record<QualityCode, number>>;
  /** Share of intervals with measured or validated data, 0..1. */
  readonly measured: number;
  /** Share of intervals with any value (measured, validated, suspect, estimated, edited), 0..1. */
  readonly withValue: number;
}

export function completenessOf(
  intervals: readonly { readonly at: number; readonly value: number | null; readonly quality: QualityCode }[],
  from: number,
  to: number,
  intervalMs: number,
): Completeness {
  requireInterval(intervalMs);
  requireRange('compute completeness', from, to, intervalMs);
  const expected = (to - from) / intervalMs;
  const counts: Record<QualityCode, number> = { measured: 0, validated: 0, estimated: 0, edited: 0, missing: 0, suspect: 0 };
  const seen = new Set<number>();
  let withValue = 0;
  for (const interval of intervals) {
    if (interval.at <= from || interval.at > to || interval.at % intervalMs !== 0 || seen.has(interval.at)) continue;
    seen.add(interval.at);
    const quality = interval.value === null ? 'missing' : interval.quality;
    counts[quality]++;
    if (quality !== 'missing') withValue++;
  }
  counts.missing += expected - seen.size;
  return {
    from,
    to,
    expected,
    counts,
    measured: (counts.measured + counts.validated) / expected,
    withValue: withValue / expected,
  };
}
