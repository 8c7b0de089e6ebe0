// One MDM run for one meter, over the store port: VEE of the energy register over the late-data
// window, the alarms of late intervals (holes whose data has come: alarms/late-intervals.ts), the
// analytics of each new interval into the alarm engine, silence and VEE failures, and what to commit.
// The caller writes the intervals' stages (done here, idempotent: the store skips
// a write equal to what it holds) and then commits the returned watermark, slots, alarms and
// transitions in one transaction, so a crash before the commit repeats the run exactly.
import { Q, type MeterId, type ObisCode, type Snapshot } from '@phasewire/core';
import type { MeterStore } from '@phasewire/store';
import type { AlarmRecord, AlarmTransitionDraft, MdmCommit, MdmWatermark } from '@phasewire/store';
import { AlarmEngine } from '../alarms/alarm-engine.ts';
import type { AlarmConfig } from '../alarms/alarm-config.ts';
import { metricsOf, silenceOf, veeFailuresOf } from '../alarms/alarm-metrics.ts';
import type { AlarmTransition } from '../alarms/lifecycle/alarm-lifecycle.ts';
import { intervalAnalytics } from '../analytics/interval-analytics.ts';
import type { MeterMetadata, PastInterval } from '../types.ts';
import { runVee } from '../vee/run-vee.ts';
import type { VeeParameters } from '../vee/parameters.ts';
import { intervalAlarmTypes, judgeLateSegment } from '../alarms/late-intervals.ts';
import type { AlarmType } from '../alarms/alarm-rules.ts';
import { recordOfAlarm, slotOfRecord, slotRecord } from './alarm-records.ts';
import { fingerprintText, lateSegments, missingEnds, parseFingerprint } from './unjudged-intervals.ts';
import { veeWrites } from './vee-writes.ts';

export interface ProcessOptions {
  readonly alarms: AlarmConfig;
  /** How far back each run re-validates, so late data is taken in and estimates replaced (default 2 days). */
  readonly lateWindowMs: number;
  /** Weeks of stored intervals that feed the spike and like-day profiles (default 4). */
  readonly historyWeeks: number;
  /** How far back a meter's first run (or one after a long pause) feeds the alarms (default 6 h): older values raise no live alarm. */
  readonly analysisBacklogMs: number;
  readonly veeParameters?: Partial<VeeParameters>;
}

export const defaultProcessOptions: ProcessOptions =
  { alarms: {}, lateWindowMs: 2 * 86_400_000, historyWeeks: 4, analysisBacklogMs: 6 * 3_600_000 };

/** The quantities the interval analytics read (analytics/interval-analytics.ts). */
export const analyticsQuantities: readonly ObisCode[] = [
  Q.voltageL1, Q.voltageL2, Q.voltageL3, Q.voltageL1L2, Q.voltageL2L3, Q.voltageL3L1, Q.angleVoltageL2, Q.angleVoltageL3,
  Q.currentL1, Q.currentL2, Q.currentL3, Q.angleCurrentL1, Q.angleCurrentL2, Q.angleCurrentL3, Q.currentNeutral,
  Q.powerFactorL1, Q.powerFactorL2, Q.powerFactorL3, Q.powerFactor, Q.activePowerL1, Q.activePowerL2, Q.activePowerL3,
  Q.apparentPowerL1, Q.apparentPowerL2, Q.apparentPowerL3, Q.activePower, Q.apparentPower,
  Q.voltageThdL1, Q.voltageThdL2, Q.voltageThdL3, Q.currentThdL1, Q.currentThdL2, Q.currentThdL3, Q.frequency,
];

export interface MeterRun {
  readonly commit: MdmCommit;
  /** Whether VEE and analytics ran (false: only silence and escalation were looked at). */
  readonly processed: boolean;
  readonly intervalsWritten: number;
  /** The interval values written, by the rule that made each (`VEE`: passed every rule): the VEE outcomes. */
  readonly writtenByRule: ReadonlyMap<string, number>;
}

const energy = Q.activeEnergyImport;
const dayMs = 86_400_000;
const floorTo = (t: number, step: number): number => Math.floor(t / step) * step;

/** The meter's snapshots of the intervals ending in (from, to] (fleet-snapshots.ts reads them for the whole fleet at once). */
export type SnapshotSource = (meter: MeterId, from: number, to: number) => Promise<readonly Snapshot[]>;

export async function processMeter(
  store: MeterStore,
  meta: MeterMetadata,
  previous: MdmWatermark | undefined,
  upTo: number,
  options: ProcessOptions,
  snapshots: SnapshotSource,
): Promise<MeterRun> {
  const meter = meta.meter;
  const step = meta.intervalMs;
  const latest = await store.latest(meter);
  const lastAt = latest.reduce<number | null>((m, r) => (m === null || r.at > m ? r.at : m), null);
  const lastEnergyAt = latest.find((r) => r.quantity === energy)?.at ?? null;
  const data = await fingerprintOf(store, meter, lastAt, upTo, options.lateWindowMs);
  const storedSlots = await store.alarmSlots(meter);
  const engine = AlarmEngine.restore(options.alarms, { slots: storedSlots.map(slotOfRecord) });
  const transitions: AlarmTransition[] = [];
  let analysedUntil = previous?.analysedUntil ?? 0;
  let validatedUntil = previous?.validatedUntil ?? 0;
  let intervalsWritten = 0;
  let writtenByRule: ReadonlyMap<string, number> = new Map();
  const printed = parseFingerprint(previous?.fingerprint ?? '', step, Math.ceil(options.lateWindowMs / step));
  // Holes older than the late window are given up, as VEE gives up re-validating there.
  let holes = printed.holes.filter((t) => t > upTo - options.lateWindowMs);
  const changed = previous === undefined || printed.data !== data;
  // When data of the meter last arrived, backfilled readings included: a meter emptying its queue
  // after an outage is talking again, however old the readings it sends (meter-silent below).
  let heardAt = printed.heardAt;
  const before = lastAtOf(printed.data);
  if (previous !== undefined && lastAt !== null && (before === null || lastAt > before)) heardAt = upTo;

  if (changed) {
    // VEE of the energy register, up to its last read, over the late-data window.
    if (lastEnergyAt !== null) {
      const to = Math.min(floorTo(lastEnergyAt, step), floorTo(upTo, step));
      const from = floorTo(Math.min(validatedUntil === 0 ? to : validatedUntil, to) - options.lateWindowMs, step);
      if (to > from) {
        const written = await validate(store, meta, { from, to, newSince: validatedUntil }, upTo, options);
        intervalsWritten = written.count;
        writtenByRule = written.byRule;
        if (to > validatedUntil) {
          transitions.push(...engine.evaluate(meta, upTo, { 'vee-failure': written.failures }));
          validatedUntil = to;
        }
      }
    }
    // Late data: intervals passed over while later ones were judged, whose snapshot is here now.
    if (holes.length > 0) {
      const late = await judgeLate(store, engine, meta, holes, options, snapshots);
      transitions.push(...late.transitions);
      if (late.waiting.length < holes.length) heardAt = upTo;
      holes = late.waiting;
    }
    // Analytics of every interval since the last run, up to the last reading: an interval whose
    // end is past the last reading cannot have its snapshot yet and waits for the next run.
    if (lastAt !== null) {
      const analyseTo = Math.min(floorTo(lastAt, step), floorTo(upTo, step));
      const analyseFrom = Math.max(analysedUntil, floorTo(analyseTo - options.analysisBacklogMs, step));
      if (analyseTo > analyseFrom) {
        const found = await snapshots(meter, analyseFrom, analyseTo);
        for (const snapshot of found) {
          transitions.push(...engine.evaluate(meta, snapshot.at, metricsOf(intervalAnalytics(snapshot), meta)));
        }
        // Up to the newest snapshot: the intervals without one before it are holes, judged when
        // their data comes; those after it are simply not judged yet.
        const newest = found.at(-1)?.at;
        if (newest !== undefined) {
          holes = [...holes, ...missingEnds(found.map((s) => s.at), analyseFrom, newest, step)];
          analysedUntil = newest;
        }
      }
    }
  }
  const fingerprint = fingerprintText(data, holes, step, heardAt);
  const lastHeard = lastAt === null || heardAt === null ? lastAt : Math.max(lastAt, heardAt);
  transitions.push(...engine.evaluate(meta, upTo, { 'meter-silent': silenceOf(lastHeard, upTo, step) }));
  transitions.push(...engine.tick([meta], upTo));
  const commit = commitOf(engine, meter, transitions, { meter, analysedUntil, validatedUntil, fingerprint, updatedAt: upTo });
  // Only what moved is written: most runs change one or two slots of a meter's nine.
  const stored = new Map(storedSlots.map((r) => [r.type, r.state]));
  const slots = commit.slots.filter((r) => stored.get(r.type) !== r.state);
  return { commit: { ...commit, slots }, processed: changed, intervalsWritten, writtenByRule };
}

/** The run's result to commit: the meter's slots, the alarms that moved and their transitions. */
export function commitOf(
  engine: AlarmEngine,
  meter: MeterId,
  transitions: readonly AlarmTransition[],
  watermark: MdmWatermark | null,
): MdmCommit {
  const drafts: AlarmTransitionDraft[] = [];
  const alarms = new Map<string, AlarmRecord>();
  for (const t of transitions) {
    const record = recordOfAlarm(t.alarm);
    if (record === null) continue;
    drafts.push({ alarm: record, from: t.from, at: t.at, reason: t.reason });
    alarms.set(record.id, record);
  }
  // The latest state of each occurrence that moved, and of every active one (value and peak change without a transition).
  for (const slot of engine.state().slots) {
    const record = recordOfAlarm(slot.alarm);
    if (record !== null && slot.alarm.meter === meter && (alarms.has(record.id) || record.state !== 'cleared'))
      alarms.set(record.id, record);
  }
  return {
    watermarks: watermark === null ? [] : [watermark],
    slots: engine.state().slots.filter((s) => s.alarm.meter === meter).map(slotRecord),
    alarms: [...alarms.values()],
    transitions: drafts,
  };
}

/**
 * Judges the holes whose snapshot has arrived (alarms/late-intervals.ts), each run of consecutive
 * ones apart; returns their transitions and the holes still waiting for data.
 */
async function judgeLate(
  store: MeterStore,
  engine: AlarmEngine,
  meta: MeterMetadata,
  holes: readonly number[],
  options: ProcessOptions,
  snapshots: SnapshotSource,
): Promise<{ transitions: AlarmTransition[]; waiting: number[] }> {
  const step = meta.intervalMs;
  const wanted = new Set(holes);
  const found: Snapshot[] = [];
  for (const run of lateSegments(holes, [], step)) {
    const first = run.ends[0] ?? 0;
    found.push(...(await snapshots(meta.meter, first - step, run.ends.at(-1) ?? first)).filter((s) => wanted.has(s.at)));
  }
  if (found.length === 0) return { transitions: [], waiting: [...holes] };
  const byEnd = new Map(found.map((s) => [s.at, s]));
  const waiting = holes.filter((t) => !byEnd.has(t));
  // The recorded occurrences raised before the late data, newest first: one of a type that was
  // still open at a segment's start spans it (an occurrence clears only at a judged interval).
  const first = Math.min(...byEnd.keys());
  const records =
    await store.alarms({ state: 'all', meter: meta.meter, limit: 1000, after: { raisedAt: Math.max(...byEnd.keys()), id: '' } });
  const transitions: AlarmTransition[] = [];
  for (const segment of lateSegments([...byEnd.keys()], waiting, step)) {
    const start = segment.ends[0] ?? first;
    const covered = new Set<AlarmType>();
    for (const type of intervalAlarmTypes) {
      const spanning = records.find((r) => r.type === type && r.raisedAt < start);
      if (spanning !== undefined && (spanning.clearedAt === null || spanning.clearedAt > start)) covered.add(type);
    }
    const intervals = segment.ends.map((at) => ({ at, metrics: metricsOf(intervalAnalytics(byEnd.get(at) as Snapshot), meta) }));
    transitions.push(...judgeLateSegment(engine, options.alarms, meta, { intervals, resumeAt: segment.resumeAt, covered }));
  }
  return { transitions, waiting };
}

/** The latest reading time a fingerprint's data part was made with (fingerprintOf), null when none or unreadable. */
function lastAtOf(data: string): number | null {
  const head = data.split(':')[0] ?? '';
  return /^\d{1,15}$/.test(head) ? Number(head) : null;
}

/** Changes whenever a reading arrives for the meter, late ones within the window included. */
async function fingerprintOf(store: MeterStore, meter: MeterId, lastAt: number
  | null, upTo: number, lateWindowMs: number): Promise<string> {
  const from = floorTo(upTo - lateWindowMs, dayMs);
  const days = await store.rollups(meter, energy, 'day', { from, to: floorTo(upTo, dayMs) + dayMs });
  const measured = days.reduce((n, d) => n + (d.measured ?? 0), 0);
  return `${lastAt ?? 'none'}:${measured}`;
}

async function validate(
  store: MeterStore,
  meta: MeterMetadata,
  window: { from: number; to: number; newSince: number },
  now: number,
  options: ProcessOptions,
): Promise<{ count: number; failures: number; byRule: Map<string, number> }> {
  const { from, to } = window;
  const reads = (await store.readings(meta.meter, energy, { from, to: to + 1 })).map((r) => ({ at: r.at, value: r.value }));
  const past = await store.intervals(meta.meter, energy, { from: from - options.historyWeeks * 7 * dayMs, to: from });
  const history: PastInterval[] = past.filter((i) => i.value !== null).map((i) => ({ at: i.end, value: i.value, quality: i.quality }));
  // Where the meter's data begins: its installation when configured; else, when no register read
  // of it lies in the history weeks before the window, its first read (a new meter has no past to
  // estimate). A meter with reads before the window has its edge estimated as before.
  const readBefore = past.some((i) => i.raw !== null);
  const startsAt = meta.installedAt ?? (readBefore ? undefined : reads[0]?.at);
  const result = runVee({
    meta, reads, from, to, now, history, ...(startsAt === undefined ? {} : { startsAt }),
    ...(options.veeParameters === undefined ? {} : { parameters: options.veeParameters }),
  });
  const stored = await store.intervals(meta.meter, energy, { from, to });
  let count = 0;
  const byRule = new Map<string, number>();
  for (const group of veeWrites(meta.meter, energy, result.intervals, stored, now, to - options.lateWindowMs)) {
    const written = (await store.writeIntervals(group.writes, group.provenance)).written;
    count += written;
    const rule = group.provenance.kind === 'rule' ? group.provenance.rule : 'person';
    if (written > 0) byRule.set(rule, (byRule.get(rule) ?? 0) + written);
  }
  // The alarm judges the intervals this run added; older ones were judged when they were new.
  return { count, failures: veeFailuresOf(result.intervals.filter((i) => i.at > window.newSince)), byRule };
}
