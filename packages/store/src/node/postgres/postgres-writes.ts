// Interval stage writes and retention for the PostgreSQL store. Every rollup row holds all of its
// data here (register reads are counted into them as they arrive, in rows or chunks alike), so a
// stage change adds the change of its interval's contribution to the stored day and month rows.
import type { PoolClient } from 'pg';
import { contributionDelta, intervalContribution } from '../../intervals.ts';
import type { IntervalWrite, IntervalWriteResult, Provenance } from '../../meter-store.ts';
import { dayMs, dayOfInterval, floorTo, intervalMs, monthStart, nextMonthStart } from '../../periods.ts';
import type { IntervalOverlay } from '../../quality.ts';
import type { DataClass } from '../../retention.ts';
import { inSteps } from '../../scaling.ts';
import { chunkTableOf, type ReadingTable } from './postgres-chunks.ts';
import type { PostgresDb } from './postgres-db.ts';
import { registerValues, RollupParts, storedPeriod } from './postgres-ingest.ts';
import { overlaysOf, qualityCode } from './postgres-values.ts';

export async function writeIntervalsPostgres(
  db: PostgresDb,
  writes: readonly IntervalWrite[],
  provenance: Provenance,
): Promise<IntervalWriteResult> {
  const meters = await db.meterIds(writes.map((w) => w.meter));
  const quantities = await db.quantities(writes.map((w) => w.quantity));
  const now = db.clock.now();
  const actor = provenance.kind === 'person' ? provenance.person : provenance.rule;
  const reason = provenance.reason ?? null;
  return db.transaction(async (client: PoolClient) => {
    await db.lockMeters(client, writes.map((w) => meters.get(w.meter) ?? 0));
    const closed = await db.closedDaysAmong(client, writes.flatMap((w) => [floorTo(w.end - intervalMs, dayMs), floorTo(w.end, dayMs)]));
    const parts = new RollupParts();
    let written = 0;
    let unchanged = 0;
    for (const w of writes) {
      const meter = meters.get(w.meter) ?? 0;
      const quantity = quantities.get(w.quantity);
      if (quantity === undefined) continue;
      const before: IntervalOverlay | undefined =
        (await overlaysOf(client, [{ meter, quantity: quantity.id, end: w.end }])).get(`${meter}/${quantity.id}/${w.end}`);
      const current = before?.[w.stage];
      if (current !== undefined && current.value === w.value && current.quality === w.quality) {
        unchanged++;
        continue;
      }
      const reads = await registerValues(client, [{ meter, quantity, at: w.end - intervalMs }, { meter, quantity, at: w.end }], closed);
      const start = reads.get(`${meter}/${quantity.id}/${w.end - intervalMs}`);
      const end = reads.get(`${meter}/${quantity.id}/${w.end}`);
      const rawSteps = start === undefined || end === undefined ? undefined : inSteps(end, quantity.steps) - inSteps(start, quantity.steps);
      const after: IntervalOverlay = { ...before, [w.stage]: { value: w.value, quality: w.quality } };
      const delta =
        contributionDelta(intervalContribution(rawSteps, before, quantity.steps), intervalContribution(rawSteps, after, quantity.steps));
      if (delta.n !== 0 || delta.sum !== 0) parts.add(meter, quantity.id, dayOfInterval(w.end), delta);
      const column = w.stage === 'validated' ? 'validated' : 'final';
      await client.query(`INSERT INTO interval_stage (meter, quantity, end_at, ${column}, ${column}_quality) VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (meter, quantity, end_at) DO UPDATE SET ${column} = excluded.${column}, ${column}_quality = excluded.${column}_quality`,
      [meter, quantity.id, w.end, w.value, qualityCode(w.quality)]);
      await client.query('INSERT INTO interval_change (meter, quantity, end_at, stage, value, quality, actor_kind, actor, reason, at) '
        + 'VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)',
        [meter, quantity.id, w.end, w.stage, w.value, qualityCode(w.quality), provenance.kind, actor, reason, now]);
      written++;
    }
    await parts.write(client);
    return { written, unchanged };
  });
}

/** Removes what lies before each cutoff: whole monthly partitions where it can, rows otherwise. */
export async function purgePostgres(db: PostgresDb, cutoffs: Partial<Record<DataClass, number>>): Promise<number> {
  let removed = 0;
  const count = async (sql: string, params: unknown[]): Promise<void> => { removed += (await db.pool.query(sql, params)).rowCount ?? 0; };
  const readings = async (table: ReadingTable, cutoff: number): Promise<void> => {
    if (!db.timescale) {
      for (const { name, month } of await db.partitions(table)) {
        if (nextMonthStart(month) > cutoff) continue;
        await db.pool.query(`DROP TABLE ${name}`);
        db.forgetPartition(month);
        removed++;
      }
    }
    await count(`DELETE FROM ${table} WHERE at < $1`, [cutoff]);
    // Chunks hold one UTC day each and cutoffs are starts of days: a chunk is wholly before the cutoff or not.
    await count(`DELETE FROM ${chunkTableOf(table)} WHERE start < $1`, [cutoff]);
  };
  const { rawReadings, intervalData, rollups, audit } = cutoffs;
  const earliest = Math.min(...[rawReadings, intervalData].filter((c): c is number => c !== undefined));
  // Only days never closed (before the first closed day) still have interval values this old.
  if (Number.isFinite(earliest)) await count('DELETE FROM interval_values WHERE at < $1', [earliest]);
  if (rawReadings !== undefined) await readings('reading', rawReadings);
  if (intervalData !== undefined) {
    await readings('register_reading', intervalData);
    await count('DELETE FROM interval_stage WHERE end_at <= $1', [intervalData]);
  }
  if (rollups !== undefined) {
    await count('DELETE FROM rollup WHERE period = $1 AND start < $2', [storedPeriod.day, rollups]);
    await count('DELETE FROM rollup WHERE period = $1 AND start < $2', [storedPeriod.month, monthStart(rollups)]);
  }
  if (audit !== undefined) {
    await count('DELETE FROM interval_change WHERE at < $1', [audit]);
    await count('DELETE FROM reading_conflict WHERE received_at < $1', [audit]);
  }
  return removed;
}
