// Interval data derived from an energy register: the energy of the interval ending at `t` is the
// register at `t` minus the register at `t − 15 min`, both reads exactly on the grid. Raw interval
// values are never stored apart from the reads they come from, so they can never disagree with them;
// the stages written by VEE and editors are stored beside them (quality.ts).
import type { MeterId, ObisCode } from '@phasewire/core';
import { intervalMs, type TimeRange } from './periods.ts';
import { resolveStages, type IntervalOverlay, type IntervalQuality } from './quality.ts';
import { fromSteps, inSteps } from './scaling.ts';
import type { Aggregate } from './aggregates.ts';

export interface IntervalValue {
  readonly meter: MeterId;
  readonly quantity: ObisCode;
  /** End of the interval; it covers (end − 15 min, end]. */
  readonly end: number;
  /** The register delta as measured, null when a read at either end is absent. */
  readonly raw: number | null;
  /** The validated stage, null when not written or written as missing. */
  readonly validated: number | null;
  /** The final stage, null when not written or written as missing. */
  readonly final: number | null;
  /** What to use: the final stage if written, else the validated stage if written, else the raw value. */
  readonly value: number | null;
  readonly quality: IntervalQuality;
}

/** A register read in step units. */
export interface RegisterPoint {
  readonly at: number;
  readonly steps: number;
}

/**
 * Raw interval energies in step units by interval end, from register reads sorted by time (reads off
 * the grid are ignored).
 */
export function rawIntervals(points: readonly RegisterPoint[]): Map<number, number> {
  const intervals = new Map<number, number>();
  let previous: RegisterPoint | undefined;
  for (const point of points) {
    if (point.at % intervalMs !== 0) continue;
    if (previous !== undefined && point.at - previous.at === intervalMs) intervals.set(point.at, point.steps - previous.steps);
    previous = point;
  }
  return intervals;
}

/** Register reads (in the quantity's unit) as points in step units. */
export const registerPoints = (reads: readonly { at: number; value: number }[], steps: number): RegisterPoint[] =>
  reads.map((r) => ({ at: r.at, steps: inSteps(r.value, steps) }));

/** One interval's value and quality from its raw value (step units) and written stages. */
export function intervalValue(
  meter: MeterId,
  quantity: ObisCode,
  end: number,
  rawSteps: number | undefined,
  overlay: IntervalOverlay | undefined,
  steps: number,
): IntervalValue {
  const raw = rawSteps === undefined ? null : fromSteps(rawSteps, steps);
  const resolved = resolveStages(raw, overlay);
  return {
    meter,
    quantity,
    end,
    raw,
    validated: overlay?.validated?.value ?? null,
    final: overlay?.final?.value ?? null,
    value: resolved.value,
    quality: resolved.quality,
  };
}

/**
 * Every interval lying in `range` (which is on the grid), with missing ones included: a gap is shown
 * as a gap, never hidden.
 */
export function intervalGrid(
  meter: MeterId,
  quantity: ObisCode,
  range: TimeRange,
  raw: ReadonlyMap<number, number>,
  overlays: ReadonlyMap<number, IntervalOverlay>,
  steps: number,
): IntervalValue[] {
  const grid: IntervalValue[] = [];
  for (let end = range.from + intervalMs; end <= range.to; end += intervalMs) {
    grid.push(intervalValue(meter, quantity, end, raw.get(end), overlays.get(end), steps));
  }
  return grid;
}

/** What one interval adds to its period's aggregate (step units). */
export function intervalContribution(rawSteps: number | undefined, overlay: IntervalOverlay | undefined, steps: number): Aggregate {
  const stage = overlay?.final ?? overlay?.validated;
  const value = stage === undefined ? rawSteps ?? null : stage.value === null ? null : inSteps(stage.value, steps);
  return { n: value === null ? 0 : 1, measured: rawSteps === undefined ? 0 : 1, sum: value ?? 0, min: null, max: null };
}

/** The change of a period's aggregate when an interval goes from `before` to `after` (step units). */
export function contributionDelta(before: Aggregate, after: Aggregate): Aggregate {
  return { n: after.n - before.n, measured: after.measured - before.measured, sum: after.sum - before.sum, min: null, max: null };
}

/** What a raw interval value that has just come into being adds, under the stages already written. */
export const rawArrivalDelta = (rawSteps: number, overlay: IntervalOverlay | undefined, steps: number): Aggregate =>
  contributionDelta(intervalContribution(undefined, overlay, steps), intervalContribution(rawSteps, overlay, steps));
