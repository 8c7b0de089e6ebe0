// The week EN 50160 judges, as an ISO 8601 week (`2026-W02`: Monday to Sunday, week 1 being the week
// that holds 4 January, ISO 8601-1:2019 §5.2.4.2) in a time zone the caller names: from the local
// midnight that begins its Monday to the one that begins the next Monday. A week across a daylight-saving
// change is 167 or 169 hours long, so it has 1002 or 1014 ten-minute intervals instead of 1008.
import { ValidationError } from '@phasewire/core';
import { addDays, isTimeZone, localDateTime, startOfDay, utcOfDate, weekdayOf } from '../billing/local-time.ts';
import type { Period } from '../types.ts';

export interface IsoWeek {
  readonly year: number;
  /** 1 … 52 or 53. */
  readonly week: number;
}

export interface WeekSpan extends Period {
  /** `YYYY-Www`. */
  readonly label: string;
  readonly timeZone: string;
  /** The local date of its Monday, YYYY-MM-DD. */
  readonly monday: string;
}

const pattern = /^(\d{4})-W(\d{2})$/u;
const pad = (n: number, width: number): string => String(n).padStart(width, '0');
const dateOf = (year: number, month: number, day: number): string => `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;

/** The Monday of ISO week 1 of `year`: the Monday on or before 4 January. */
function firstMonday(year: number): string {
  const jan4 = dateOf(year, 1, 4);
  return addDays(jan4, -((weekdayOf(jan4) + 6) % 7));
}

/** 52 or 53: the week that holds 28 December is the year's last (ISO 8601-1 §5.2.4.2), counted within the year. */
export const weeksInYear = (year: number): number =>
  Math.floor((utcOfDate(dateOf(year, 12, 28)) - utcOfDate(firstMonday(year))) / (7 * 86_400_000)) + 1;

export function parseIsoWeek(text: string): IsoWeek {
  const match = pattern.exec(text);
  const year = Number(match?.[1]);
  const week = Number(match?.[2]);
  if (match === null || year < 100 || year > 9998 || week < 1 || week > weeksInYear(year)) {
    // Years before 100 are refused (Date.UTC reads them as 1900 + year), and 9999 (its last week's zone lookups pass year 10000).
    const found = match === null ? 'the form differs' : year < 100 || year > 9998 ? 'years 0100 to 9998 are read'
      : `${year} has ${weeksInYear(year)} weeks`;
    throw new ValidationError('PW_ERR_INVALID_ARGUMENT', `Cannot read the week ${JSON.stringify(text)}: expected an ISO 8601 week `
      + `YYYY-Www whose week number exists in that year (e.g. 2026-W02; ${found})`);
  }
  return { year, week };
}

export const formatIsoWeek = (w: IsoWeek): string => `${pad(w.year, 4)}-W${pad(w.week, 2)}`;

/** The span of an ISO week in a time zone. */
export function weekSpan(week: IsoWeek, timeZone: string): WeekSpan {
  if (!isTimeZone(timeZone)) {
    throw new ValidationError('PW_ERR_INVALID_ARGUMENT', `Cannot place the week in time zone ${JSON.stringify(timeZone)}: `
      + 'expected an IANA time zone name (e.g. Europe/Berlin)');
  }
  const monday = addDays(firstMonday(week.year), 7 * (week.week - 1));
  return { label: formatIsoWeek(week), timeZone, monday, from: startOfDay(monday, timeZone), to: startOfDay(addDays(monday, 7), timeZone) };
}

/** The ISO week that holds the instant in the zone. */
export function isoWeekOf(instant: number, timeZone: string): IsoWeek {
  const { date } = localDateTime(instant, timeZone);
  const thursday = addDays(date, 3 - ((weekdayOf(date) + 6) % 7));
  const year = Number(thursday.slice(0, 4));
  return { year, week: Math.round((utcOfDate(thursday) - utcOfDate(firstMonday(year))) / (7 * 86_400_000)) + 1 };
}
