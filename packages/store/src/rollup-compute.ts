// Rollups computed from data, for periods that are not stored (hours) and for stored parts that are
// added up on read. Both stores use these, so they agree on every figure.
import type { MeterId, ObisCode } from '@phasewire/core';
import { addReading, mergeInto, rollupOf, type Aggregate, type Rollup, type RollupBasis } from './aggregates.ts';
import { intervalContribution } from './intervals.ts';
import { intervalMs, periodStart, type RollupPeriod, type TimeRange } from './periods.ts';
import type { IntervalOverlay } from './quality.ts';
import { inSteps } from './scaling.ts';

function aggregateAt(aggregates: Map<number, Aggregate>, start: number): Aggregate {
  let aggregate = aggregates.get(start);
  if (aggregate === undefined) { aggregate = { n: 0, measured: 0, sum: 0, min: null, max: null }; aggregates.set(start, aggregate); }
  return aggregate;
}

/** Readings (in the quantity's unit) aggregated per period, in steps. */
export function aggregateReadings(
  period: RollupPeriod,
  at: readonly number[],
  values: readonly number[],
  steps: number,
): Map<number, Aggregate> {
  const aggregates = new Map<number, Aggregate>();
  for (let i = 0; i < at.length; i++) addReading(aggregateAt(aggregates, periodStart(period, at[i] ?? 0)), inSteps(values[i] ?? 0, steps));
  return aggregates;
}

/** Intervals (raw values in steps, written stages) aggregated per period of their start. */
export function aggregateIntervals(
  period: RollupPeriod,
  raw: ReadonlyMap<number, number>,
  overlays: ReadonlyMap<number, IntervalOverlay>,
  steps: number,
): Map<number, Aggregate> {
  const aggregates = new Map<number, Aggregate>();
  const ends = new Set([...raw.keys(), ...overlays.keys()]);
  for (const end of ends) {
    mergeInto(aggregateAt(aggregates, periodStart(period, end - intervalMs)), intervalContribution(raw.get(end), overlays.get(end), steps));
  }
  return aggregates;
}

/** Adds `parts` into `into`, period by period. */
export function mergeAggregateMaps(into: Map<number, Aggregate>, parts: ReadonlyMap<number, Aggregate>): void {
  for (const [start, part] of parts) mergeInto(aggregateAt(into, start), part);
}

/** The rollups of periods starting in `range` that hold data, in time order. */
export function rollupsOf(
  meter: MeterId,
  quantity: ObisCode,
  period: RollupPeriod,
  basis: RollupBasis,
  aggregates: ReadonlyMap<number, Aggregate>,
  range: TimeRange,
  steps: number,
): Rollup[] {
  return [...aggregates]
    .filter(([start, a]) => start >= range.from && start < range.to && (a.n !== 0 || a.measured !== 0))
    .sort(([a], [b]) => a - b)
    .map(([start, a]) => rollupOf({ meter, quantity, period, start, basis }, a, steps));
}
