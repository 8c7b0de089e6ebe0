// The EN 50160 weekly power-quality report of one meter from its stored readings: the share of the
// week's 10-minute values within each limit of en50160-limits.ts, per phase where the limit is per
// phase, the dips, swells and interruptions of IEC 61000-4-30 found in the readings, and how much of
// the week the data covers. Pure: readings in, report out.
//
// Flagging (IEC 61000-4-30:2015 §4.7): a 10-minute value whose interval holds part of a dip, swell or
// interruption is flagged and left out of the unbalance, THD and frequency shares, so that one event
// is not counted twice (once as an event, once as a variation). The supply-voltage shares leave out
// only the intervals of interruptions, as EN 50160 §4.2.2.2 words it ("excluding periods with
// interruptions"): the dip and swell thresholds (90 %, 110 %) are the ends of the ±10 % band, so a
// 10-minute mean outside the band always holds a reading past a threshold, and leaving out every
// flagged interval would make the voltage shares 100 % whatever the supply did. Missing data is left
// out too: an interval with no reading of a quantity is not judged on it, and `coverage` says how
// much of the week the readings cover.
import { ValidationError } from '@phasewire/core';
import type { Phase } from '@phasewire/core';
import { detectVoltageEvents, iec61000430Thresholds } from '../analytics/voltage-events.ts';
import { overlapMs } from '../grid.ts';
import { en50160 } from './en50160-limits.ts';
import type { WeekSpan } from './iso-week.ts';
import { aggregate, readingSpacing, type AggregatedInterval, type PqReading, type Triple } from './ten-minute.ts';

export type PqEventKind = 'dip' | 'swell' | 'interruption';
export type CriterionQuantity = 'voltage' | 'voltage-all' | 'unbalance' | 'thd' | 'frequency' | 'frequency-all';

export interface PqCriterion {
  /** `voltage-L1`, `unbalance`, `frequency-all`, …: unique in the report. */
  readonly id: string;
  readonly quantity: CriterionQuantity;
  readonly phase: Phase | null;
  readonly clause: string;
  /** The band in words, with its numbers. */
  readonly limit: string;
  /** The band's ends in the quantity's unit (V, ratio, Hz); null where open. */
  readonly low: number | null;
  readonly high: number | null;
  /** Share of the judged values that must lie in the band. */
  readonly required: number;
  /** Which flagged intervals the share leaves out: every one, or those of interruptions (the supply voltage). */
  readonly excludes: 'flagged' | 'interruptions';
  /** Values judged: present and not left out. */
  readonly evaluated: number;
  readonly within: number;
  /** within / evaluated; null when nothing was judged. */
  readonly share: number | null;
  readonly min: number | null;
  readonly max: number | null;
  readonly pass: boolean | null;
}

export interface PqEvent {
  readonly kind: PqEventKind;
  /** Start of the first reading past the threshold (the event began within that reading). */
  readonly start: number;
  /** Start of the first reading back past the threshold and its hysteresis; null while it lasts at the end of the data. */
  readonly end: number | null;
  readonly durationMs: number | null;
  /** Residual voltage (the lowest RMS) of a dip or interruption, the highest RMS of a swell, V. */
  readonly extreme: number;
  /** `extreme` over the declared voltage. */
  readonly extremeRatio: number;
  /** Dip and interruption: 1 − residual / Udin (IEC 61000-4-30 §5.4.3 "depth"); swell: highest / Udin − 1. */
  readonly depth: number;
  readonly phases: readonly Phase[];
}

export interface PqInterval extends AggregatedInterval {
  /** The kinds of the events that flag it; empty when not flagged. */
  readonly flags: readonly PqEventKind[];
}

export interface WeeklyPqReport {
  readonly meter: string;
  readonly week: string;
  readonly timeZone: string;
  readonly from: number;
  readonly to: number;
  /** Udin, V, and the nominal frequency, Hz. */
  readonly declaredVoltage: number;
  readonly nominalFrequency: number;
  readonly resolution: {
    /** Spacing of the readings, ms; null with fewer than two. */
    readonly readingMs: number | null;
    /** Length of the values judged, ms: 10 minutes, or the readings' spacing when coarser. */
    readonly aggregationMs: number;
    readonly basis: string;
    /** What the readings cannot see. */
    readonly eventLimit: string;
  };
  readonly coverage: {
    readonly expectedIntervals: number;
    readonly intervalsWithData: number;
    readonly flaggedIntervals: number;
    /** intervalsWithData / expectedIntervals. */
    readonly share: number;
    readonly readings: number;
    /** Readings a complete week at `readingMs` has; null when the spacing is unknown. */
    readonly expectedReadings: number | null;
  };
  readonly criteria: readonly PqCriterion[];
  readonly events: readonly PqEvent[];
  readonly eventCounts: Readonly<Record<PqEventKind, number>>;
  /** Every criterion passes; false when one fails; null when none fails but one could not be judged. */
  readonly pass: boolean | null;
  readonly intervals: readonly PqInterval[];
}

export interface WeeklyReportInput {
  readonly meter: string;
  readonly week: WeekSpan;
  /** Udin, V (IEC 61000-4-30 §3.6: the declared input voltage; Un for a low-voltage supply). */
  readonly declaredVoltage: number;
  readonly nominalFrequency: number;
  /** The week's readings; any order, those outside (from, to] are ignored. */
  readonly readings: readonly PqReading[];
  /** The readings' spacing, ms; found from the readings when absent. */
  readonly readingMs?: number;
}

const phases: readonly Phase[] = ['L1', 'L2', 'L3'];
const tenMinutes = en50160.aggregationMs;
const percent = (ratio: number): string => `${Math.round(ratio * 1e4) / 100} %`;
const round2 = (x: number): number => Math.round(x * 100) / 100;

/** How long a dip to a 70 % residual must last inside one reading for the reading's RMS to fall below 90 %. */
function eventLimit(readingMs: number | null): string {
  if (readingMs === null) return 'fewer than two readings: no event resolution';
  // A dip to residual r lasting d of a reading of p shows as √((p − d + d·r²)/p), below 90 % when
  // d/p > (1 − 0.9²)/(1 − r²): for r = 0.7 that is 0.19/0.51 = 37.3 % of the reading.
  const share = (1 - 0.9 ** 2) / (1 - 0.7 ** 2);
  return `readings are RMS values over ${readingMs / 1000} s: IEC 61000-4-30 detects dips on half-cycle RMS values, these readings `
    + `see a dip only when it lowers a whole reading's RMS below 90 % (a dip to 70 % must last ${round2(share * readingMs / 1000)} s of `
    + `one reading); start, end and duration are known to ±${readingMs / 1000} s`;
}

function criterion(
  base: Omit<PqCriterion, 'excludes' | 'evaluated' | 'within' | 'share' | 'min' | 'max' | 'pass'>,
  values: readonly (number | null)[],
): PqCriterion {
  // Band ends as exact as their decimal figures (1.04 × 60 is 62.400000000000006 in binary).
  const low = base.low === null ? null : Math.round(base.low * 1e9) / 1e9;
  const high = base.high === null ? null : Math.round(base.high * 1e9) / 1e9;
  let evaluated = 0;
  let within = 0;
  let min: number | null = null;
  let max: number | null = null;
  for (const v of values) {
    if (v === null) continue;
    evaluated++;
    if ((low === null || v >= low) && (high === null || v <= high)) within++;
    min = min === null ? v : Math.min(min, v);
    max = max === null ? v : Math.max(max, v);
  }
  const share = evaluated === 0 ? null : within / evaluated;
  const excludes = base.quantity === 'voltage' || base.quantity === 'voltage-all' ? 'interruptions' : 'flagged';
  return { ...base, low, high, excludes, evaluated, within, share, min, max, pass: share === null ? null : share >= base.required };
}

function detectEvents(readings: readonly PqReading[], declared: number, readingMs: number): PqEvent[] {
  const samples = readings.flatMap((r) => {
    const v = r.voltages;
    const [a, b, c] = v ?? [null, null, null];
    return a !== null && b !== null && c !== null ? [{ at: r.at, voltages: [a, b, c] as const }] : [];
  });
  return detectVoltageEvents(samples, declared, iec61000430Thresholds).map((e) => ({
    kind: e.kind === 'sag' ? 'dip' : e.kind,
    start: e.start - readingMs,
    end: e.end === null ? null : e.end - readingMs,
    durationMs: e.durationMs,
    extreme: e.extreme,
    extremeRatio: e.extremeRatio,
    depth: e.kind === 'swell' ? e.extremeRatio - 1 : 1 - e.extremeRatio,
    phases: e.phases,
  } satisfies PqEvent)).sort((a, b) => a.start - b.start || a.kind.localeCompare(b.kind));
}

export function weeklyPqReport(input: WeeklyReportInput): WeeklyPqReport {
  const { week, declaredVoltage: un, nominalFrequency: fn } = input;
  if (!(un > 0) || !(fn > 0) || !(week.to > week.from)) {
    throw new ValidationError('PW_ERR_VEE_INPUT', `Cannot report power quality for Udin ${un} V, fn ${fn} Hz over `
      + `[${week.from}, ${week.to}): expected positive nominal values and a non-empty week`);
  }
  const readings = input.readings.filter((r) => r.at > week.from && r.at <= week.to).sort((a, b) => a.at - b.at);
  const readingMs = input.readingMs ?? readingSpacing(readings);
  if (readingMs !== null && !(readingMs > 0)) {
    throw new ValidationError('PW_ERR_VEE_INPUT',
      `Cannot report power quality with readings ${readingMs} ms apart: expected a positive spacing`);
  }
  const aggregationMs = readingMs === null || readingMs <= tenMinutes ? tenMinutes : readingMs;
  const basis = aggregationMs === tenMinutes
    ? `10-minute values, each the RMS of the readings ${readingMs === null ? '' : `(${readingMs / 1000} s apart) `}that end in it`
    : `${aggregationMs / 60_000}-minute readings, each taken as one value: the store holds nothing finer than 10 minutes`;

  const events = readingMs === null ? [] : detectEvents(readings, un, readingMs);
  // Each event flags the intervals its span [start, end) overlaps, found by index rather than by testing every pair.
  const aggregated = aggregate(readings, week.from, week.to, aggregationMs);
  const flagSets = aggregated.map(() => new Set<PqEventKind>());
  for (const e of events) {
    const span = { from: e.start, to: e.end ?? week.to };
    for (let k = Math.max(0, Math.floor((span.from - week.from) / aggregationMs)); k < aggregated.length; k++) {
      const i = aggregated[k];
      if (i === undefined || i.start >= span.to) break;
      if (overlapMs({ from: i.start, to: i.end }, span) > 0) flagSets[k]?.add(e.kind);
    }
  }
  const intervals: PqInterval[] = aggregated.map((i, k) => ({ ...i, flags: [...(flagSets[k] ?? [])].sort() }));
  const judged = intervals.filter((i) => i.readings > 0 && i.flags.length === 0);
  const voltageJudged = intervals.filter((i) => i.readings > 0 && !i.flags.includes('interruption'));
  const phase = (values: (i: PqInterval) => Triple, k: number, from = judged): (number | null)[] => from.map((i) => values(i)[k] ?? null);
  const frequencies = judged.flatMap((i) => i.frequencies);

  const v = en50160.voltage;
  const criteria: PqCriterion[] = [];
  phases.forEach((p, k) => {
    criteria.push(criterion({ id: `voltage-${p}`, quantity: 'voltage', phase: p, clause: v.clause,
      limit: `Un ± 10 % (${round2((1 - v.narrow.below) * un)} … ${round2((1 + v.narrow.above) * un)} V) for 95 % of the week`,
      low: (1 - v.narrow.below) * un, high: (1 + v.narrow.above) * un, required: v.narrow.share },
    phase((i) => i.voltages, k, voltageJudged)));
    criteria.push(criterion({ id: `voltage-all-${p}`, quantity: 'voltage-all', phase: p, clause: v.clause,
      limit: `Un +10 % / −15 % (${round2((1 - v.wide.below) * un)} … ${round2((1 + v.wide.above) * un)} V) always`,
      low: (1 - v.wide.below) * un, high: (1 + v.wide.above) * un, required: 1 }, phase((i) => i.voltages, k, voltageJudged)));
  });
  const u = en50160.unbalance;
  criteria.push(criterion({ id: 'unbalance', quantity: 'unbalance', phase: null, clause: u.clause,
    limit: `u2/u1 ≤ ${percent(u.limit)} for 95 % of the week`, low: null, high: u.limit, required: u.share },
  judged.map((i) => i.unbalance)));
  const t = en50160.thd;
  phases.forEach((p, k) => {
    criteria.push(criterion({ id: `thd-${p}`, quantity: 'thd', phase: p, clause: t.clause,
      limit: `THD ≤ ${percent(t.limit)} for 95 % of the week`, low: null, high: t.limit, required: t.share }, phase((i) => i.thd, k)));
  });
  const f = en50160.frequency;
  const scaled = fn === 50 ? '' : ` (EN 50160's 50 Hz bands scaled to ${fn} Hz)`;
  criteria.push(criterion({ id: 'frequency', quantity: 'frequency', phase: null, clause: f.clause,
    limit: `fn ± 1 % (${round2((1 - f.narrow.below) * fn)} … ${round2((1 + f.narrow.above) * fn)} Hz) for 99.5 % of a year, `
      + `judged on the week's readings${scaled}`,
    low: (1 - f.narrow.below) * fn, high: (1 + f.narrow.above) * fn, required: f.narrow.share }, frequencies));
  criteria.push(criterion({ id: 'frequency-all', quantity: 'frequency-all', phase: null, clause: f.clause,
    limit: `fn +4 % / −6 % (${round2((1 - f.wide.below) * fn)} … ${round2((1 + f.wide.above) * fn)} Hz) always${scaled}`,
    low: (1 - f.wide.below) * fn, high: (1 + f.wide.above) * fn, required: 1 }, frequencies));

  const withData = intervals.filter((i) => i.readings > 0).length;
  const pass = criteria.some((c) => c.pass === false) ? false : criteria.every((c) => c.pass === true) ? true : null;
  return {
    meter: input.meter, week: week.label, timeZone: week.timeZone, from: week.from, to: week.to,
    declaredVoltage: un, nominalFrequency: fn,
    resolution: { readingMs, aggregationMs, basis, eventLimit: eventLimit(readingMs) },
    coverage: {
      expectedIntervals: intervals.length, intervalsWithData: withData,
      flaggedIntervals: intervals.filter((i) => i.flags.length > 0).length, share: intervals.length === 0 ? 0 : withData / intervals.length,
      readings: readings.length, expectedReadings: readingMs === null ? null : Math.floor((week.to - week.from) / readingMs),
    },
    criteria,
    events,
    eventCounts: { dip: events.filter((e) => e.kind === 'dip').length, swell: events.filter((e) => e.kind === 'swell').length,
      interruption: events.filter((e) => e.kind === 'interruption').length },
    pass,
    intervals,
  };
}
