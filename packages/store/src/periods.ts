// Time arithmetic of the store: the 15-minute interval grid and the UTC hours, days and months that
// rollups are kept for. Times are milliseconds since the Unix epoch (UTC), as `Reading.at`.
//
// An interval is named by its end: the interval ending at `t` covers (t − 15 min, t], and its
// energy is the register read at `t` minus the read at `t − 15 min` (a meter captures a load-profile
// entry when its capture period ends, so the entry's time closes the interval). It belongs to the
// hour, day and month that contain its start, so a day holds the 96 intervals ending 00:15 … 24:00.
// A reading of an instantaneous quantity belongs to the period that contains its time.

/** Length of a load-profile interval: 15 minutes. */
export const intervalMs = 15 * 60_000;
export const hourMs = 3_600_000;
export const dayMs = 86_400_000;
/** Intervals in a UTC day. */
export const intervalsPerDay = dayMs / intervalMs;

export type RollupPeriod = 'hour' | 'day' | 'month';
export const rollupPeriods: readonly RollupPeriod[] = ['hour', 'day', 'month'];

/** A half-open span of time [from, to), ms since the epoch. */
export interface TimeRange {
  readonly from: number;
  readonly to: number;
}

export const floorTo = (t: number, step: number): number => Math.floor(t / step) * step;

/** Start of the UTC month that contains `t`. */
export function monthStart(t: number): number {
  const date = new Date(t);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
}

/** Start of the UTC month after the one starting at (or containing) `t`. */
export function nextMonthStart(t: number): number {
  const date = new Date(t);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
}

/** Start of the period of the given kind that contains `t`. */
export function periodStart(period: RollupPeriod, t: number): number {
  switch (period) {
    case 'hour': return floorTo(t, hourMs);
    case 'day': return floorTo(t, dayMs);
    case 'month': return monthStart(t);
  }
}

/** End (exclusive) of the period of the given kind that starts at `start`. */
export function periodEnd(period: RollupPeriod, start: number): number {
  switch (period) {
    case 'hour': return start + hourMs;
    case 'day': return start + dayMs;
    case 'month': return nextMonthStart(start);
  }
}

/** The day (its start) that an interval ending at `end` belongs to. */
export const dayOfInterval = (end: number): number => floorTo(end - intervalMs, dayMs);

/** Starts of the periods of one kind whose start lies in [from, to), in order. */
export function periodStartsIn(period: RollupPeriod, range: TimeRange): number[] {
  const starts: number[] = [];
  let start = periodStart(period, range.from);
  if (start < range.from) start = periodEnd(period, start);
  for (; start < range.to; start = periodEnd(period, start)) starts.push(start);
  return starts;
}
