// Local calendar time in an IANA time zone, with Intl (Node 24 has no unflagged Temporal). Rating
// needs three things: the instant a local day starts, the local date and wall-clock minute of an
// instant, and a date's weekday. A day is the span between two local midnights, so the days on which
// daylight saving starts or ends are 23 or 25 hours long (92 or 100 quarter hours) by construction:
// nothing here assumes 24 hours. The offsets come from the platform's time zone database (IANA tzdb,
// the one ICU ships in Node), which holds each zone's rules, e.g. EU Directive 2000/84/EC Art. 2-3
// (last Sunday of March and of October at 01:00 UTC) and the US Energy Policy Act of 2005 §110
// (second Sunday of March, first Sunday of November, 02:00 local).
import { ValidationError } from '@phasewire/core';
import type { LocalDate } from './types.ts';

const minuteMs = 60_000;
const dayMs = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether the platform knows the IANA time zone. */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall clock at `instant` in the zone, read as if it were UTC (ms): the instant plus the zone's offset. */
function wallClock(instant: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(instant)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const { year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0 } = parts;
  return Date.UTC(year, month - 1, day, hour, minute, second) + (((instant % 1000) + 1000) % 1000);
}

/** The zone's offset from UTC at `instant`, ms (Berlin in summer: +7 200 000). */
export const offsetAt = (instant: number, timeZone: string): number => wallClock(instant, timeZone) - instant;

const datePattern = /^(\d{4})-(\d{2})-(\d{2})$/u;

/** The date's midnight as if it were UTC; throws PW_ERR_INVALID_ARGUMENT for a date that does not exist. */
export function utcOfDate(date: LocalDate): number {
  const match = datePattern.exec(date);
  const utc = match === null ? Number.NaN : Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  if (Number.isNaN(utc) || new Date(utc).toISOString().slice(0, 10) !== date) {
    throw new ValidationError('PW_ERR_INVALID_ARGUMENT',
      `Cannot read the date ${JSON.stringify(date)}: expected a calendar date YYYY-MM-DD`);
  }
  return utc;
}

export const isLocalDate = (date: string): boolean => {
  try {
    utcOfDate(date);
    return true;
  } catch {
    return false;
  }
};

const dateOfUtc = (utc: number): LocalDate => new Date(utc).toISOString().slice(0, 10);

export const addDays = (date: LocalDate, days: number): LocalDate => dateOfUtc(utcOfDate(date) + days * dayMs);

/** Whole days from `a` to `b` (negative when b is earlier). */
export const daysBetween = (a: LocalDate, b: LocalDate): number => Math.round((utcOfDate(b) - utcOfDate(a)) / dayMs);

/** 0 Sunday … 6 Saturday: a calendar date's weekday does not depend on the zone. */
export const weekdayOf = (date: LocalDate): number => new Date(utcOfDate(date)).getUTCDay();

/**
 * The first instant of the local day. Where a zone skips midnight itself (a change at 00:00, as some
 * zones have had), the day starts at the first instant that exists, the end of the gap.
 */
export function startOfDay(date: LocalDate, timeZone: string): number {
  const wall = utcOfDate(date);
  // The offsets a day before and after: one of them holds at midnight (no zone changes twice in a day).
  const candidates = [wall - offsetAt(wall - dayMs, timeZone), wall - offsetAt(wall + dayMs, timeZone)].sort((a, b) => a - b);
  const exact = candidates.find((c) => wallClock(c, timeZone) === wall);
  if (exact !== undefined) return exact;
  // In a gap: the clock jumps from before midnight to after it at the change, the later candidate.
  return candidates.find((c) => wallClock(c, timeZone) > wall) ?? wall - offsetAt(wall, timeZone);
}

/** The local date an instant falls on and its wall-clock minute of the day (0 … 1439). */
export function localDateTime(instant: number, timeZone: string): { readonly date: LocalDate; readonly minute: number } {
  const wall = wallClock(instant, timeZone);
  const day = Math.floor(wall / dayMs) * dayMs;
  return { date: dateOfUtc(day), minute: Math.floor((wall - day) / minuteMs) };
}
