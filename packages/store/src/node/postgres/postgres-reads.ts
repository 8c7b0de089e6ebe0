// Reads of readings on PostgreSQL that take rows (what is still arriving) and chunks (closed days,
// postgres-chunks.ts) together. Each is one statement, so it sees one snapshot: a compaction that
// moves rows into chunks meanwhile is seen whole or not at all, never a reading twice or not at all.
import type { PoolClient } from 'pg';
import type { MeterId, ObisCode } from '@phasewire/core';
import { FleetIntervalBuilder, type FleetInterval } from '../../fleet-interval.ts';
import { dayMs, floorTo } from '../../periods.ts';
import { scaledInteger } from '../../scaling.ts';
import { chunkTableOf, decodeChunks, type ReadingTable } from './postgres-chunks.ts';
import type { PgQuantity, PostgresDb } from './postgres-db.ts';
import { valueOf, type StoredRow } from './postgres-values.ts';

export const tableOf = (quantity: PgQuantity): ReadingTable => (quantity.register ? 'register_reading' : 'reading');

/** One meter's readings of one quantity in [from, to), in time order. */
export async function seriesPostgres(
  db: PostgresDb,
  meter: number,
  quantity: PgQuantity,
  from: number,
  to: number,
): Promise<{ at: number; value: number }[]> {
  const table = tableOf(quantity);
  // A chunk holds one day: those starting from the day of `from` on can hold readings in the range.
  const rows = await db.query<StoredRow & { at: number; data: Buffer | null }>(`
    SELECT at, scaled, real, NULL::bytea AS data FROM ${table} WHERE meter = $1 AND quantity = $2 AND at >= $3 AND at < $4
    UNION ALL SELECT start, NULL, NULL, data FROM ${chunkTableOf(table)} WHERE meter = $1 AND quantity = $2 AND start >= $5 AND start < $4`,
  [meter, quantity.id, from, to, floorTo(from, dayMs)]);
  const result: { at: number; value: number }[] = [];
  const chunks = rows.flatMap((r) => (r.data === null ? [] : [{ start: r.at, data: r.data }]));
  if (chunks.length > 0) {
    const part = decodeChunks(chunks, quantity);
    part.at.forEach((at, i) => { if (at >= from && at < to) result.push({ at, value: part.values[i] ?? 0 }); });
  }
  for (const r of rows) if (r.data === null) result.push({ at: r.at, value: valueOf(r, quantity.steps) });
  // Late rows of a compacted day sit among its chunk's readings until the next compaction.
  if (chunks.length > 0) result.sort((a, b) => a.at - b.at);
  return result;
}

/** The newest reading of each quantity of one meter: the newest row, or the last reading of the newest chunk. */
export async function latestPostgres(db: PostgresDb, meter: number): Promise<{ quantity: PgQuantity; at: number; value: number }[]> {
  const lateral = (table: ReadingTable, register: boolean): string => `
    SELECT q.id AS quantity, l.at, l.scaled, l.real, NULL::bytea AS data FROM quantity q
      CROSS JOIN LATERAL (SELECT at, scaled, real FROM ${table} r WHERE r.meter = $1 AND r.quantity = q.id ORDER BY at DESC LIMIT 1) AS l
      WHERE ${register ? '' : 'NOT '}q.register
    UNION ALL
    SELECT q.id AS quantity, l.start, NULL, NULL, l.data FROM quantity q
      CROSS JOIN LATERAL (SELECT start, data FROM ${chunkTableOf(table)} c WHERE c.meter = $1 AND c.quantity = q.id
        ORDER BY start DESC LIMIT 1) AS l
      WHERE ${register ? '' : 'NOT '}q.register`;
  const rows = await db.query<StoredRow & { quantity: number; at: number; data: Buffer | null }>(
    `${lateral('reading', false)} UNION ALL ${lateral('register_reading', true)}`, [meter]);
  const newest = new Map<number, { quantity: PgQuantity; at: number; value: number }>();
  for (const row of rows) {
    const quantity = await db.quantityById(row.quantity);
    let at = row.at;
    let value: number;
    if (row.data === null) {
      value = valueOf(row, quantity.steps);
    } else {
      const part = decodeChunks([{ start: row.at, data: row.data }], quantity);
      at = part.at.at(-1) ?? row.at;
      value = part.values.at(-1) ?? 0;
    }
    const seen = newest.get(quantity.id);
    if (seen === undefined || at > seen.at) newest.set(quantity.id, { quantity, at, value });
  }
  return [...newest.values()];
}

/** Records the fresh readings of open days in `interval_values`, one row per time and quantity, in the append's transaction. */
export async function addIntervalValues(
  client: PoolClient,
  fresh: readonly { meter: number; quantity: PgQuantity; at: number; value: number }[],
  closed: ReadonlySet<number>,
): Promise<void> {
  const parts = new Map<string, { at: number; quantity: number; records: { meter: number; value: number; steps: number }[] }>();
  for (const r of fresh) {
    if (closed.has(floorTo(r.at, dayMs))) continue;
    const key = `${r.at}/${r.quantity.id}`;
    let part = parts.get(key);
    if (part === undefined) { part = { at: r.at, quantity: r.quantity.id, records: [] }; parts.set(key, part); }
    part.records.push({ meter: r.meter, value: r.value, steps: r.quantity.steps });
  }
  if (parts.size === 0) return;
  const list = [...parts.values()];
  const data = list.map(({ records }) => {
    const buffer = Buffer.alloc(records.length * 12);
    records.forEach(({ meter, value, steps }, i) => {
      const scaled = scaledInteger(value, steps);
      if (scaled === null) {
        buffer.writeInt32BE(-1 - meter, i * 12);
        buffer.writeDoubleBE(value, i * 12 + 4);
      } else {
        buffer.writeInt32BE(meter, i * 12);
        buffer.writeBigInt64BE(BigInt(scaled), i * 12 + 4);
      }
    });
    return buffer;
  });
  await client.query('INSERT INTO interval_values (at, quantity, data) SELECT * FROM unnest($1::int8[], $2::int2[], $3::bytea[])',
    [list.map((p) => p.at), list.map((p) => p.quantity), data]);
}

/**
 * One interval across the fleet, in one statement. On an open day, from `interval_values`: a few
 * packed fields (12-byte records: meter int4, then int8 steps, or float8 when the meter is stored
 * as -1 - meter) instead of 60,000 protocol rows. On a closed day, the chunks that can hold `at`
 * (found by their start) decoded, and the rows at `at` (late readings) packed the same way.
 */
export async function readingsAtPostgres(db: PostgresDb, at: number, quantities?: readonly ObisCode[]): Promise<FleetInterval> {
  const wanted = quantities === undefined ? await db.allQuantities()
    : (await Promise.all(quantities.map((q) => db.quantity(q)))).filter((q): q is PgQuantity => q !== undefined);
  const codes = quantities ?? wanted.map((q) => q.obis);
  const builder = new FleetIntervalBuilder(at, codes);
  if (wanted.length === 0) return builder.build();
  const closed = 'EXISTS (SELECT 1 FROM closed_day WHERE day = $3)';
  const packed = (table: ReadingTable): string => `SELECT quantity, NULL::int AS meter, NULL::int8 AS start,
      string_agg(CASE WHEN scaled IS NOT NULL THEN int4send(meter) || int8send(scaled) ELSE int4send(-1 - meter) || float8send(real) END,
        ''::bytea) AS data
    FROM ${table} WHERE at = $1 AND quantity = ANY($2::int2[]) AND ${closed} GROUP BY quantity`;
  const chunked = (table: ReadingTable): string => `SELECT quantity, meter, start, data FROM ${chunkTableOf(table)}
    WHERE start >= $3 AND start <= $1 AND quantity = ANY($2::int2[]) AND ${closed}`;
  const rows = await db.query<{ quantity: number; meter: number | null; start: number | null; data: Buffer }>(`
    SELECT quantity, NULL::int AS meter, NULL::int8 AS start, data FROM interval_values WHERE at = $1 AND quantity = ANY($2::int2[])
      AND NOT ${closed}
    UNION ALL ${packed('reading')} UNION ALL ${packed('register_reading')}
    UNION ALL ${chunked('reading')} UNION ALL ${chunked('register_reading')}`,
  [at, wanted.map((q) => q.id), floorTo(at, dayMs)]);
  // Two passes over the records: the meters first (their names fetched once), then the values straight
  // into the table through an array indexed by meter id (ids are small and dense): no object or map entry per value.
  const byId = new Map(wanted.map((q) => [q.id, { q, column: codes.indexOf(q.obis) }]));
  const packedRows: { data: Buffer; column: number; steps: number }[] = [];
  const loose: { id: number; column: number; value: number }[] = [];
  for (const r of rows) {
    const entry = byId.get(r.quantity);
    if (entry === undefined) continue;
    if (r.meter !== null && r.start !== null) {
      const part = decodeChunks([{ start: r.start, data: r.data }], entry.q);
      const i = part.at.indexOf(at);
      if (i >= 0) loose.push({ id: r.meter, column: entry.column, value: part.values[i] ?? 0 });
    } else {
      packedRows.push({ data: r.data, column: entry.column, steps: entry.q.steps });
    }
  }
  const idAt = (view: DataView, offset: number): number => { const id = view.getInt32(offset); return id >= 0 ? id : -1 - id; };
  let maxId = 0;
  for (const { data } of packedRows) {
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    for (let offset = 0; offset + 12 <= data.byteLength; offset += 12) maxId = Math.max(maxId, idAt(view, offset));
  }
  for (const l of loose) maxId = Math.max(maxId, l.id);
  const unseen = -1;
  const pending = -2;
  const rowOfId = new Int32Array(maxId + 1).fill(unseen);
  const unique: number[] = [];
  const see = (id: number): void => { if (rowOfId[id] === unseen) { rowOfId[id] = pending; unique.push(id); } };
  for (const { data } of packedRows) {
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    for (let offset = 0; offset + 12 <= data.byteLength; offset += 12) see(idAt(view, offset));
  }
  for (const l of loose) see(l.id);
  const names = await db.meterNames(unique);
  builder.reserve(unique.length);
  const rowOf = (id: number): number => {
    const row = rowOfId[id] ?? unseen;
    if (row !== pending) return row;
    const name: MeterId | undefined = names.get(id);
    const added = name === undefined ? unseen : builder.newRow(name);
    rowOfId[id] = added;
    return added;
  };
  for (const { data, column, steps } of packedRows) {
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    for (let offset = 0; offset + 12 <= data.byteLength; offset += 12) {
      const id = view.getInt32(offset);
      const row = rowOf(id >= 0 ? id : -1 - id);
      if (row < 0) continue;
      builder.setAt(row, column, id >= 0 ? (view.getInt32(offset + 4) * 4_294_967_296 + view.getUint32(offset + 8)) / steps
        : view.getFloat64(offset + 4));
    }
  }
  for (const l of loose) {
    const row = rowOf(l.id);
    if (row >= 0) builder.setAt(row, l.column, l.value);
  }
  return builder.build();
}
