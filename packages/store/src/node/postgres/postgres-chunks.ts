// Compaction on PostgreSQL: the readings of a closed day leave the one-row-per-reading tables
// (`reading`, `register_reading`: ~100 B a value with their two indexes) for chunks, one row per
// meter, quantity and day holding up to 128 readings in the SQLite store's encoding (chunk-codec.ts:
// run-length times, delta-coded whole resolution steps; ~2 B a value). Only what is still arriving
// (open days, and late readings of closed days until the next maintain()) stays in rows.
//
// A day is closed first (its rollups written, postgres-days.ts), then compacted, in groups of
// meters, each group in its own transaction holding the day's advisory lock exclusively. Every append
// holds the locks of its days shared and looks a reading of a closed day up in the chunks before
// inserting it, so a reading is stored once whether it is in a row or in a chunk. Compaction changes
// where a reading is, never what is stored, so rollups are not touched; every read takes rows and
// chunks in one statement (one snapshot), so a compaction committing in between is seen whole or not.
//
// A database from before chunks (one row per reading for every day) is compacted by the same path:
// its closed days have rows, and maintain() moves them, a group of meters per transaction.
import type { PoolClient } from 'pg';
import { dayMs, floorTo } from '../../periods.ts';
import { decodeChunk, encodeChunk, maxChunkReadings, type SeriesPart } from '../sqlite/chunk-codec.ts';
import type { PgQuantity, PostgresDb } from './postgres-db.ts';
import { dayLockNamespace } from './postgres-migrate.ts';

export type ReadingTable = 'reading' | 'register_reading';
export const readingTables: readonly ReadingTable[] = ['reading', 'register_reading'];
export const chunkTableOf = (table: ReadingTable): string => (table === 'reading' ? 'reading_chunk' : 'register_chunk');

/** The schema version that added the chunk tables. */
export const chunkedVersion = 6;

/** Meter ids per compaction transaction. */
export const metersPerCompaction = 2000;

/** A stored chunk as a read hands it back. */
export interface ChunkRow {
  readonly start: number;
  readonly data: Buffer;
}

/** Decodes chunks (any order) into one series in time order, values in the quantity's unit. */
export function decodeChunks(chunks: readonly ChunkRow[], quantity: PgQuantity, into: SeriesPart = { at: [], values: [] }): SeriesPart {
  for (const c of [...chunks].sort((a, b) => a.start - b.start))
    decodeChunk(c.data, c.start, quantity.steps, `chunk of quantity ${quantity.obis} at ${new Date(c.start).toISOString()}`, into);
  return into;
}

/**
 * Decodes a series of chunks packed server-side as `start int8 · length int4 · data` records (the
 * reads that take many chunks at once aggregate them so: one field instead of a row per chunk).
 */
export function decodePackedChunks(packed: Buffer, quantity: PgQuantity, into: SeriesPart): void {
  const view = new DataView(packed.buffer, packed.byteOffset, packed.byteLength);
  for (let offset = 0; offset + 12 <= packed.byteLength;) {
    const start = view.getInt32(offset) * 4_294_967_296 + view.getUint32(offset + 4);
    const length = view.getInt32(offset + 8);
    const data = packed.subarray(offset + 12, offset + 12 + length);
    decodeChunk(data, start, quantity.steps, `chunk of quantity ${quantity.obis} at ${new Date(start).toISOString()}`, into);
    offset += 12 + length;
  }
}

/** SQL for the packed chunk records of decodePackedChunks (an aggregate over rows `c` of a chunk table). */
export const packedChunksSql = "string_agg(int8send(c.start) || int4send(length(c.data)) || c.data, ''::bytea ORDER BY c.start)";

const keyOf = (meter: number, quantity: number, at: number): string => `${meter}/${quantity}/${at}`;

/**
 * Values stored in chunks of `table` at these keys (meter, quantity id, time), keyed `meter/quantity/at`.
 * The caller holds the keys' days (closedDaysAmong) and passes only keys of closed days.
 */
export async function chunkValues(
  client: PoolClient,
  table: ReadingTable,
  keys: readonly { meter: number; quantity: PgQuantity; at: number }[],
): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  if (keys.length === 0) return found;
  const series = new Map<string, { meter: number; quantity: PgQuantity; day: number }>();
  for (const k of keys) {
    const day = floorTo(k.at, dayMs);
    series.set(`${k.meter}/${k.quantity.id}/${day}`, { meter: k.meter, quantity: k.quantity, day });
  }
  const list = [...series.values()];
  const rows = await client.query<{ meter: number; quantity: number; start: number; data: Buffer }>(`
    SELECT c.meter, c.quantity, c.start, c.data FROM unnest($1::int[], $2::int2[], $3::int8[]) AS k(meter, quantity, day)
    JOIN ${chunkTableOf(table)} c ON c.meter = k.meter AND c.quantity = k.quantity AND c.start >= k.day AND c.start < k.day + ${dayMs}`,
  [list.map((s) => s.meter), list.map((s) => s.quantity.id), list.map((s) => s.day)]);
  const quantities = new Map(keys.map((k) => [k.quantity.id, k.quantity]));
  for (const row of rows.rows) {
    const quantity = quantities.get(row.quantity);
    if (quantity === undefined) continue;
    const part = decodeChunks([row], quantity);
    part.at.forEach((at, i) => found.set(keyOf(row.meter, row.quantity, at), part.values[i] ?? 0));
  }
  return found;
}

/** Merges two series in time order; at a time both hold, `a` (the chunks) wins. */
function mergeSeries(a: SeriesPart, b: SeriesPart): SeriesPart {
  const merged: SeriesPart = { at: [], values: [] };
  let i = 0;
  let j = 0;
  while (i < a.at.length || j < b.at.length) {
    const ta = a.at[i] ?? Infinity;
    const tb = b.at[j] ?? Infinity;
    if (ta <= tb) {
      merged.at.push(ta);
      merged.values.push(a.values[i++] ?? 0);
      if (ta === tb) j++;
    } else {
      merged.at.push(tb);
      merged.values.push(b.values[j++] ?? 0);
    }
  }
  return merged;
}

/** Moves the rows of one day and of meters [first, last] of one table into chunks, merged with the chunks already there. */
async function compactGroup(db: PostgresDb, client: PoolClient, table: ReadingTable, day: number, first: number, last: number):
Promise<number> {
  // Each series' rows as one field of 17-byte records: time int8, a flag byte, then int8 steps or float8 value.
  const moved = await client.query<{ meter: number; quantity: number; data: Buffer }>(`
    WITH moved AS (DELETE FROM ${table} WHERE at >= $1 AND at < $2 AND meter BETWEEN $3 AND $4 RETURNING meter, quantity, at, scaled, real)
    SELECT meter, quantity, string_agg(int8send(at) || CASE WHEN scaled IS NOT NULL THEN '\\x00'::bytea || int8send(scaled)
      ELSE '\\x01'::bytea || float8send(real) END, ''::bytea ORDER BY at) AS data
    FROM moved GROUP BY meter, quantity`, [day, day + dayMs, first, last]);
  if (moved.rows.length === 0) return 0;
  const chunks = chunkTableOf(table);
  const old = await client.query<{ meter: number; quantity: number; start: number; data: Buffer }>(`
    DELETE FROM ${chunks} c USING unnest($1::int[], $2::int2[]) AS k(meter, quantity)
    WHERE c.meter = k.meter AND c.quantity = k.quantity AND c.start >= $3 AND c.start < $4 RETURNING c.meter, c.quantity, c.start, c.data`,
  [moved.rows.map((r) => r.meter), moved.rows.map((r) => r.quantity), day, day + dayMs]);
  const oldOf = new Map<string, ChunkRow[]>();
  for (const r of old.rows) {
    const key = `${r.meter}/${r.quantity}`;
    oldOf.set(key, [...oldOf.get(key) ?? [], r]);
  }
  const meters: number[] = [];
  const quantities: number[] = [];
  const starts: number[] = [];
  const data: Buffer[] = [];
  for (const row of moved.rows) {
    const quantity = await db.quantityById(row.quantity);
    const fresh: SeriesPart = { at: [], values: [] };
    const view = new DataView(row.data.buffer, row.data.byteOffset, row.data.byteLength);
    for (let offset = 0; offset + 17 <= row.data.byteLength; offset += 17) {
      fresh.at.push(view.getInt32(offset) * 4_294_967_296 + view.getUint32(offset + 4));
      fresh.values.push(view.getUint8(offset + 8) === 0
        ? (view.getInt32(offset + 9) * 4_294_967_296 + view.getUint32(offset + 13)) / quantity.steps
        : view.getFloat64(offset + 9));
    }
    const before = oldOf.get(`${row.meter}/${row.quantity}`);
    const all = before === undefined ? fresh : mergeSeries(decodeChunks(before, quantity), fresh);
    for (let begin = 0; begin < all.at.length; begin += maxChunkReadings) {
      meters.push(row.meter);
      quantities.push(row.quantity);
      starts.push(all.at[begin] ?? 0);
      const bytes = encodeChunk(all, begin, Math.min(begin + maxChunkReadings, all.at.length), quantity.steps);
      data.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    }
  }
  await client.query(`INSERT INTO ${chunks} (meter, quantity, start, data) SELECT * FROM unnest($1::int[], $2::int2[], $3::int8[], `
    + '$4::bytea[])', [meters, quantities, starts, data]);
  return moved.rows.length;
}

/** Compacts every closed day that still has rows (the day just closed, late readings, a database from before chunks). */
export async function compactClosedDays(db: PostgresDb): Promise<{ days: number; series: number }> {
  const days = await db.query<{ day: number }>(`SELECT day FROM closed_day c
    WHERE EXISTS (SELECT 1 FROM reading r WHERE r.at >= c.day AND r.at < c.day + ${dayMs})
      OR EXISTS (SELECT 1 FROM register_reading r WHERE r.at >= c.day AND r.at < c.day + ${dayMs}) ORDER BY day`);
  let series = 0;
  for (const { day } of days) {
    const [range] = await db.query<{ first: number | null; last: number | null }>(`SELECT min(meter) AS first, max(meter) AS last FROM (
      (SELECT meter FROM reading WHERE at >= $1 AND at < $2) UNION ALL (SELECT meter FROM register_reading WHERE at >= $1 AND at < $2)) r`,
    [day, day + dayMs]);
    if (range?.first === null || range?.first === undefined || range.last === null) continue;
    for (let first = range.first; first <= range.last; first += metersPerCompaction) {
      series += await db.transaction(async (client) => {
        await client.query('SELECT pg_advisory_xact_lock($1, $2)', [dayLockNamespace, day / dayMs]);
        let n = 0;
        for (const table of readingTables) n += await compactGroup(db, client, table, day, first, first + metersPerCompaction - 1);
        return n;
      });
    }
  }
  return { days: days.length, series };
}
