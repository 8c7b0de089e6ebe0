// From a VEE run to the writes the store keeps: every interval's validated stage, and its final
// stage once it has settled (older than the late-data window), each with the rule that made the
// value. The run is reconciled with what the store holds first, so an estimate replaced by late
// data says EST-LATE-DATA and one replaced by a better estimate EST-REESTIMATE (vee/reconcile.ts).
// A final value a person wrote (quality `edited`) is never overwritten: edits outlive re-runs.
//
// Values that passed every rule are written under the actor `VEE` ("passed every rule"): the store
// needs an actor for every change, and no rule changed them.
import type { MeterId, ObisCode } from '@phasewire/core';
import type { IntervalValue } from '@phasewire/store';
import type { IntervalWrite, Provenance } from '@phasewire/store';
import type { IntervalQuality } from '@phasewire/store';
import type { FinalInterval } from '../types.ts';
import { reconcile } from '../vee/reconcile.ts';

export interface WriteGroup {
  readonly provenance: Provenance;
  readonly writes: readonly IntervalWrite[];
}

export const passActor = 'VEE';

const storedQuality = (quality: string): Exclude<IntervalQuality, 'measured'> =>
  (quality === 'measured' ? 'validated' : quality) as Exclude<IntervalQuality, 'measured'>;

/**
 * The writes of one channel's VEE result. `stored` is the store's view of the same intervals;
 * intervals ending at or before `finalUntil` get their final stage too.
 */
export function veeWrites(
  meter: MeterId,
  quantity: ObisCode,
  intervals: readonly FinalInterval[],
  stored: readonly IntervalValue[],
  now: number,
  finalUntil: number,
): WriteGroup[] {
  const storedAt = new Map(stored.map((s) => [s.end, s]));
  // The stored validated stage as the previous run's result (only where no person's final hides it).
  const previous: FinalInterval[] = [];
  for (const s of stored) {
    if (s.final !== null || s.quality === 'measured' || s.quality === 'edited') continue;
    previous.push({ at: s.end, value: s.value, quality: s.quality, raw: s.raw, provenance: [], history: [] });
  }
  const reconciled = reconcile(previous, intervals, now);
  const groups = new Map<string, { provenance: Provenance; writes: IntervalWrite[] }>();
  for (const interval of reconciled) {
    const last = interval.provenance.at(-1);
    const provenance: Provenance = last === undefined
      ? { kind: 'rule', rule: passActor, reason: 'passed every rule' }
      : { kind: 'rule', rule: last.rule, reason: last.reason };
    const key = `${provenance.rule}\u0000${provenance.reason ?? ''}`;
    let group = groups.get(key);
    if (group === undefined) { group = { provenance, writes: [] }; groups.set(key, group); }
    const base = { meter, quantity, end: interval.at, value: interval.quality === 'missing' ? null : interval.value,
      quality: storedQuality(interval.quality) };
    group.writes.push({ ...base, stage: 'validated' });
    if (interval.at <= finalUntil && storedAt.get(interval.at)?.quality !== 'edited') group.writes.push({ ...base, stage: 'final' });
  }
  return [...groups.values()];
}
