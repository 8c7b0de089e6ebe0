// Estimation of a run of missing intervals. Short runs (at most `linearMaxIntervals`) are
// interpolated linearly between the values on either side (EST-LINEAR); longer ones take the shape
// of the same weekday in past weeks (EST-LIKE-DAY), since a straight line through six hours of a
// working day misses the lunchtime peak. When the register delta across the run is known the shape
// is scaled to it exactly (distribute.ts); without one the shape's own values are the estimate, and
// the provenance says so.
import type { EstimationMethod, Finding } from '../types.ts';
import { dayMs } from '../grid.ts';
import type { VeeParameters } from '../vee/parameters.ts';
import type { WeekdayProfile } from '../vee/weekday-profile.ts';
import type { WorkingInterval } from '../vee/working-interval.ts';
import { distribute, roundToResolution } from './distribute.ts';

export interface GapRun {
  /** Consecutive missing intervals, in time order. */
  readonly intervals: readonly WorkingInterval[];
  /** Energy over the whole run from the register, Wh; null when not known. */
  readonly registerDelta: number | null;
  /** Values of the intervals just before and after the run, when they have one. */
  readonly before: number | null;
  readonly after: number | null;
}

interface Shape {
  readonly method: EstimationMethod;
  readonly values: readonly number[];
  readonly basis: string;
}

export function estimateRun(run: GapRun, profile: WeekdayProfile, p: VeeParameters): Finding[] {
  const n = run.intervals.length;
  if (n === 0) return [];
  const shape = n <= p.linearMaxIntervals ? linearShape(run) : likeDayShape(run, profile, p);
  const values = run.registerDelta === null
    ? roundToResolution(shape.values, p.resolutionWh)
    : distribute(shape.values, run.registerDelta, p.resolutionWh);
  const constraint = run.registerDelta === null
    ? 'no register delta known across the gap: not scaled'
    : `scaled to the register delta ${run.registerDelta} Wh over ${n} interval${n === 1 ? '' : 's'}`;
  const findings: Finding[] = [];
  run.intervals.forEach((interval, i) => {
    const value = values[i] ?? 0;
    const reason = `${shape.basis}, ${constraint}`;
    interval.provenance.push({ rule: shape.method, from: interval.value, to: value, quality: 'estimated', reason });
    interval.value = value;
    interval.quality = 'estimated';
    interval.method = shape.method;
    findings.push({ rule: shape.method, at: interval.at, action: 'estimate', reason });
  });
  return findings;
}

function linearShape(run: GapRun): Shape {
  const n = run.intervals.length;
  const a = run.before ?? run.after;
  const b = run.after ?? run.before;
  if (a === null || b === null) {
    return { method: 'EST-LINEAR', values: new Array<number>(n).fill(1), basis: 'no neighbouring values: shared evenly' };
  }
  const values = run.intervals.map((_, i) => a + ((b - a) * (i + 1)) / (n + 1));
  return { method: 'EST-LINEAR', values, basis: `linear between ${a} Wh and ${b} Wh` };
}

/**
 * The mean of the same weekday and time of day over the past `likeDayWeeks` weeks; where those are
 * missing, the same time of day on any of the past seven days; where that is missing too, the mean
 * of the values found; with nothing at all, an even share.
 */
function likeDayShape(run: GapRun, profile: WeekdayProfile, p: VeeParameters): Shape {
  let weekdays = 0;
  let anyDay = 0;
  const found = run.intervals.map((interval) => {
    const same = profile.sameWeekday(interval.at, p.likeDayWeeks);
    if (same.length > 0) {
      weekdays++;
      return mean(same);
    }
    const recent: number[] = [];
    for (let d = 1; d <= 7; d++) {
      const value = profile.get(interval.at - d * dayMs);
      if (value !== undefined) recent.push(value);
    }
    if (recent.length > 0) {
      anyDay++;
      return mean(recent);
    }
    return undefined;
  });
  const known = found.filter((x): x is number => x !== undefined);
  if (known.length === 0) {
    return { method: 'EST-LIKE-DAY', values: new Array<number>(run.intervals.length).fill(1),
      basis: 'no like days in the history: shared evenly' };
  }
  const fill = mean(known);
  const values = found.map((x) => x ?? fill);
  const missing = run.intervals.length - weekdays - anyDay;
  const parts = [`mean of the same weekday in up to ${p.likeDayWeeks} past weeks for ${weekdays} interval${weekdays === 1 ? '' : 's'}`];
  if (anyDay > 0) parts.push(`the same time on the past 7 days for ${anyDay}`);
  if (missing > 0) parts.push(`the mean of those for ${missing}`);
  return { method: 'EST-LIKE-DAY', values, basis: parts.join(', ') };
}

const mean = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
