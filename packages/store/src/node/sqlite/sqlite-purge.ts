// Retention for the SQLite store: removes, per data class, what lies before its cutoff. Chunks and
// rollups are keyed by meter first, so removal walks the meters and seeks each one's old rows rather
// than scanning the tables. Run after compaction, so nothing old is still in the recent table.
// (`compacted_day` keeps its rows: one per day, and a late reading for a purged day must still be
// checked against whatever chunks of that day remain.)
import type { DataClass } from '../../retention.ts';
import { monthStart } from '../../periods.ts';
import type { SqliteContext } from './sqlite-context.ts';
import { storedPeriod } from './sqlite-compaction.ts';

/** Meters per purge transaction. */
const metersPerPurge = 500;

/** `inTransaction` runs work in one write transaction, queued behind the store's other writes. */
export async function purgeSqlite(
  ctx: SqliteContext,
  cutoffs: Partial<Record<DataClass, number>>,
  inTransaction: <T>(work: () => T) => Promise<T>,
): Promise<number> {
  let removed = 0;
  const quantities = ctx.quantities();
  const { rawReadings, intervalData, rollups, audit } = cutoffs;
  const meters = ctx.meterIds();
  for (let first = 0; first < meters.length; first += metersPerPurge) {
    const group = meters.slice(first, first + metersPerPurge);
    removed += await inTransaction(() => {
      let n = 0;
      const chunks = ctx.stmt('DELETE FROM reading_chunk WHERE meter = ? AND quantity = ? AND start < ?');
      const stages = ctx.stmt('DELETE FROM interval_stage WHERE meter = ? AND quantity = ? AND end_at <= ?');
      const rows = ctx.stmt('DELETE FROM rollup WHERE meter = ? AND quantity = ? AND period = ? AND start < ?');
      for (const meter of group) {
        for (const q of quantities) {
          const cutoff = q.register ? intervalData : rawReadings;
          if (cutoff !== undefined) n += Number(chunks.run(meter, q.id, cutoff).changes);
          if (q.register && intervalData !== undefined) n += Number(stages.run(meter, q.id, intervalData).changes);
          if (rollups !== undefined) {
            n += Number(rows.run(meter, q.id, storedPeriod.day, rollups).changes);
            n += Number(rows.run(meter, q.id, storedPeriod.month, monthStart(rollups)).changes);
          }
        }
      }
      return n;
    });
  }
  if (audit !== undefined) {
    removed += await inTransaction(() => Number(ctx.stmt('DELETE FROM interval_change WHERE at < ?').run(audit).changes)
      + Number(ctx.stmt('DELETE FROM reading_conflict WHERE received_at < ?').run(audit).changes));
  }
  return removed;
}
