// The interval table of many meters (interval-table.ts) on PostgreSQL: one statement reads every
// register read of the batch's meters and quantities in the range and hands each series back as one
// bytea of 12-byte records (grid position int4, then the value: int8 steps, or float8 when the read
// is not a whole number of steps, marked by a negative position). A row per read through the
// protocol and the driver cost ~1 µs each in JavaScript; one buffer per series is decoded with a
// DataView. In the same statement, the chunks of closed days (postgres-chunks.ts), packed per series
// the same way. A second statement reads the written stages.
import { stepsOf } from '@phasewire/core';
import { IntervalTableBuilder, type IntervalTable, type IntervalTableQuery } from '../../interval-table.ts';
import { dayMs, floorTo, intervalMs } from '../../periods.ts';
import { inSteps } from '../../scaling.ts';
import type { SeriesPart } from '../sqlite/chunk-codec.ts';
import { decodePackedChunks, packedChunksSql } from './postgres-chunks.ts';
import type { PostgresDb, PgQuantity } from './postgres-db.ts';
import { overlayOfRow, type StageRow } from './postgres-values.ts';

export async function intervalTablePostgres(db: PostgresDb, query: IntervalTableQuery): Promise<IntervalTable> {
  const { from, to } = query.range;
  const entries = await Promise.all(query.quantities.map((q) => db.quantity(q)));
  const builder = new IntervalTableBuilder(query, query.quantities.map((q, k) => entries[k]?.steps ?? stepsOf(q)));
  // Read-only lookup: a meter that never sent a reading has no id and no data.
  const ids = new Map((await db.query<{ id: number; name: string }>('SELECT id, name FROM meter WHERE name = ANY($1::text[])',
    [query.meters])).map((r) => [r.name, r.id]));
  const rowOf = new Map<number, number>();
  query.meters.forEach((name, row) => {
    const id = ids.get(name);
    if (id !== undefined) rowOf.set(id, row);
  });
  const columnOf = new Map<number, number>();
  entries.forEach((q: PgQuantity | undefined, column) => { if (q !== undefined) columnOf.set(q.id, column); });
  if (rowOf.size === 0 || columnOf.size === 0) { builder.deltas(); return builder.build(); }
  const meters = [...rowOf.keys()];
  const quantities = [...columnOf.keys()];
  const series = await db.query<{ meter: number; quantity: number; data: Buffer; chunks: Buffer | null }>(`
    SELECT meter, quantity, string_agg(CASE WHEN scaled IS NOT NULL THEN int4send(((at - $3) / ${intervalMs})::int) || int8send(scaled)
      ELSE int4send((-1 - (at - $3) / ${intervalMs})::int) || float8send(real) END, ''::bytea) AS data, NULL::bytea AS chunks
    FROM register_reading WHERE meter = ANY($1::int[]) AND quantity = ANY($2::int2[]) AND at >= $3 AND at <= $4
      AND (at - $3) % ${intervalMs} = 0
    GROUP BY meter, quantity
    UNION ALL
    SELECT meter, quantity, ''::bytea, ${packedChunksSql} FROM register_chunk c
    WHERE meter = ANY($1::int[]) AND quantity = ANY($2::int2[]) AND start >= $5 AND start <= $4
    GROUP BY meter, quantity`, [meters, quantities, from, to, floorTo(from, dayMs)]);
  const part: SeriesPart = { at: [], values: [] };
  for (const s of series) {
    const m = rowOf.get(s.meter) ?? 0;
    const column = columnOf.get(s.quantity) ?? 0;
    const steps = entries[column]?.steps ?? 1;
    const entry = entries[column];
    if (s.chunks !== null && entry !== undefined) {
      // Chunks of closed days, decoded straight into the table's cells (reads outside the range are ignored there).
      part.at.length = 0;
      part.values.length = 0;
      decodePackedChunks(s.chunks, entry, part);
      for (let k = 0; k < part.at.length; k++) builder.read(m, column, part.at[k] ?? 0, inSteps(part.values[k] ?? 0, steps));
      continue;
    }
    const view = new DataView(s.data.buffer, s.data.byteOffset, s.data.byteLength);
    for (let offset = 0; offset + 12 <= s.data.byteLength; offset += 12) {
      const position = view.getInt32(offset);
      // The int8 as high and low words: getBigInt64 allocated a bigint per value. hi · 2^32 is exact and the one addition rounds
      // as Number(bigint) does (to nearest), so the value is the same at any size.
      const at = from + (position >= 0 ? position : -1 - position) * intervalMs;
      if (position >= 0) builder.read(m, column, at, view.getInt32(offset + 4) * 4_294_967_296 + view.getUint32(offset + 8));
      else builder.read(m, column, at, view.getFloat64(offset + 4) * steps);
    }
  }
  builder.deltas();
  const stages = await db.query<StageRow & { meter: number; quantity: number; end_at: number }>(`
    SELECT meter, quantity, end_at, validated, validated_quality, final, final_quality FROM interval_stage
    WHERE meter = ANY($1::int[]) AND quantity = ANY($2::int2[]) AND end_at > $3 AND end_at <= $4`, [meters, quantities, from, to]);
  for (const s of stages) builder.stage(rowOf.get(s.meter) ?? 0, columnOf.get(s.quantity) ?? 0, s.end_at, overlayOfRow(s));
  return builder.build();
}
