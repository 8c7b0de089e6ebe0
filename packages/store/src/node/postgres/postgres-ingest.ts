// Appending readings to the PostgreSQL store: one transaction per batch, set-based statements over
// arrays (unnest), so a batch of thousands of readings is a handful of round trips. Readings already
// stored are found in the same statement that inserts the new ones. In the same transaction: the
// intervals that new register reads close, into the day and month rollups, and readings of other
// quantities whose day is already closed (postgres-days.ts), into theirs.
// Transactions that touch the same meters take their advisory locks in one order, so an interval
// between two reads appended by two workers at once is counted exactly once. A reading of a closed
// day is looked up in its day's chunks first (postgres-chunks.ts), under the day's shared lock.
import type { PoolClient } from 'pg';
import type { MeterId, Snapshot } from '@phasewire/core';
import { addReading, mergeInto, type Aggregate } from '../../aggregates.ts';
import { rawArrivalDelta } from '../../intervals.ts';
import type { AppendResult, ReadingConflict } from '../../meter-store.ts';
import { dayMs, dayOfInterval, floorTo, intervalMs, monthStart } from '../../periods.ts';
import { inSteps, scaledInteger } from '../../scaling.ts';
import { chunkValues } from './postgres-chunks.ts';
import { addIntervalValues } from './postgres-reads.ts';
import type { PgQuantity, PostgresDb } from './postgres-db.ts';
import { overlaysOf, valueOf, type StoredRow } from './postgres-values.ts';

/** Stored rollup periods. */
export const storedPeriod = { day: 1, month: 2 } as const;

interface Row {
  readonly meter: number;
  readonly meterName: MeterId;
  readonly quantity: PgQuantity;
  readonly at: number;
  readonly value: number;
}

const keyOf = (meter: number, quantity: number, at: number): string => `${meter}/${quantity}/${at}`;

/** Rollup parts keyed by (meter, quantity, period, start). */
export class RollupParts {
  readonly #parts = new Map<string, { meter: number; quantity: number; period: number; start: number; a: Aggregate }>();

  #at(meter: number, quantity: number, period: number, start: number): Aggregate {
    const key = `${meter}/${quantity}/${period}/${start}`;
    let part = this.#parts.get(key);
    if (part === undefined) { part = { meter, quantity, period, start, a: { n: 0, measured: 0, sum: 0, min: null, max: null } };
      this.#parts.set(key, part); }
    return part.a;
  }

  /** Adds to the day and its month. */
  add(meter: number, quantity: number, day: number, a: Aggregate): void {
    mergeInto(this.#at(meter, quantity, storedPeriod.day, day), a);
    mergeInto(this.#at(meter, quantity, storedPeriod.month, monthStart(day)), a);
  }

  /** Adds one reading (in steps) to the day and its month. */
  reading(meter: number, quantity: number, day: number, value: number): void {
    addReading(this.#at(meter, quantity, storedPeriod.day, day), value);
    addReading(this.#at(meter, quantity, storedPeriod.month, monthStart(day)), value);
  }

  /** Adds every part to the stored rows, in key order (so concurrent writers lock rows in one order). */
  async write(client: PoolClient): Promise<void> {
    if (this.#parts.size === 0) return;
    const parts =
      [...this.#parts.values()].sort((x, y) => x.meter - y.meter || x.quantity - y.quantity || x.period - y.period || x.start - y.start);
    await client.query(`INSERT INTO rollup (meter, quantity, period, start, n, measured, sum, min, max)
      SELECT * FROM unnest($1::int[], $2::int2[], $3::int2[], $4::int8[], $5::int[], $6::int[], $7::float8[], $8::float8[], $9::float8[])
      ON CONFLICT (meter, quantity, period, start) DO UPDATE SET n = rollup.n + excluded.n, measured = rollup.measured + excluded.measured,
        sum = rollup.sum + excluded.sum, min = LEAST(rollup.min, excluded.min), max = GREATEST(rollup.max, excluded.max)`, [
      parts.map((p) => p.meter), parts.map((p) => p.quantity), parts.map((p) => p.period), parts.map((p) => p.start),
      parts.map((p) => p.a.n), parts.map((p) => p.a.measured), parts.map((p) => p.a.sum), parts.map((p) => p.a.min),
      parts.map((p) => p.a.max),
    ]);
  }
}

const columns = (rows: readonly Row[]): unknown[] => {
  const scaled = rows.map((r) => scaledInteger(r.value, r.quantity.steps));
  return [rows.map((r) => r.meter), rows.map((r) => r.quantity.id), rows.map((r) => r.at), scaled,
    rows.map((r, i) => (scaled[i] === null ? r.value : null))];
};

/** Inserts the rows into `table`; returns those that were already stored, with the stored value. */
async function insertRows(client: PoolClient, table: string, rows: readonly Row[]): Promise<Map<string, number>> {
  const existing = new Map<string, number>();
  if (rows.length === 0) return existing;
  const params = columns(rows);
  const inserted = await client.query<{ n: number }>(`WITH ins AS (INSERT INTO ${table} (meter, quantity, at, scaled, real)
    SELECT * FROM unnest($1::int[], $2::int2[], $3::int8[], $4::int8[], $5::float8[]) ON CONFLICT DO NOTHING RETURNING 1)
    SELECT count(*)::int AS n FROM ins`, params);
  // Usually every row is new. Otherwise the rest were stored before: rows this transaction did not
  // write (its own carry its id as xmin; 32-bit, hence the modulo of the 64-bit counter).
  if (inserted.rows[0]?.n === rows.length) return existing;
  const found =
    await client.query<StoredRow & { meter: number; quantity: number; at: number }>(`SELECT r.meter, r.quantity, r.at, r.scaled, r.real
    FROM unnest($1::int[], $2::int2[], $3::int8[]) AS i(meter, quantity, at)
    JOIN ${table} r ON r.meter = i.meter AND r.quantity = i.quantity AND r.at = i.at
    WHERE r.xmin::text <> (txid_current() % 4294967296)::text`, params.slice(0, 3));
  const steps = new Map(rows.map((r) => [r.quantity.id, r.quantity.steps]));
  for (const r of found.rows) existing.set(keyOf(r.meter, r.quantity, r.at), valueOf(r, steps.get(r.quantity) ?? 1));
  return existing;
}

/** Stored register values at these keys: rows, and chunks where the key's day is closed. */
export async function registerValues(
  client: PoolClient,
  keys: readonly { meter: number; quantity: PgQuantity; at: number }[],
  closed: ReadonlySet<number>,
): Promise<Map<string, number>> {
  const rows = await client.query<StoredRow & { meter: number; quantity: number; at: number }>(`
    SELECT r.meter, r.quantity, r.at, r.scaled, r.real FROM unnest($1::int[], $2::int2[], $3::int8[]) AS k(meter, quantity, at)
    JOIN register_reading r ON r.meter = k.meter AND r.quantity = k.quantity AND r.at = k.at`,
  [keys.map((k) => k.meter), keys.map((k) => k.quantity.id), keys.map((k) => k.at)]);
  const steps = new Map(keys.map((k) => [k.quantity.id, k.quantity.steps]));
  const found = await chunkValues(client, 'register_reading', keys.filter((k) => closed.has(floorTo(k.at, dayMs))));
  for (const r of rows.rows) found.set(keyOf(r.meter, r.quantity, r.at), valueOf(r, steps.get(r.quantity) ?? 1));
  return found;
}

/** What new register reads on the grid add: the intervals they close, under any stage already written. */
async function addIntervals(client: PoolClient, fresh: readonly Row[], closed: ReadonlySet<number>, parts: RollupParts): Promise<void> {
  const reads = fresh.filter((r) => r.at % intervalMs === 0);
  if (reads.length === 0) return;
  const stored = await registerValues(client, reads.flatMap((r) => [
    { meter: r.meter, quantity: r.quantity, at: r.at - intervalMs }, { meter: r.meter, quantity: r.quantity, at: r.at + intervalMs }]),
  closed);
  // An interval whose two reads are both new is found from each: counted once, by its end.
  const intervals = new Map<string, { meter: number; quantity: PgQuantity; end: number; raw: number }>();
  for (const read of reads) {
    const steps = read.quantity.steps;
    const before = stored.get(keyOf(read.meter, read.quantity.id, read.at - intervalMs));
    const after = stored.get(keyOf(read.meter, read.quantity.id, read.at + intervalMs));
    if (before !== undefined) {
      intervals.set(keyOf(read.meter, read.quantity.id, read.at),
        { meter: read.meter, quantity: read.quantity, end: read.at, raw: inSteps(read.value, steps) - inSteps(before, steps) });
    }
    if (after !== undefined) {
      intervals.set(keyOf(read.meter, read.quantity.id, read.at + intervalMs),
        { meter: read.meter, quantity: read.quantity, end: read.at + intervalMs, raw: inSteps(after, steps) - inSteps(read.value, steps) });
    }
  }
  if (intervals.size === 0) return;
  const list = [...intervals.values()];
  const overlays = await overlaysOf(client, list.map((i) => ({ meter: i.meter, quantity: i.quantity.id, end: i.end })));
  for (const i of list) {
    parts.add(i.meter, i.quantity.id, dayOfInterval(i.end),
      rawArrivalDelta(i.raw, overlays.get(keyOf(i.meter, i.quantity.id, i.end)), i.quantity.steps));
  }
}

export async function appendToPostgres(db: PostgresDb, snapshots: readonly Snapshot[]): Promise<AppendResult> {
  const meterIds = await db.meterIds(snapshots.map((s) => s.meter));
  const quantities = await db.quantities(snapshots.flatMap((s) => [...s.values.keys()]));
  await db.ensurePartitions(snapshots.map((s) => s.at));
  const now = db.clock.now();
  // The first reading of a key in the batch is the one stored; a later one is compared with it.
  const first = new Map<string, Row>();
  const repeats: Row[] = [];
  for (const s of snapshots) {
    const meter = meterIds.get(s.meter) ?? 0;
    for (const [code, value] of s.values) {
      const quantity = quantities.get(code);
      if (quantity === undefined) continue;
      const row = { meter, meterName: s.meter, quantity, at: s.at, value };
      const key = keyOf(meter, quantity.id, s.at);
      if (first.has(key)) repeats.push(row);
      else first.set(key, row);
    }
  }
  const rows = [...first.values()];
  // The days held for the transaction: each reading's, and for a register read on the grid the days of its neighbours.
  const days = new Set<number>();
  for (const r of rows) {
    days.add(floorTo(r.at, dayMs));
    if (r.quantity.register && r.at % intervalMs === 0) {
      days.add(floorTo(r.at - intervalMs, dayMs));
      days.add(floorTo(r.at + intervalMs, dayMs));
    }
  }
  return db.transaction(async (client) => {
    await db.lockMeters(client, rows.map((r) => r.meter));
    const closed = await db.closedDaysAmong(client, days);
    const registers = rows.filter((r) => r.quantity.register);
    const others = rows.filter((r) => !r.quantity.register);
    // A reading of a closed day may be in a chunk already: found there, it is not inserted again.
    const inChunks = new Map<string, number>();
    for (const [table, list] of [['register_reading', registers], ['reading', others]] as const) {
      const late = list.filter((r) => closed.has(floorTo(r.at, dayMs)));
      for (const [key, value] of await chunkValues(client, table, late)) inChunks.set(key, value);
    }
    const unchunked = (r: Row): boolean => !inChunks.has(keyOf(r.meter, r.quantity.id, r.at));
    const existing = new Map([...inChunks, ...await insertRows(client, 'register_reading', registers.filter(unchunked)),
      ...await insertRows(client, 'reading', others.filter(unchunked))]);
    const fresh = rows.filter((r) => !existing.has(keyOf(r.meter, r.quantity.id, r.at)));
    const conflicts: ReadingConflict[] = [];
    const conflictRows: { row: Row; stored: number }[] = [];
    let duplicate = 0;
    for (const row of [...rows.filter((r) => existing.has(keyOf(r.meter, r.quantity.id, r.at))), ...repeats]) {
      const key = keyOf(row.meter, row.quantity.id, row.at);
      const stored = existing.get(key) ?? first.get(key)?.value ?? row.value;
      if (stored === row.value) { duplicate++; continue; }
      conflictRows.push({ row, stored });
      conflicts.push({ meter: row.meterName, quantity: row.quantity.obis, at: row.at, stored, received: row.value, receivedAt: now });
    }
    if (conflictRows.length > 0) {
      await client.query(`INSERT INTO reading_conflict (meter, quantity, at, received, stored, received_at)
        SELECT * FROM unnest($1::int[], $2::int2[], $3::int8[], $4::float8[], $5::float8[], $6::int8[]) ON CONFLICT DO NOTHING`, [
        conflictRows.map((c) => c.row.meter), conflictRows.map((c) => c.row.quantity.id), conflictRows.map((c) => c.row.at),
        conflictRows.map((c) => c.row.value), conflictRows.map((c) => c.stored), conflictRows.map(() => now)]);
    }
    if (fresh.length > 0) {
      if (db.chunked) await addIntervalValues(client, fresh, closed);
      const parts = new RollupParts();
      // Readings of open days are rolled up when asked; of a closed day (late data), into its row.
      const readingsOf = fresh.filter((r) => !r.quantity.register);
      for (const r of readingsOf) {
        const day = floorTo(r.at, dayMs);
        if (closed.has(day)) parts.reading(r.meter, r.quantity.id, day, inSteps(r.value, r.quantity.steps));
      }
      await addIntervals(client, registers.filter((r) => !existing.has(keyOf(r.meter, r.quantity.id, r.at))), closed, parts);
      await parts.write(client);
    }
    return { inserted: fresh.length, duplicate, conflicting: conflicts.length, conflicts };
  });
}
