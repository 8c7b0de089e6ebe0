// The value each alarm type watches, from an interval's analytics, the time since the last reading,
// or a VEE run. A value the data cannot give is null, and a null leaves the alarm as it is: a meter
// with no load has no meaningful power factor or current unbalance.
import type { IntervalAnalytics } from '../analytics/interval-analytics.ts';
import type { FinalInterval, MeterMetadata } from '../types.ts';
import type { AlarmType } from './alarm-rules.ts';

export type AlarmMetrics = { readonly [T in AlarmType]?: number | null };

/** Below this share of the meter's largest current, current unbalance and power factor are not judged. */
export const minimumLoadShare = 0.05;
/** A phase below this share of Udin is lost: it counts for phase-loss, not for under-voltage. */
export const lostPhaseShare = 0.5;

export function metricsOf(a: IntervalAnalytics, meta: MeterMetadata): AlarmMetrics {
  const un = meta.nominalVoltage;
  const imax = meta.maxCurrent * meta.ctRatio;
  const ratios = a.voltages?.map((v) => v / un) ?? null;
  const present = ratios?.filter((r) => r >= lostPhaseShare) ?? [];
  const averageCurrent = a.currents === null ? 0 : (a.currents[0] + a.currents[1] + a.currents[2]) / 3;
  const loaded = averageCurrent >= minimumLoadShare * imax;
  return {
    'voltage-unbalance': a.vuf?.value ?? null,
    'current-unbalance': loaded ? (a.currentUnbalance?.maxDeviation ?? null) : null,
    'phase-loss': ratios === null ? null : Math.min(...ratios),
    'over-voltage': ratios === null ? null : Math.max(...ratios),
    'under-voltage': present.length === 0 ? null : Math.min(...present),
    'low-power-factor': loaded && a.powerFactor.total !== null ? Math.abs(a.powerFactor.total) : null,
    'neutral-overcurrent': a.neutralCurrent === null ? null : a.neutralCurrent.value / imax,
  };
}

/** Whole intervals since the last reading (0 when it is from the current interval). */
export function silenceOf(lastReadingAt: number | null, now: number, intervalMs: number): number | null {
  if (lastReadingAt === null) return null;
  return Math.max(0, Math.floor((now - lastReadingAt) / intervalMs));
}

/** Intervals of a VEE run that a rule rejected (now missing or estimated) or marked suspect. */
export function veeFailuresOf(intervals: readonly FinalInterval[]): number {
  return intervals.filter((i) =>
    i.quality === 'suspect' || i.provenance.some((e) => e.quality === 'missing' && e.rule !== 'VEE-GAP')).length;
}
