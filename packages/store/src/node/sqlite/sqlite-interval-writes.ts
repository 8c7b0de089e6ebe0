// Validated and final interval values, written with their provenance inside the caller's write
// transaction. Each write that changes a stage updates `interval_stage`, appends one entry to the
// change log, and adds the change of the interval's contribution (old value to new) to its stored
// day and month rollups, so rollups follow VEE and edits at once. The meter's state row is written
// too: it records up to which interval end stages exist.
import { contributionDelta, intervalContribution } from '../../intervals.ts';
import type { IntervalWrite, IntervalWriteResult, Provenance } from '../../meter-store.ts';
import { dayOfInterval, intervalMs } from '../../periods.ts';
import type { IntervalOverlay } from '../../quality.ts';
import { inSteps } from '../../scaling.ts';
import { addToStoredDay } from './sqlite-compaction.ts';
import type { SqliteContext } from './sqlite-context.ts';
import { qualityCode, stagesOf } from './sqlite-stages.ts';

export function writeIntervals(ctx: SqliteContext, writes: readonly IntervalWrite[], provenance: Provenance): IntervalWriteResult {
  const now = ctx.clock.now();
  const actor = provenance.kind === 'person' ? provenance.person : provenance.rule;
  const reason = provenance.reason ?? null;
  let written = 0;
  let unchanged = 0;
  for (const w of writes) {
    const meter = ctx.ensureMeter(w.meter);
    const quantity = ctx.ensureQuantity(w.quantity);
    const before = stagesOf(ctx, meter, quantity.id, w.end);
    const current = before?.[w.stage];
    if (current !== undefined && current.value === w.value && current.quality === w.quality) {
      unchanged++;
      continue;
    }
    const after: IntervalOverlay = { ...before, [w.stage]: { value: w.value, quality: w.quality } };
    const recentEnd = ctx.recentValue(meter, quantity, w.end);
    const recentStart = ctx.recentValue(meter, quantity, w.end - intervalMs);
    const end = recentEnd ?? ctx.compactedValue(meter, quantity, w.end);
    const start = recentStart ?? ctx.compactedValue(meter, quantity, w.end - intervalMs);
    const rawSteps = end === undefined || start === undefined ? undefined : inSteps(end, quantity.steps) - inSteps(start, quantity.steps);
    // A raw value counted by a recent read is added on read with the stages current then; the stored
    // row holds the interval as if it had no raw value (recent-contributions.ts).
    const stored = rawSteps !== undefined && (recentEnd !== undefined || recentStart !== undefined) ? undefined : rawSteps;
    const delta =
      contributionDelta(intervalContribution(stored, before, quantity.steps), intervalContribution(stored, after, quantity.steps));
    if (delta.n !== 0 || delta.sum !== 0) addToStoredDay(ctx, meter, quantity.id, dayOfInterval(w.end), delta);
    const column = w.stage === 'validated' ? 'validated' : 'final';
    ctx.stmt(`INSERT INTO interval_stage (meter, quantity, end_at, ${column}, ${column}_quality) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (meter, quantity, end_at) DO UPDATE SET ${column} = excluded.${column}, ${column}_quality = excluded.${column}_quality`)
      .run(meter, quantity.id, w.end, w.value, qualityCode(w.quality));
    ctx.stmt('INSERT INTO interval_change (meter, quantity, end_at, stage, value, quality, actor_kind, actor, reason, at) VALUES (?, ?, '
      + '?, ?, ?, ?, ?, ?, ?, ?)')
      .run(meter, quantity.id, w.end, w.stage, w.value, qualityCode(w.quality), provenance.kind, actor, reason, now);
    const state = ctx.state(meter);
    if ((state.writtenUntil.get(quantity.id) ?? -Infinity) < w.end) {
      state.writtenUntil.set(quantity.id, w.end);
      ctx.markDirty(meter);
    }
    written++;
  }
  return { written, unchanged };
}
