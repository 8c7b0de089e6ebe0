// Where a meter page's time windows end: at the meter's latest reading, a time of the server's. The
// browser's clock is not the server's: a demo runs its meters on simulated time, hours ahead of the
// real one, and a week that ends at the browser's now held only the meter's first minutes (its
// unbalance a balanced 0.02 % beside an active 2.74 % alarm) or nothing at all. A meter that has
// sent nothing yet has no data to show: its windows end at the browser's now.
// The API's ranges are half-open, [from, to): a window ending at the latest reading's time left that
// reading out of every chart, so the windows end one millisecond after it.
import type { Range } from '../api/client.ts';

const dayMs = 86_400_000;

/** The end of the meter page's windows, ms: just after its latest reading, else `browserNow`. */
export function windowEnd(latestAt: string | null | undefined, browserNow: number): number {
  const at = latestAt === null || latestAt === undefined ? Number.NaN : Date.parse(latestAt);
  return Number.isFinite(at) ? at + 1 : browserNow;
}

export interface MeterWindows {
  /** Power quality and data quality. */
  readonly week: Range;
  /** Energy per day. */
  readonly days31: Range;
  /** Energy per month. */
  readonly days366: Range;
  /** The interval chart. */
  readonly days2: Range;
}

/** The windows of the meter page, each ending at `end` (windowEnd). */
export function meterWindows(end: number): MeterWindows {
  const back = (days: number): Range => ({ from: new Date(end - days * dayMs).toISOString(), to: new Date(end).toISOString() });
  return { week: back(7), days31: back(31), days366: back(366), days2: back(2) };
}
