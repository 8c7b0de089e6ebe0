// What recent (not yet compacted) readings add to the day rollups. A stored rollup row holds what
// compacted readings add; a day's rollup is its row plus what its recent readings add, computed
// when asked; compaction adds the latter to the row as the readings move into chunks. So appending a
// reading writes nothing but the reading, and a late reading is in its day's rollup at once.
//
// Each interval is counted by exactly one reading: by its end read when that is recent, else by its
// start read when that is recent; when both are compacted the row already holds it. A recent read
// counts what its interval value adds over the interval having none (rawArrivalDelta), so a stage
// written before the value arrived (an estimate) is not counted twice; the row holds what the
// interval adds without a raw value. Interval writes keep that split (sqlite-interval-writes.ts).
import { addReading, mergeInto, type Aggregate } from '../../aggregates.ts';
import { rawArrivalDelta } from '../../intervals.ts';
import { dayMs, dayOfInterval, floorTo, intervalMs } from '../../periods.ts';
import { inSteps } from '../../scaling.ts';
import type { SeriesPart } from './chunk-codec.ts';
import type { MeterState } from './meter-state.ts';
import type { QuantityEntry, SqliteContext } from './sqlite-context.ts';
import { stagesOf } from './sqlite-stages.ts';

/** Values of compacted readings, with the chunks of each (meter, quantity, day) decoded once per use. */
export class CompactedValues {
  readonly #ctx: SqliteContext;
  readonly #days = new Map<string, Map<number, number>>();

  constructor(ctx: SqliteContext) {
    this.#ctx = ctx;
  }

  value(meter: number, quantity: QuantityEntry, at: number): number | undefined {
    const day = floorTo(at, dayMs);
    if (!this.#ctx.compactedDays.has(day)) return undefined;
    const key = `${meter}/${quantity.id}/${day}`;
    let values = this.#days.get(key);
    if (values === undefined) {
      const part: SeriesPart = { at: [], values: [] };
      this.#ctx.chunkReadings(meter, quantity, day, day + dayMs, part);
      values = new Map(part.at.map((t, i) => [t, part.values[i] ?? 0]));
      this.#days.set(key, values);
    }
    return values.get(at);
  }
}

function into(days: Map<number, Aggregate>, day: number): Aggregate {
  let aggregate = days.get(day);
  if (aggregate === undefined) { aggregate = { n: 0, measured: 0, sum: 0, min: null, max: null }; days.set(day, aggregate); }
  return aggregate;
}

/** The index of time `t` in ascending `times`, or −1. */
export function indexOfTime(times: readonly number[], t: number): number {
  let low = 0;
  let high = times.length - 1;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    const at = times[mid] ?? 0;
    if (at === t) return mid;
    if (at < t) low = mid + 1;
    else high = mid - 1;
  }
  return -1;
}

/**
 * Adds to `days` (day start → aggregate in steps) what the recent reads at `indices` of `recent`
 * add, where `recent` holds every recent read of the meter and quantity in time order.
 */
export function addRecentContributions(
  ctx: SqliteContext,
  meter: number,
  quantity: QuantityEntry,
  state: MeterState,
  recent: SeriesPart,
  indices: Iterable<number>,
  compacted: CompactedValues,
  days: Map<number, Aggregate>,
): void {
  const { steps } = quantity;
  if (!quantity.register) {
    for (const i of indices) addReading(into(days, floorTo(recent.at[i] ?? 0, dayMs)), inSteps(recent.values[i] ?? 0, steps));
    return;
  }
  const writtenUntil = state.writtenUntil.get(quantity.id) ?? -Infinity;
  const add = (end: number, rawSteps: number): void => {
    const overlay = end <= writtenUntil ? stagesOf(ctx, meter, quantity.id, end) : undefined;
    mergeInto(into(days, dayOfInterval(end)), rawArrivalDelta(rawSteps, overlay, steps));
  };
  const valueAt = (t: number, near: number): number | undefined => {
    // Usually the neighbouring element; a read off the grid in between needs a search.
    if (recent.at[near] === t) return recent.values[near];
    const i = indexOfTime(recent.at, t);
    return i < 0 ? undefined : recent.values[i];
  };
  for (const i of indices) {
    const at = recent.at[i] ?? 0;
    if (at % intervalMs !== 0) continue;
    const value = recent.values[i] ?? 0;
    const before = valueAt(at - intervalMs, i - 1) ?? compacted.value(meter, quantity, at - intervalMs);
    if (before !== undefined) add(at, inSteps(value, steps) - inSteps(before, steps));
    if (valueAt(at + intervalMs, i + 1) !== undefined) continue;
    const after = compacted.value(meter, quantity, at + intervalMs);
    if (after !== undefined) add(at + intervalMs, inSteps(after, steps) - inSteps(value, steps));
  }
}

const allIndices = function* (length: number): Generator<number> {
  for (let i = 0; i < length; i++) yield i;
};

/** What every recent read of one meter and quantity adds, by day. */
export function recentDayParts(ctx: SqliteContext, meter: number, quantity: QuantityEntry): Map<number, Aggregate> {
  const reads = ctx.recentReadingsOf(meter).get(quantity.id);
  const days = new Map<number, Aggregate>();
  if (reads !== undefined)
    addRecentContributions(ctx, meter, quantity, ctx.state(meter), reads, allIndices(reads.at.length), new CompactedValues(ctx), days);
  return days;
}
