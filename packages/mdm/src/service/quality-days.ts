// Data quality per UTC day of one meter's energy register, as the API's /quality route returns it:
// the completeness (share of the day's intervals with a measured or validated value) and how many
// intervals were estimated, edited or failed (missing or suspect). From the store's interval view,
// so it follows VEE, late data and edits as they are written. Intervals before a meter's first
// reading are not its own: they are not counted as failed (a new meter's first day is not a
// failure before it was installed).
import { Q, type MeterId, type ObisCode } from '@phasewire/core';
import type { MeterStore } from '@phasewire/store';
import { dayMs, intervalsPerDay, type TimeRange } from '@phasewire/store';

export interface QualityDay {
  /** Start of the UTC day. */
  readonly day: number;
  /** Measured or validated intervals over the day's 96. */
  readonly completeness: number;
  readonly estimated: number;
  readonly edited: number;
  /** Missing or suspect. */
  readonly failed: number;
}

export interface QualityDayOptions {
  /** Intervals ending after this have not happened yet: they are not counted as failed (default: every interval counts). */
  readonly now?: number;
  readonly quantity?: ObisCode;
}

/** The days starting in [from, to) (both moved to whole UTC days). */
export async function qualityDays(
  store: MeterStore,
  meter: MeterId,
  range: TimeRange,
  options: QualityDayOptions = {},
): Promise<QualityDay[]> {
  const quantity = options.quantity ?? Q.activeEnergyImport;
  const now = options.now ?? Number.POSITIVE_INFINITY;
  const from = Math.floor(range.from / dayMs) * dayMs;
  const to = Math.ceil(range.to / dayMs) * dayMs;
  if (to <= from) return [];
  const intervals = await store.intervals(meter, quantity, { from, to });
  const begins = await firstReadingAt(store, meter, quantity, from, to);
  const days: QualityDay[] = [];
  for (let day = from; day < to; day += dayMs) {
    const inDay = intervals.filter((i) => i.end > day && i.end <= day + dayMs && i.end <= now && i.end > begins);
    const count = (...qualities: string[]): number => inDay.filter((i) => qualities.includes(i.quality)).length;
    days.push({ day, completeness: count('measured', 'validated') / intervalsPerDay, estimated: count('estimated'), edited: count('edited'),
      failed: count('missing', 'suspect') });
  }
  return days;
}

/**
 * The meter's first reading of `quantity` when it lies in [from, to) and the day before `from` holds
 * none (a meter that began in the range); otherwise −∞: every interval of the range is the meter's.
 * Intervals ending at or before it are not the meter's (the API's interval list leaves them out too).
 */
export async function firstReadingAt(store: MeterStore, meter: MeterId, quantity: ObisCode, from: number, to: number): Promise<number> {
  if ((await store.readings(meter, quantity, { from: from - dayMs, to: from })).length > 0) return Number.NEGATIVE_INFINITY;
  const [first] = await store.readings(meter, quantity, { from, to });
  return first === undefined ? Number.NEGATIVE_INFINITY : first.at;
}
