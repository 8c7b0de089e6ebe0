// The plan of a billing period: which tariff version applies on which local days, where each local
// day starts, and which ToU bucket each interval of the period falls in. It depends only on the
// tariff versions and the period, never on a meter's data, so it is made once (with Intl, a few
// calls per day) and shared by every meter billed on that tariff for that period: rating a meter is
// then array indexing. An interval is slot k when it ends at from + (k + 1) × intervalMs; it falls
// in the window that holds its start instant, read as local wall time (on the day clocks go back
// the hour 02:00–03:00 comes twice and both fall in the same window).
import { ValidationError } from '@phasewire/core';
import { addDays, daysBetween, localDateTime, offsetAt, startOfDay, utcOfDate, weekdayOf } from './local-time.ts';
import { bucketsOf } from './parse-tariff.ts';
import type { BillingPeriod, DayType, LocalDate, Season, Tariff, TouWindow } from './types.ts';

const minuteMs = 60_000;
const dayMs = 86_400_000;
/** Ten years: a plan holds a few typed arrays per interval (1000 years took 46 s and 35 million slots). */
const maxPeriodDays = 3660;

export interface PlanPart {
  readonly tariff: Tariff;
  readonly start: LocalDate;
  readonly end: LocalDate;
  readonly from: number;
  readonly to: number;
  readonly days: number;
  /** Slots [firstSlot, firstSlot + slotCount) of the period. */
  readonly firstSlot: number;
  readonly slotCount: number;
  /** The version's buckets: a slot's bucket is an index into this list (windows' order, then the default). */
  readonly buckets: readonly string[];
}

export interface PeriodPlan {
  readonly tariffs: readonly Tariff[];
  readonly period: BillingPeriod;
  readonly from: number;
  readonly to: number;
  readonly days: number;
  readonly intervalMs: number;
  readonly slotCount: number;
  /** Per slot: the index of its part. */
  readonly partOf: Uint16Array;
  /** Per slot: the index of its bucket in its part's `buckets` (0 when the version has no schedule). */
  readonly bucketOf: Uint16Array;
  readonly parts: readonly PlanPart[];
}

const notEffective = (message: string): never => {
  throw new ValidationError('PW_ERR_TARIFF_NOT_EFFECTIVE', message);
};

/** The version in effect on a day: the highest version whose effective dates hold it (a later version supersedes an open-ended one). */
function versionOn(tariffs: readonly Tariff[], day: LocalDate): Tariff | undefined {
  let best: Tariff | undefined;
  for (const t of tariffs) {
    const started = daysBetween(t.effectiveFrom, day) >= 0;
    const ended = t.effectiveTo !== undefined && daysBetween(t.effectiveTo, day) >= 0;
    if (started && !ended && (best === undefined || t.version > best.version)) best = t;
  }
  return best;
}

function checkVersions(tariffs: readonly Tariff[]): void {
  const [first] = tariffs;
  if (first === undefined) notEffective('Cannot bill without a tariff: expected at least one tariff version');
  const byVersion = new Map<number, Tariff>();
  for (const t of tariffs) {
    // Two different versions under one number: which one applies would depend on the order they were given in.
    if ((byVersion.get(t.version) ?? t) !== t) {
      notEffective(`Cannot bill on two different versions numbered ${t.version} of tariff ${t.id}: expected each version number once`);
    }
    byVersion.set(t.version, t);
    for (const key of ['id', 'currency', 'timeZone'] as const) {
      if (t[key] !== first?.[key]) {
        notEffective(`Cannot bill on versions of different tariffs: version ${t.version} has ${key} ${t[key]}, `
          + `expected ${first?.[key]} as version ${first?.version}`);
      }
    }
  }
}

const inSeason = (season: Season, monthDay: string): boolean =>
  (season.from <= season.to ? monthDay >= season.from && monthDay <= season.to : monthDay >= season.from || monthDay <= season.to);

const minuteOf = (time: string): number => Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));

const inWindow = (from: number, to: number, minute: number): boolean =>
  (from < to ? minute >= from && minute < to : minute >= from || minute < to);

/** The windows that can apply on a day, with their bounds in minutes of the day. */
function windowsOfDay(tariff: Tariff, day: LocalDate): { readonly bucket: number; readonly from: number; readonly to: number }[] {
  const schedule = tariff.schedule;
  if (schedule === undefined) return [];
  const buckets = new Map([...bucketsOf(schedule)].map((bucket, index) => [bucket, index]));
  const weekday = weekdayOf(day);
  const dayType: DayType = schedule.holidays.includes(day) ? 'holiday' : weekday === 0 || weekday === 6 ? 'weekend' : 'weekday';
  const monthDay = day.slice(5);
  const seasons = new Set(schedule.seasons.filter((s) => inSeason(s, monthDay)).map((s) => s.id));
  const applies = (w: TouWindow): boolean =>
    w.dayTypes.includes(dayType) && (w.seasons === undefined || w.seasons.some((s) => seasons.has(s)));
  return schedule.windows.filter(applies).map((w) => ({ bucket: buckets.get(w.bucket) ?? 0, from: minuteOf(w.from), to: minuteOf(w.to) }));
}

function buildPlan(tariffs: readonly Tariff[], period: BillingPeriod, intervalMs: number): PeriodPlan {
  checkVersions(tariffs);
  // A whole number of intervals in every demand window (15 and 30 min), and at most 1 440 a day.
  if (!Number.isInteger(intervalMs) || intervalMs < minuteMs || 900_000 % intervalMs !== 0) {
    throw new ValidationError('PW_ERR_BILLING_INPUT', `Cannot bill on intervals of ${intervalMs} ms: expected a whole number of ms `
      + 'of at least a minute that divides 15 minutes (900000, 300000, 60000)');
  }
  const days = daysBetween(period.start, period.end);
  if (days <= 0 || days > maxPeriodDays) {
    throw new ValidationError('PW_ERR_BILLING_INPUT', `Cannot bill the period ${period.start} to ${period.end}: expected an end `
      + `after the start and at most ${maxPeriodDays} days (ten years) later`);
  }
  const timeZone = (tariffs[0] as Tariff).timeZone;
  const dayStarts: number[] = [];
  for (let d = 0; d <= days; d++) dayStarts.push(startOfDay(addDays(period.start, d), timeZone));
  const from = dayStarts[0] as number;
  const to = dayStarts[days] as number;
  if (from % intervalMs !== 0) {
    throw new ValidationError('PW_ERR_BILLING_INPUT', `Cannot bill in ${timeZone} on ${intervalMs} ms intervals: its local midnight `
      + `${new Date(from).toISOString()} is not on the interval grid`);
  }
  const slotCount = (to - from) / intervalMs;
  // Up to one part a day: more than 255 in a long period.
  const partOf = new Uint16Array(slotCount);
  const bucketOf = new Uint16Array(slotCount);
  const parts: PlanPart[] = [];
  let partStart = 0;
  for (let d = 0; d < days; d++) {
    const day = addDays(period.start, d);
    const tariff = versionOn(tariffs, day) ?? notEffective(`Cannot bill ${period.start} to ${period.end} on tariff `
      + `${tariffs[0]?.id}: no version given is in effect on ${day}`);
    const dayFrom = dayStarts[d] as number;
    const dayTo = dayStarts[d + 1] as number;
    const nextDay = addDays(day, 1);
    const isLastOfPart = d === days - 1 || versionOn(tariffs, nextDay) !== tariff;
    const windows = windowsOfDay(tariff, day);
    const defaultBucket = tariff.schedule === undefined ? 0 : bucketsOf(tariff.schedule).size - 1;
    // A day without a change of offset maps minute to instant by addition; a DST day asks Intl per interval. A day that
    // starts at the end of a gap over midnight (America/Santiago, 01:00) has one offset but is short: it asks Intl too.
    const steady = dayTo - dayFrom === dayMs && offsetAt(dayFrom, timeZone) === offsetAt(dayTo - 1, timeZone);
    for (let start = dayFrom; start < dayTo; start += intervalMs) {
      const slot = (start - from) / intervalMs;
      partOf[slot] = parts.length;
      const minute = steady ? (start - dayFrom) / minuteMs : localDateTime(start, timeZone).minute;
      bucketOf[slot] = windows.find((w) => inWindow(w.from, w.to, minute))?.bucket ?? defaultBucket;
    }
    if (isLastOfPart) {
      const firstSlot = ((dayStarts[partStart] as number) - from) / intervalMs;
      parts.push({
        tariff, start: addDays(period.start, partStart), end: nextDay, from: dayStarts[partStart] as number, to: dayTo,
        days: d + 1 - partStart, firstSlot, slotCount: (dayTo - (dayStarts[partStart] as number)) / intervalMs,
        buckets: tariff.schedule === undefined ? [] : [...bucketsOf(tariff.schedule)],
      });
      partStart = d + 1;
    }
  }
  return { tariffs, period, from, to, days, intervalMs, slotCount, partOf, bucketOf, parts };
}

const cache = new WeakMap<Tariff, Map<string, PeriodPlan>>();
const cachePerTariff = 64;

/**
 * The plan of a period on the given tariff versions, remembered per tariff object (the same tariff
 * and period for 10 000 meters is planned once). Deterministic: the cache only saves the work.
 */
export function planPeriod(tariffs: Tariff | readonly Tariff[], period: BillingPeriod, intervalMs = 900_000): PeriodPlan {
  const list = Array.isArray(tariffs) ? tariffs as readonly Tariff[] : [tariffs as Tariff];
  utcOfDate(period.start);
  utcOfDate(period.end);
  const key = `${period.start}/${period.end}/${intervalMs}`;
  const first = list[0];
  const entries = first === undefined ? undefined : cache.get(first) ?? new Map<string, PeriodPlan>();
  const known = entries?.get(key);
  if (known !== undefined && known.tariffs.length === list.length && known.tariffs.every((t, i) => t === list[i])) return known;
  const plan = buildPlan(list, period, intervalMs);
  if (first !== undefined && entries !== undefined) {
    if (entries.size >= cachePerTariff) entries.delete(entries.keys().next().value as string);
    entries.set(key, plan);
    cache.set(first, entries);
  }
  return plan;
}
