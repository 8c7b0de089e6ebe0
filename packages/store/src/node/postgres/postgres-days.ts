// Rollups of readings other than energy registers (voltage, current, power …) on PostgreSQL. Keeping
// a day and a month row current for every reading would write two rollup rows per reading; instead a
// day is rolled up in one set-based statement when maintain() closes it, and a day still open is
// rolled up from its readings when asked (a day of one meter is at most a few hundred rows). A
// reading that arrives for a closed day is added to its rows at once (postgres-ingest.ts).
import type { PoolClient } from 'pg';
import type { Aggregate } from '../../aggregates.ts';
import { dayMs, floorTo, type TimeRange } from '../../periods.ts';
import { aggregateReadings } from '../../rollup-compute.ts';
import type { PgQuantity, PostgresDb } from './postgres-db.ts';
import { dayLockNamespace } from './postgres-migrate.ts';
import { storedPeriod } from './postgres-ingest.ts';
import { valueOf, type StoredRow } from './postgres-values.ts';

/** Closes one day: its readings' aggregates into day and month rows. */
async function closeDay(db: PostgresDb, client: PoolClient, day: number): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock($1, $2)', [dayLockNamespace, day / dayMs]);
  const closed = await client.query('SELECT 1 FROM closed_day WHERE day = $1', [day]);
  if ((closed.rowCount ?? 0) > 0) return;
  // A value in steps: `scaled`, or `real` times the steps for a value off the resolution (scaling.ts).
  for (const [period, start] of [[storedPeriod.day, day],
    [storedPeriod.month, Date.UTC(new Date(day).getUTCFullYear(), new Date(day).getUTCMonth(), 1)]] as const) {
    await client.query(`INSERT INTO rollup (meter, quantity, period, start, n, measured, sum, min, max)
      SELECT r.meter, r.quantity, $1, $2, count(*), 0, sum(v), min(v), max(v)
      FROM (SELECT meter, quantity, coalesce(scaled::float8, real * q.steps) AS v FROM reading r JOIN quantity q ON q.id = r.quantity
        WHERE at >= $3 AND at < $4) AS r
      GROUP BY r.meter, r.quantity
      ON CONFLICT (meter, quantity, period, start) DO UPDATE SET n = rollup.n + excluded.n, sum = rollup.sum + excluded.sum,
        min = LEAST(rollup.min, excluded.min), max = GREATEST(rollup.max, excluded.max)`, [period, start, day, day + dayMs]);
  }
  await client.query('INSERT INTO closed_day (day) VALUES ($1)', [day]);
  // A closed day's interval across the fleet is read from its chunks and rows (postgres-reads.ts).
  if (db.chunked) await client.query('DELETE FROM interval_values WHERE at >= $1 AND at < $2', [day, day + dayMs]);
}

/** Closes every day that ended at least `closeAfterMs` before `now`; returns how many it closed. */
export async function closeSettledDays(db: PostgresDb, now: number, closeAfterMs: number): Promise<number> {
  const [last] = await db.query<{ day: number | null }>('SELECT max(day) AS day FROM closed_day');
  let day: number;
  if (last?.day === null || last?.day === undefined) {
    const [first] = await db.query<{ at: number | null }>('SELECT min(at) AS at FROM reading');
    if (first?.at === null || first?.at === undefined) return 0;
    day = floorTo(first.at, dayMs);
  } else {
    day = last.day + dayMs;
  }
  let closed = 0;
  // A settled day before the last closed one whose readings came after it closed its successors (a
  // backlog, or one worker's older batch committed after another's newer day was closed) is closed
  // too: the walk below starts after the last closed day and would leave it open for ever. Rows of
  // closed days move into chunks, so the rows scanned here are the open days' and late ones.
  const skipped = await db.query<{ day: number }>(`SELECT DISTINCT r.at - r.at % ${dayMs} AS day FROM reading r
    WHERE r.at < $1 AND NOT EXISTS (SELECT 1 FROM closed_day c WHERE c.day = r.at - r.at % ${dayMs}) ORDER BY day`, [day]);
  for (const { day: late } of skipped) {
    await db.transaction((client) => closeDay(db, client, late));
    closed++;
  }
  for (; day + dayMs + closeAfterMs <= now; day += dayMs) {
    await db.transaction((client) => closeDay(db, client, day));
    closed++;
  }
  return closed;
}

/** Day aggregates (steps) of the open days in `range` of one meter and quantity, from its readings. */
export async function openDayAggregates(
  db: PostgresDb,
  meter: number,
  quantity: PgQuantity,
  range: TimeRange,
): Promise<Map<number, Aggregate>> {
  const from = floorTo(range.from, dayMs);
  const closedRows = await db.query<{ day: number }>('SELECT day FROM closed_day WHERE day >= $1 AND day < $2', [from, range.to]);
  const closed = new Set(closedRows.map((r) => r.day));
  const aggregates = new Map<number, Aggregate>();
  // Contiguous open days are read in one query.
  for (let day = from; day < range.to;) {
    if (closed.has(day)) { day += dayMs; continue; }
    let end = day;
    while (end < range.to && !closed.has(end)) end += dayMs;
    const rows = await db.query<StoredRow & { at: number }>('SELECT at, scaled, real FROM reading WHERE meter = $1 AND quantity = $2 AND '
      + 'at >= $3 AND at < $4 ORDER BY at', [meter, quantity.id, day, end]);
    const part = aggregateReadings('day', rows.map((r) => r.at), rows.map((r) => valueOf(r, quantity.steps)), quantity.steps);
    for (const [start, a] of part) aggregates.set(start, a);
    day = end;
  }
  return aggregates;
}
