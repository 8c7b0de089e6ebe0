// Rollup aggregates, kept in step units (see scaling.ts) so that sums are exact integers. Every field
// merges by addition or by min/max, so a rollup can be built from parts in any order: a late reading
// adds to its day, a day's part computed from recent data adds to the day's stored part, and a
// changed interval value adds the difference of its old and new value.
import type { MeterId, ObisCode } from '@phasewire/core';
import { fromSteps } from './scaling.ts';
import { periodEnd, type RollupPeriod } from './periods.ts';

/** An aggregate in step units. For interval energy `min`/`max` stay null; for readings `measured` stays 0. */
export interface Aggregate {
  /** Readings, or intervals that have a value (any stage). */
  n: number;
  /** Intervals that have a raw (measured) value. */
  measured: number;
  sum: number;
  min: number | null;
  max: number | null;
}

/** Adds one reading (step units) to `into`. */
export function addReading(into: Aggregate, value: number): void {
  into.n += 1;
  into.sum += value;
  if (into.min === null || value < into.min) into.min = value;
  if (into.max === null || value > into.max) into.max = value;
}

/** Adds `part` to `into`. */
export function mergeInto(into: Aggregate, part: Aggregate): void {
  into.n += part.n;
  into.measured += part.measured;
  into.sum += part.sum;
  if (part.min !== null && (into.min === null || part.min < into.min)) into.min = part.min;
  if (part.max !== null && (into.max === null || part.max > into.max)) into.max = part.max;
}

/** What a rollup summarises: the intervals of an energy register, or the readings of any other quantity. */
export type RollupBasis = 'intervals' | 'readings';

export interface Rollup {
  readonly meter: MeterId;
  readonly quantity: ObisCode;
  readonly period: RollupPeriod;
  readonly start: number;
  /** Exclusive. */
  readonly end: number;
  readonly basis: RollupBasis;
  /** Readings, or intervals with a value in any stage (estimates included). */
  readonly count: number;
  /** Intervals with a measured (raw) value; null for readings. */
  readonly measured: number | null;
  /** Sum of the readings or of the interval values, in the quantity's unit (Wh for energy). */
  readonly sum: number;
  readonly mean: number | null;
  readonly min: number | null;
  readonly max: number | null;
}

/** The rollup of an aggregate, in the quantity's unit. */
export function rollupOf(
  key: { meter: MeterId; quantity: ObisCode; period: RollupPeriod; start: number; basis: RollupBasis },
  aggregate: Aggregate,
  steps: number,
): Rollup {
  const readings = key.basis === 'readings';
  return {
    meter: key.meter,
    quantity: key.quantity,
    period: key.period,
    start: key.start,
    end: periodEnd(key.period, key.start),
    basis: key.basis,
    count: aggregate.n,
    measured: readings ? null : aggregate.measured,
    sum: fromSteps(aggregate.sum, steps),
    mean: aggregate.n === 0 ? null : fromSteps(aggregate.sum, steps) / aggregate.n,
    min: readings && aggregate.min !== null ? fromSteps(aggregate.min, steps) : null,
    max: readings && aggregate.max !== null ? fromSteps(aggregate.max, steps) : null,
  };
}
