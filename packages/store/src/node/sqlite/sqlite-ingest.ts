// Appending readings to the SQLite store, inside a write transaction the caller holds. Each snapshot
// (one meter at one time) becomes one row of `reading_recent`, keyed by 15-minute slot first so
// interleaved meters append in key order. Whether a reading is new is decided from the meter's
// state: a reading newer than the quantity's latest cannot be stored yet, so in-order ingest never
// looks anything up; an older one is looked up where it would be (recent row or compacted chunk).
// Nothing but the reading is written: rollups take recent readings into account when read
// (recent-contributions.ts), and the meter's state row is brought up to date by compaction.
import type { Snapshot } from '@phasewire/core';
import { intervalMs } from '../../periods.ts';
import type { ReadingConflict } from '../../meter-store.ts';
import { raise, type MeterState } from './meter-state.ts';
import { encodeSnapshotText } from './snapshot-text.ts';
import type { QuantityEntry, SqliteContext } from './sqlite-context.ts';

/** Readings of one meter at one time: a snapshot, as the uplink delivers them. */
export type IngestGroup = Snapshot;

export interface IngestCounts {
  inserted: number;
  duplicate: number;
  conflicting: number;
  readonly conflicts: ReadingConflict[];
}

/** Reused for every snapshot: ingest allocates as little as it can per reading. */
const scratch = { ids: [] as number[], values: [] as number[], steps: [] as number[] };

export const emptyCounts = (): IngestCounts => ({ inserted: 0, duplicate: 0, conflicting: 0, conflicts: [] });

export function ingestGroups(ctx: SqliteContext, groups: Iterable<IngestGroup>, counts: IngestCounts): void {
  const now = ctx.clock.now();
  for (const group of groups) ingestGroup(ctx, group, counts, now);
}

function ingestGroup(ctx: SqliteContext, group: IngestGroup, counts: IngestCounts, now: number): void {
  const meter = ctx.ensureMeter(group.meter);
  const state = ctx.state(meter);
  const { at } = group;
  const slot = Math.floor(at / intervalMs);
  const off = at - slot * intervalMs;
  let recent: Map<number, number> | undefined;
  let recentLoaded = false;
  const ids = scratch.ids;
  const values = scratch.values;
  const steps = scratch.steps;
  ids.length = 0;
  values.length = 0;
  steps.length = 0;
  for (const [code, value] of group.values) {
    const quantity = ctx.ensureQuantity(code);
    const latestAt = state.latest.atOf(quantity.id);
    let stored: number | undefined;
    // latestAt is NaN when the quantity has no reading yet: the comparison is false and the reading new.
    if (at <= latestAt) {
      if (at === latestAt) {
        stored = state.latest.valueAt(quantity.id);
      } else {
        if (!recentLoaded) { recent = ctx.recentRow(slot, meter, off); recentLoaded = true; }
        stored = recent?.get(quantity.id) ?? ctx.compactedValue(meter, quantity, at);
      }
    }
    if (stored !== undefined) {
      if (stored === value) {
        counts.duplicate++;
      } else {
        counts.conflicting++;
        ctx.stmt('INSERT INTO reading_conflict (meter, quantity, at, received, stored, received_at) VALUES (?, ?, ?, ?, ?, ?) '
          + 'ON CONFLICT DO NOTHING')
          .run(meter, quantity.id, at, value, stored, now);
        counts.conflicts.push({ meter: group.meter, quantity: quantity.obis, at, stored, received: value, receivedAt: now });
      }
      continue;
    }
    counts.inserted++;
    ids.push(quantity.id);
    values.push(value);
    steps.push(quantity.steps);
    applyNewReading(state, quantity, at, value);
  }
  if (ids.length === 0) return;
  writeRecent(ctx, slot, meter, off, ids, values, steps, recentLoaded ? recent ?? null : undefined);
  ctx.hotSlots.add(slot);
}

/**
 * Inserts or extends the recent row of a meter at one time. `known` is the row as looked up (null:
 * looked up and absent; undefined: not looked up).
 */
function writeRecent(
  ctx: SqliteContext,
  slot: number,
  meter: number,
  off: number,
  ids: number[],
  values: number[],
  steps: number[],
  known: Map<number, number> | null | undefined,
): void {
  if (known === null || known === undefined) {
    ctx.queueRecent(slot, meter, off, encodeSnapshotText(ids, values, steps));
    return;
  }
  // Another batch stored other quantities of this snapshot: add ours to its row.
  for (const [id, value] of known) {
    ids.push(id);
    values.push(value);
    steps.push(ctx.stepsOfId(id));
  }
  ctx.stmt('UPDATE reading_recent SET vals = ? WHERE slot = ? AND meter = ? AND off = ?').run(encodeSnapshotText(ids, values, steps), slot,
    meter, off);
}

/** Updates the meter's state for a reading that was not stored before. */
function applyNewReading(state: MeterState, quantity: QuantityEntry, at: number, value: number): void {
  raise(state.latest, quantity.id, at, value);
  if (quantity.register && at % intervalMs === 0) raise(state.latestOnGrid, quantity.id, at, value);
}
