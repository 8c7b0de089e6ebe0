// Local time in an IANA time zone for the exports: the wall clock of an instant, local days (a
// daylight-saving change day is 23 or 25 hours long), and the zone's DST rules in the bit layout of
// ESPI's LocalTimeParameters. Pure: the zone data comes from the runtime's Intl (ECMA-402), never
// from a table of our own.
import { ValidationError } from '@phasewire/core';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterOf(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (formatter === undefined) {
    try {
      formatter = new Intl.DateTimeFormat('en-US', {
        timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
        second: '2-digit',
      });
    } catch (error) {
      throw new ValidationError('PW_ERR_INVALID_ARGUMENT',
        `Cannot use time zone ${JSON.stringify(zone)}: it is not an IANA time zone name (e.g. Europe/Berlin)`, { cause: error });
    }
    formatters.set(zone, formatter);
  }
  return formatter;
}

/** Throws a ValidationError unless `zone` is a time zone the runtime knows. */
export function checkTimeZone(zone: string): void {
  formatterOf(zone);
}

/** The wall clock of an instant in a zone. */
export interface LocalParts {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

export function localParts(zone: string, at: number): LocalParts {
  const parts: Record<string, number> = {};
  for (const part of formatterOf(zone).formatToParts(new Date(at))) if (part.type !== 'literal') parts[part.type] = Number(part.value);
  return {
    year: parts['year'] ?? 0, month: parts['month'] ?? 0, day: parts['day'] ?? 0, hour: parts['hour'] ?? 0, minute: parts['minute'] ?? 0,
    second: parts['second'] ?? 0,
  };
}

/** The zone's offset from UTC at an instant, ms (Europe/Berlin in summer: +7 200 000). */
export function offsetMs(zone: string, at: number): number {
  const p = localParts(zone, at);
  const whole = at - (((at % 1000) + 1000) % 1000);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - whole;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** `2026-03-29T03:15:00+02:00`: the local wall clock of an instant with its offset (ISO 8601). */
export function localIso(zone: string, at: number): string {
  const p = localParts(zone, at);
  const offset = offsetMs(zone, at) / 60_000;
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const date = `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}`;
  return `${date}T${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** The instant a local wall-clock midnight begins (the first instant of the local day `y-m-d`). */
export function localMidnight(zone: string, year: number, month: number, day: number): number {
  const guess = Date.UTC(year, month - 1, day);
  // Two passes settle the offset on both sides of a change; a zone whose midnight itself is skipped
  // (none of the usual ones) would start the day at the first instant after the gap.
  let at = guess - offsetMs(zone, guess);
  at = guess - offsetMs(zone, at);
  return at;
}

/** The start of the local day after the one containing `at`. */
export function nextLocalMidnight(zone: string, at: number): number {
  const p = localParts(zone, at);
  const next = new Date(Date.UTC(p.year, p.month - 1, p.day + 1));
  return localMidnight(zone, next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate());
}

/** A daylight-saving change: the instant, and the offsets before and after it. */
interface Transition {
  readonly at: number;
  readonly before: number;
  readonly after: number;
}

const hourMs = 3_600_000;

/** The offset changes of a zone in a calendar year (UTC), found by hourly steps then bisection to the minute. */
export function transitions(zone: string, year: number): Transition[] {
  const found: Transition[] = [];
  const end = Date.UTC(year + 1, 0, 1);
  let previous = offsetMs(zone, Date.UTC(year, 0, 1));
  for (let t = Date.UTC(year, 0, 1) + hourMs; t <= end; t += hourMs) {
    const offset = offsetMs(zone, t);
    if (offset === previous) continue;
    let low = t - hourMs;
    let high = t;
    while (high - low > 60_000) {
      const mid = low + Math.floor((high - low) / 120_000) * 60_000;
      if (offsetMs(zone, mid) === previous) low = mid; else high = mid;
    }
    found.push({ at: high, before: previous, after: offset });
    previous = offset;
  }
  return found;
}

/** ESPI's "DST correction disabled" rule (usage.xsd, DstRuleType). */
export const dstRuleDisabled = 0xffff_ffff;

/** LocalTimeParameters of a zone for one year: standard offset, DST offset (s) and the two rules. */
export interface DstRules {
  /** Offset of standard time from UTC, seconds. */
  readonly tzOffset: number;
  /** What daylight saving adds, seconds (0 without DST). */
  readonly dstOffset: number;
  readonly dstStartRule: number;
  readonly dstEndRule: number;
}

/**
 * The rule of ESPI's DstRuleType (usage.xsd) for a change: bits 0–11 seconds, 12–16 hour, 17–19
 * day of week (Monday 1), 20–24 day of month (0: not used), 25–27 operator (2–6: first to fifth
 * occurrence of the weekday in the month, 7: the last), 28–31 month. The time is the local wall
 * clock just before the change (02:00 for the US spring change, 03:00 for the European autumn one).
 */
function ruleOf(zone: string, change: Transition): number {
  // The wall clock one minute before the change, plus that minute (transitions are found to the minute).
  const wall = localParts(zone, change.at - 60_000);
  const minutes = wall.hour * 60 + wall.minute + 1;
  const local = new Date(Date.UTC(wall.year, wall.month - 1, wall.day));
  const weekday = ((local.getUTCDay() + 6) % 7) + 1;
  const daysInMonth = new Date(Date.UTC(wall.year, wall.month, 0)).getUTCDate();
  const operator = wall.day + 7 > daysInMonth ? 7 : Math.ceil(wall.day / 7) + 1;
  return ((wall.month << 28) | (operator << 25) | (weekday << 17) | (Math.floor(minutes / 60) << 12) | ((minutes % 60) * 60)) >>> 0;
}

// A year's rules take an hourly scan of the year (~9 000 offset look-ups): found once per zone and year.
const rulesCache = new Map<string, DstRules>();

/** The zone's standard offset and DST rules as they apply in `year`. */
export function dstRules(zone: string, year: number): DstRules {
  const key = `${zone}|${year}`;
  let rules = rulesCache.get(key);
  if (rules === undefined) {
    rules = scanRules(zone, year);
    rulesCache.set(key, rules);
  }
  return rules;
}

function scanRules(zone: string, year: number): DstRules {
  const changes = transitions(zone, year);
  const start = changes.find((c) => c.after > c.before);
  const end = changes.find((c) => c.after < c.before);
  if (start === undefined || end === undefined) {
    const tzOffset = offsetMs(zone, Date.UTC(year, 0, 1)) / 1000;
    return { tzOffset, dstOffset: 0, dstStartRule: dstRuleDisabled, dstEndRule: dstRuleDisabled };
  }
  return {
    tzOffset: start.before / 1000, dstOffset: (start.after - start.before) / 1000, dstStartRule: ruleOf(zone, start),
    dstEndRule: ruleOf(zone, end),
  };
}
