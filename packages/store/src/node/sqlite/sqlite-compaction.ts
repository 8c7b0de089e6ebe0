// Compaction: recent snapshots (time-ordered rows, cheap to append) whose 15-minute slot has settled
// become chunks (meter-ordered, delta-coded rows, cheap to store and to read per meter), and what
// they add to the rollups is added to the stored day and month rows (recent-contributions.ts). One
// transaction per group of meters, so ingest runs in between; a reading that arrives later for a
// compacted slot lands in the recent table again, and the next compaction merges it into its chunk.
import type { Aggregate } from '../../aggregates.ts';
import { dayMs, floorTo, intervalMs, monthStart } from '../../periods.ts';
import { encodeChunk, maxChunkReadings, type SeriesPart } from './chunk-codec.ts';
import { addRecentContributions, CompactedValues } from './recent-contributions.ts';
import { decodeSnapshotText } from './snapshot-text.ts';
import { num, type SqliteContext } from './sqlite-context.ts';

/** Stored rollup periods. */
export const storedPeriod = { day: 1, month: 2 } as const;

/** Meters per compaction transaction. */
export const metersPerCompaction = 500;

/** Adds an aggregate (steps) to the stored rollup row, creating it. */
export function addToStoredRollup(ctx: SqliteContext, meter: number, quantity: number, period: number, start: number, a: Aggregate): void {
  ctx.stmt(`INSERT INTO rollup (meter, quantity, period, start, n, measured, sum, min, max) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (meter, quantity, period, start) DO UPDATE SET n = n + excluded.n, measured = measured + excluded.measured,
      sum = sum + excluded.sum,
      min = CASE WHEN min IS NULL OR excluded.min < min THEN excluded.min ELSE min END,
      max = CASE WHEN max IS NULL OR excluded.max > max THEN excluded.max ELSE max END`)
    .run(meter, quantity, period, start, a.n, a.measured, a.sum, a.min, a.max);
}

/** Adds a day's aggregate to its stored day and month rows. */
export function addToStoredDay(ctx: SqliteContext, meter: number, quantity: number, day: number, a: Aggregate): void {
  addToStoredRollup(ctx, meter, quantity, storedPeriod.day, day, a);
  addToStoredRollup(ctx, meter, quantity, storedPeriod.month, monthStart(day), a);
}

function mergeSeries(a: SeriesPart, b: SeriesPart): SeriesPart {
  const merged: SeriesPart = { at: [], values: [] };
  let i = 0;
  let j = 0;
  while (i < a.at.length || j < b.at.length) {
    const takeA = j >= b.at.length || (i < a.at.length && (a.at[i] ?? 0) <= (b.at[j] ?? 0));
    const source = takeA ? a : b;
    const k = takeA ? i++ : j++;
    merged.at.push(source.at[k] ?? 0);
    merged.values.push(source.values[k] ?? 0);
  }
  return merged;
}

/** Merges readings of one meter and quantity (one day, time order) into that day's chunks. */
function writeChunks(ctx: SqliteContext, meter: number, quantityId: number, day: number, fresh: SeriesPart): void {
  const quantity = ctx.quantityById(quantityId);
  const settled: SeriesPart = { at: [], values: [] };
  if (ctx.compactedDays.has(day)) ctx.chunkReadings(meter, quantity, day, day + dayMs, settled);
  if (settled.at.length > 0)
    ctx.stmt('DELETE FROM reading_chunk WHERE meter = ? AND quantity = ? AND start >= ? AND start < ?').run(meter, quantityId, day,
      day + dayMs);
  const all = settled.at.length === 0 ? fresh : mergeSeries(settled, fresh);
  const insert = ctx.stmt('INSERT INTO reading_chunk (meter, quantity, start, data) VALUES (?, ?, ?, ?)');
  // (A day compacted for the first time has no chunks to merge with: no lookup.)
  for (let begin = 0; begin < all.at.length; begin += maxChunkReadings) {
    const end = Math.min(begin + maxChunkReadings, all.at.length);
    insert.run(meter, quantityId, all.at[begin] ?? 0, encodeChunk(all, begin, end, quantity.steps));
  }
}

/**
 * Compacts the recent snapshots of meters [firstMeter, lastMeter] in `slots` (ascending), in the
 * caller's transaction. `allSlots` are every recent slot: a reading that stays recent may still
 * count an interval that a compacted one closes.
 */
export function compactMeters(
  ctx: SqliteContext,
  slots: readonly number[],
  allSlots: readonly number[],
  firstMeter: number,
  lastMeter: number,
): void {
  const compacting = new Set(slots);
  // meter → quantity id → every recent read in time order, and the indices of those being compacted.
  const recent = new Map<number, Map<number, SeriesPart>>();
  const moving = new Map<number, Map<number, number[]>>();
  for (const slot of allSlots) {
    const rows =
      ctx.arrays('SELECT meter, off, vals FROM reading_recent WHERE slot = ? AND meter BETWEEN ? AND ?', slot, firstMeter, lastMeter);
    const compacted = compacting.has(slot);
    for (const row of rows) {
      const meter = num(row[0]);
      const at = slot * intervalMs + num(row[1]);
      let reads = recent.get(meter);
      if (reads === undefined) { reads = new Map(); recent.set(meter, reads); moving.set(meter, new Map()); }
      const meterReads = reads;
      const meterMoving = moving.get(meter) ?? new Map<number, number[]>();
      decodeSnapshotText(String(row[2]), ctx.stepsOfId, (id, value) => {
        let series = meterReads.get(id);
        if (series === undefined) { series = { at: [], values: [] }; meterReads.set(id, series); }
        if (compacted) {
          let indices = meterMoving.get(id);
          if (indices === undefined) { indices = []; meterMoving.set(id, indices); }
          indices.push(series.at.length);
        }
        series.at.push(at);
        series.values.push(value);
      });
    }
  }
  for (const [meter, byQuantity] of moving) {
    if (byQuantity.size === 0) continue;
    const state = ctx.state(meter);
    const reads = recent.get(meter) ?? new Map<number, SeriesPart>();
    const compacted = new CompactedValues(ctx);
    const chunks: [number, number, SeriesPart][] = [];
    for (const [id, indices] of byQuantity) {
      const quantity = ctx.quantityById(id);
      const series = reads.get(id) ?? { at: [], values: [] };
      const days = new Map<number, Aggregate>();
      addRecentContributions(ctx, meter, quantity, state, series, indices, compacted, days);
      for (const [day, a] of days) addToStoredDay(ctx, meter, id, day, a);
      let part: SeriesPart | undefined;
      let partDay = Number.NaN;
      for (const i of indices) {
        const at = series.at[i] ?? 0;
        const day = floorTo(at, dayMs);
        if (part === undefined || day !== partDay) {
          part = { at: [], values: [] };
          partDay = day;
          chunks.push([id, day, part]);
        }
        part.at.push(at);
        part.values.push(series.values[i] ?? 0);
      }
    }
    // Chunks are written after every contribution is counted: those count against the chunks as they were.
    for (const [id, day, part] of chunks) writeChunks(ctx, meter, id, day, part);
    ctx.markDirty(meter);
  }
  for (const day of new Set(slots.map((slot) => floorTo(slot * intervalMs, dayMs)))) {
    if (ctx.compactedDays.has(day)) continue;
    ctx.stmt('INSERT INTO compacted_day (day) VALUES (?) ON CONFLICT DO NOTHING').run(day);
    ctx.compactedDays.add(day);
  }
  const remove = ctx.stmt('DELETE FROM reading_recent WHERE slot = ? AND meter BETWEEN ? AND ?');
  for (const slot of slots) remove.run(slot, firstMeter, lastMeter);
}
