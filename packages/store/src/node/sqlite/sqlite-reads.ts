// The queries of the SQLite store. A series is read from both places a reading can be: compacted
// chunks (meter-ordered) and recent snapshots (one lookup per recent 15-minute slot in the range);
// a reading is in exactly one of them. Day and month rollups are the stored row plus the meter's
// partial part; hours are computed from the readings or intervals.
import type { MeterId, ObisCode, Reading } from '@phasewire/core';
import { mergeInto, type Aggregate, type Rollup } from '../../aggregates.ts';
import { intervalGrid, rawIntervals, registerPoints, type IntervalValue } from '../../intervals.ts';
import type { DayCompleteness, IntervalChange, Provenance, ReadingConflict } from '../../meter-store.ts';
import { dayMs, floorTo, intervalMs, intervalsPerDay, monthStart, periodStartsIn, periodEnd, type RollupPeriod,
  type TimeRange } from '../../periods.ts';
import type { IntervalStage } from '../../quality.ts';
import { aggregateIntervals, aggregateReadings, rollupsOf } from '../../rollup-compute.ts';
import { decodeChunk, type SeriesPart } from './chunk-codec.ts';
import { decodeSnapshotColumns, decodeSnapshotText } from './snapshot-text.ts';
import { FleetIntervalBuilder, type FleetInterval } from '../../fleet-interval.ts';
import { num, optionalNumber, type QuantityEntry, type SqliteContext } from './sqlite-context.ts';
import { qualityAt, stagesBetween } from './sqlite-stages.ts';
import { storedPeriod } from './sqlite-compaction.ts';
import { recentDayParts } from './recent-contributions.ts';

/** Readings of one meter and quantity with time in [from, to), in time order. */
export function readSeries(ctx: SqliteContext, meter: number, quantity: QuantityEntry, from: number, to: number): SeriesPart {
  const cold: SeriesPart = { at: [], values: [] };
  ctx.chunkReadings(meter, quantity, floorTo(from, dayMs), to, cold);
  const recent: SeriesPart = { at: [], values: [] };
  const select = ctx.stmt('SELECT off, vals FROM reading_recent WHERE slot = ? AND meter = ?', true);
  for (const slot of ctx.hotSlotsBetween(Math.floor(from / intervalMs), Math.floor((to - 1) / intervalMs))) {
    for (const row of select.all(slot, meter) as unknown as [number, string][]) {
      decodeSnapshotText(row[1], ctx.stepsOfId, (id, value) => {
        if (id !== quantity.id) return;
        recent.at.push(slot * intervalMs + num(row[0]));
        recent.values.push(value);
      });
    }
  }
  const series: SeriesPart = { at: [], values: [] };
  let i = 0;
  let j = 0;
  while (i < cold.at.length || j < recent.at.length) {
    const takeCold = j >= recent.at.length || (i < cold.at.length && (cold.at[i] ?? 0) < (recent.at[j] ?? 0));
    const source = takeCold ? cold : recent;
    const k = takeCold ? i++ : j++;
    const at = source.at[k] ?? 0;
    if (at >= from && at < to) { series.at.push(at); series.values.push(source.values[k] ?? 0); }
  }
  return series;
}

export function readings(ctx: SqliteContext, meter: MeterId, quantity: ObisCode, range: TimeRange): Reading[] {
  const id = ctx.meterId(meter);
  const q = ctx.quantity(quantity);
  if (id === undefined || q === undefined || range.to <= range.from) return [];
  const series = readSeries(ctx, id, q, range.from, range.to);
  return series.at.map((at, i) => ({ meter, quantity, at, value: series.values[i] ?? 0 }));
}

export function latest(ctx: SqliteContext, meter: MeterId): Reading[] {
  const id = ctx.meterId(meter);
  if (id === undefined) return [];
  return [...ctx.state(id).latest].map(([q, { at, value }]) => ({ meter, quantity: ctx.quantityById(q).obis, at, value }));
}

export function readingsAt(ctx: SqliteContext, at: number, quantities: readonly ObisCode[] | undefined): FleetInterval {
  const wanted = quantities === undefined ? ctx.quantities() : quantities.flatMap((q) => ctx.quantity(q) ?? []);
  const codes = quantities ?? wanted.map((q) => q.obis);
  // Quantity id → column.
  const columns: number[] = [];
  for (const q of wanted) columns[q.id] = codes.indexOf(q.obis);
  const builder = recentInterval(ctx, at, codes, columns, new Set(wanted.map((q) => q.id)).size);
  const day = floorTo(at, dayMs);
  if (ctx.compactedDays.has(day)) for (const q of wanted) compactedColumn(ctx, builder, q, columns[q.id] ?? 0, at, day);
  return builder.build();
}

/**
 * One quantity of a compacted interval into its column. One statement per quantity: SQLite walks
 * the meter dictionary and seeks each meter's chunks of the day by the primary key (meter, quantity,
 * start) itself, where a statement per meter and quantity from JavaScript cost ~12 µs each (0.74 s
 * for 10,000 meters × 6 quantities). Rows come in key order, meter by meter and each meter's chunks
 * by start (the plan scans the meter table by id and searches the chunks by primary key: no sort), so
 * the last row of a meter is its latest chunk starting at or before `at`: the one
 * holding the reading, as for a single lookup (storedValueInChunks).
 */
function compactedColumn(
  ctx: SqliteContext,
  builder: FleetIntervalBuilder,
  quantity: QuantityEntry,
  column: number,
  at: number,
  day: number,
): void {
  const rows = ctx.arrays(`SELECT c.meter, c.start, c.data FROM meter m CROSS JOIN reading_chunk c
    ON c.meter = m.id AND c.quantity = ? AND c.start >= ? AND c.start <= ? ORDER BY m.id, c.start`, quantity.id, day, at);
  const what = `chunk of quantity ${quantity.obis} on day ${day}`;
  const part: SeriesPart = { at: [], values: [] };
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] ?? [];
    const meter = num(row[0]);
    if (num(rows[i + 1]?.[0] ?? -1) === meter) continue;
    part.at.length = 0;
    part.values.length = 0;
    decodeChunk(row[2] as Uint8Array, num(row[1]), quantity.steps, what, part);
    const index = part.at.indexOf(at);
    if (index >= 0) builder.set(ctx.meterName(meter), column, part.values[index] ?? 0);
  }
}

/**
 * The recent rows of one time as the start of the fleet table. Each row's wanted values are decoded
 * straight into the table (no reading object, no scratch array per row), and a row stops being read
 * once all its wanted quantities are found. The primary key (slot, meter, off) makes the slot one
 * contiguous range of the tree (EXPLAIN QUERY PLAN: SEARCH USING PRIMARY KEY (slot=?)); at one
 * snapshot per meter and interval, every row of that range is one the query wants.
 */
function recentInterval(
  ctx: SqliteContext,
  at: number,
  codes: readonly ObisCode[],
  columns: readonly (number | undefined)[],
  wanted: number,
): FleetIntervalBuilder {
  const slot = Math.floor(at / intervalMs);
  if (!ctx.hotSlots.has(slot) || wanted === 0) return new FleetIntervalBuilder(at, codes);
  const rows = ctx.arrays('SELECT meter, vals FROM reading_recent WHERE slot = ? AND off = ?', slot, at - slot * intervalMs);
  const width = codes.length;
  const meters: MeterId[] = [];
  // One typed array of the final size, every cell NaN (no reading) until decoded: no boxed number per value.
  const values = new Float64Array(rows.length * width).fill(Number.NaN);
  let base = 0;
  for (const row of rows) {
    // A recent row is the only one of its meter at this time.
    if (decodeSnapshotColumns(String(row[1]), ctx.stepsOfId, columns, wanted, values, base) === 0) continue;
    meters.push(ctx.meterName(num(row[0])));
    base += width;
  }
  return new FleetIntervalBuilder(at, codes, meters, values);
}

/** Raw interval energies (steps) of intervals ending in (from, to]. */
export function rawIntervalSteps(
  ctx: SqliteContext,
  meter: number,
  quantity: QuantityEntry,
  from: number,
  to: number,
): Map<number, number> {
  const reads = readSeries(ctx, meter, quantity, from, to + 1);
  const points = registerPoints(reads.at.map((at, i) => ({ at, value: reads.values[i] ?? 0 })), quantity.steps);
  return rawIntervals(points);
}

export function intervals(ctx: SqliteContext, meter: MeterId, quantity: ObisCode, range: TimeRange): IntervalValue[] {
  const id = ctx.meterId(meter);
  const q = ctx.quantity(quantity);
  const steps = q?.steps ?? 1;
  if (id === undefined || q === undefined) return intervalGrid(meter, quantity, range, new Map(), new Map(), steps);
  return intervalGrid(meter, quantity, range, rawIntervalSteps(ctx, id, q, range.from, range.to),
    stagesBetween(ctx, id, q.id, range.from, range.to), steps);
}

export function rollups(ctx: SqliteContext, meter: MeterId, quantity: ObisCode, period: RollupPeriod, range: TimeRange): Rollup[] {
  const id = ctx.meterId(meter);
  const q = ctx.quantity(quantity);
  const starts = periodStartsIn(period, range);
  const first = starts[0];
  const last = starts.at(-1);
  if (id === undefined || q === undefined || first === undefined || last === undefined) return [];
  const basis = q.register ? 'intervals' : 'readings';
  const dataRange = { from: first, to: periodEnd(period, last) };
  let aggregates: Map<number, Aggregate>;
  if (period === 'hour') {
    if (q.register) {
      aggregates = aggregateIntervals('hour', rawIntervalSteps(ctx, id, q, dataRange.from, dataRange.to),
        stagesBetween(ctx, id, q.id, dataRange.from, dataRange.to), q.steps);
    } else {
      const series = readSeries(ctx, id, q, dataRange.from, dataRange.to);
      aggregates = aggregateReadings('hour', series.at, series.values, q.steps);
    }
  } else {
    aggregates = new Map();
    const rows = ctx.arrays('SELECT start, n, measured, sum, min, max FROM rollup WHERE meter = ? AND quantity = ? AND period = ? AND '
      + 'start >= ? AND start < ?',
      id, q.id, storedPeriod[period], dataRange.from, dataRange.to);
    for (const row of rows) {
      aggregates.set(num(row[0]),
        { n: num(row[1]), measured: num(row[2]), sum: num(row[3]), min: optionalNumber(row[4]), max: optionalNumber(row[5]) });
    }
    for (const [day, part] of recentDayParts(ctx, id, q)) {
      const start = period === 'day' ? day : monthStart(day);
      let into = aggregates.get(start);
      if (into === undefined) { into = { n: 0, measured: 0, sum: 0, min: null, max: null }; aggregates.set(start, into); }
      mergeInto(into, part);
    }
  }
  return rollupsOf(meter, quantity, period, basis, aggregates, range, q.steps);
}

export function completeness(ctx: SqliteContext, range: TimeRange, quantity: ObisCode): DayCompleteness[] {
  const q = ctx.quantity(quantity);
  if (q === undefined) return [];
  const measured = new Map<number, Map<number, number>>();
  const add = (meter: number, day: number, count: number): void => {
    let days = measured.get(meter);
    if (days === undefined) { days = new Map(); measured.set(meter, days); }
    days.set(day, (days.get(day) ?? 0) + count);
  };
  const rows = ctx.arrays(`SELECT r.meter, r.start, r.measured FROM meter m JOIN rollup r
    ON r.meter = m.id AND r.quantity = ? AND r.period = ? AND r.start >= ? AND r.start < ?`, q.id, storedPeriod.day, range.from, range.to);
  for (const row of rows) add(num(row[0]), num(row[1]), num(row[2]));
  const recentMeters = new Set<number>();
  for (const slot of ctx.hotSlotsBetween(-Infinity, Infinity)) {
    for (const row of ctx.arrays('SELECT meter FROM reading_recent WHERE slot = ?', slot)) recentMeters.add(num(row[0]));
  }
  for (const meter of recentMeters) {
    for (const [day, part] of recentDayParts(ctx, meter, q)) {
      if (day >= range.from && day < range.to) add(meter, day, part.measured);
    }
  }
  const result: DayCompleteness[] = [];
  for (const [meter, days] of measured) {
    const name = ctx.meterName(meter);
    for (const [day, count] of [...days].sort(([a], [b]) => a - b))
      result.push({ meter: name, day, measured: count, expected: intervalsPerDay });
  }
  return result;
}

export function conflicts(ctx: SqliteContext, meter: MeterId, range: TimeRange): ReadingConflict[] {
  const id = ctx.meterId(meter);
  if (id === undefined) return [];
  return ctx.arrays('SELECT quantity, at, received, stored, received_at FROM reading_conflict WHERE meter = ? AND at >= ? AND at < ? ORDER '
    + 'BY at, quantity, received_at', id, range.from, range.to)
    .map((row) => ({ meter, quantity: ctx.quantityById(num(row[0])).obis, at: num(row[1]), received: num(row[2]), stored: num(row[3]),
      receivedAt: num(row[4]) }));
}

export function intervalChanges(ctx: SqliteContext, meter: MeterId, quantity: ObisCode, range: TimeRange): IntervalChange[] {
  const id = ctx.meterId(meter);
  const q = ctx.quantity(quantity);
  if (id === undefined || q === undefined) return [];
  return ctx.arrays('SELECT end_at, seq, stage, value, quality, actor_kind, actor, reason, at FROM interval_change WHERE meter = ? AND '
    + 'quantity = ? AND end_at > ? AND end_at <= ? ORDER BY seq',
    id, q.id, range.from, range.to)
    .map((row) => ({
      meter,
      quantity,
      end: num(row[0]),
      seq: num(row[1]),
      stage: String(row[2]) as IntervalStage,
      value: optionalNumber(row[3]),
      quality: qualityAt(row[4]),
      provenance: provenanceOf(String(row[5]), String(row[6]), row[7] === null ? null : String(row[7])),
      at: num(row[8]),
    }));
}

function provenanceOf(kind: string, actor: string, reason: string | null): Provenance {
  if (kind === 'person') return { kind: 'person', person: actor, reason: reason ?? '' };
  return reason === null ? { kind: 'rule', rule: actor } : { kind: 'rule', rule: actor, reason };
}

/** The database's pages, bytes (the WAL, checkpointed into them, is not counted). */
export function sizeBytes(ctx: SqliteContext): number {
  const pages = ctx.db.prepare('PRAGMA page_count').get() as { page_count: number };
  const size = ctx.db.prepare('PRAGMA page_size').get() as { page_size: number };
  return pages.page_count * size.page_size;
}
