// The power-quality summary of one meter over a time range, as the API's /power-quality route
// returns it: the three unbalance figures, each labelled with the standard that defines it (they
// give different numbers for the same supply), current unbalance, neutral current, power factor per
// phase, THD, voltage events and, when the range holds a whole week, the EN 50160 weekly summary.
// Computed from the stored readings through the same interval analytics the alarms use.
//
// Figures over the range are the 95th percentile of the interval values (EN 50160:2010 judges
// unbalance and THD on 95 % of the 10-minute values of a week) with the maximum beside it; power
// factor is the mean. The EN 50160 summary is computed on the meter's own interval values (15 min
// here), not on 10-minute aggregates, and says so in `basis`.
import type { MeterId, ObisCode, Reading } from '@phasewire/core';
import type { MeterStore } from '@phasewire/store';
import type { TimeRange } from '@phasewire/store';
import { intervalAnalytics, type IntervalAnalytics } from '../analytics/interval-analytics.ts';
import { detectVoltageEvents } from '../analytics/voltage-events.ts';
import { weeklyCompliance, type WeeklyCompliance } from '../analytics/en50160.ts';
import type { MeterMetadata } from '../types.ts';
import { intervalSnapshots } from './interval-snapshots.ts';
import { analyticsQuantities } from './process-meter.ts';

export interface Figure {
  /** 95th percentile of the interval values; null without any. */
  readonly value: number | null;
  readonly max: number | null;
}

export interface PowerQualitySummary {
  readonly meter: MeterId;
  readonly from: number;
  readonly to: number;
  /** Intervals with values in the range. */
  readonly intervals: number;
  readonly unbalance: {
    readonly vuf: Figure & { readonly standard: 'IEC 61000-4-30 VUF' };
    readonly lvur: Figure & { readonly standard: 'NEMA MG 1 LVUR' };
    readonly pvur: Figure & { readonly standard: 'IEEE 112 PVUR' };
  };
  /** Largest deviation of a phase current from the average, over the average. */
  readonly currentUnbalance: Figure;
  /** A. */
  readonly neutralCurrent: Figure;
  /** Mean power factor per phase. */
  readonly powerFactor: { readonly l1: number | null; readonly l2: number | null; readonly l3: number | null };
  /** Per phase, ratios. */
  readonly thd: { readonly voltage: readonly [Figure, Figure, Figure]; readonly current: readonly [Figure, Figure, Figure] };
  readonly events: readonly { readonly kind: 'sag' | 'swell' | 'interruption'; readonly start: number; readonly end: number | null;
    readonly depth: number }[];
  readonly en50160: (WeeklyCompliance & { readonly basis: string }) | null;
}

const weekMs = 7 * 86_400_000;
/** 1970-01-01 was a Thursday: Mondays fall 4 days after a multiple of a week. */
const mondayOffsetMs = 4 * 86_400_000;

function figure(values: readonly (number | null | undefined)[]): Figure {
  const xs = values.filter((v): v is number => v !== null && v !== undefined && Number.isFinite(v)).sort((a, b) => a - b);
  if (xs.length === 0) return { value: null, max: null };
  // Nearest-rank percentile: the smallest value with at least 95 % of the values at or below it.
  return { value: xs[Math.max(0, Math.ceil(0.95 * xs.length) - 1)] ?? null, max: xs.at(-1) ?? null };
}

function mean(values: readonly (number | null)[]): number | null {
  const xs = values.filter((v): v is number => v !== null && Number.isFinite(v));
  return xs.length === 0 ? null : xs.reduce((s, x) => s + x, 0) / xs.length;
}

export async function powerQualitySummary(store: MeterStore, meta: MeterMetadata, range: TimeRange): Promise<PowerQualitySummary> {
  const reported = new Set<ObisCode>((await store.latest(meta.meter)).map((r) => r.quantity));
  const series = await Promise.all(analyticsQuantities.filter((q) => reported.has(q)).map((q) => store.readings(meta.meter, q, range)));
  const readings: Reading[] = series.flat();
  const analytics: IntervalAnalytics[] = intervalSnapshots(meta.meter, readings, meta.intervalMs).map((s) => intervalAnalytics(s));
  const rms = analytics.flatMap((a) => (a.voltages === null ? [] : [{ at: a.at, voltages: a.voltages }]));
  const events = detectVoltageEvents(rms, meta.nominalVoltage)
    .map((e) => ({ kind: e.kind, start: e.start, end: e.end, depth: e.kind === 'swell' ? e.extremeRatio - 1 : 1 - e.extremeRatio }));
  const phase =
    (k: 0 | 1 | 2, pick: (a: IntervalAnalytics) => readonly (number | null)[]): Figure => figure(analytics.map((a) => pick(a)[k]));
  const weekStart = Math.ceil((range.from - mondayOffsetMs) / weekMs) * weekMs + mondayOffsetMs;
  const en50160 = weekStart + weekMs <= range.to
    ? {
        ...weeklyCompliance(analytics.map((a) => ({
          at: a.at,
          ...(a.voltages === null ? {} : { voltages: a.voltages }),
          ...(a.vuf === null ? {} : { vuf: a.vuf.value }),
          ...(a.voltageThd.every((v) => v !== null) ? { voltageThd: a.voltageThd as [number, number, number] } : {}),
          ...(a.frequency === null ? {} : { frequency: a.frequency }),
        })), { weekStart, declaredVoltage: meta.nominalVoltage, nominalFrequency: meta.nominalFrequency,
          flagged: events.map((e) => ({ from: e.start, to: e.end ?? range.to })) }),
        basis: `${meta.intervalMs / 60_000}-minute interval values in place of 10-minute aggregates`,
      }
    : null;
  return {
    meter: meta.meter,
    from: range.from,
    to: range.to,
    intervals: analytics.length,
    unbalance: {
      vuf: { ...figure(analytics.map((a) => a.vuf?.value)), standard: 'IEC 61000-4-30 VUF' },
      lvur: { ...figure(analytics.map((a) => a.lvur?.value)), standard: 'NEMA MG 1 LVUR' },
      pvur: { ...figure(analytics.map((a) => a.pvur?.value)), standard: 'IEEE 112 PVUR' },
    },
    currentUnbalance: figure(analytics.map((a) => a.currentUnbalance?.maxDeviation)),
    neutralCurrent: figure(analytics.map((a) => a.neutralCurrent?.value)),
    powerFactor: { l1: mean(analytics.map((a) => a.powerFactor.phases[0])), l2: mean(analytics.map((a) => a.powerFactor.phases[1])),
      l3: mean(analytics.map((a) => a.powerFactor.phases[2])) },
    thd: {
      voltage: [phase(0, (a) => a.voltageThd), phase(1, (a) => a.voltageThd), phase(2, (a) => a.voltageThd)],
      current: [phase(0, (a) => a.currentThd), phase(1, (a) => a.currentThd), phase(2, (a) => a.currentThd)],
    },
    events,
    en50160,
  };
}
