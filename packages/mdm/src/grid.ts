// The interval grid: interval ends are whole multiples of the interval length since the Unix epoch
// (UTC), so 15-minute intervals end at :00, :15, :30 and :45 and days start at 00:00 UTC.
import { ValidationError } from '@phasewire/core';

export const minuteMs = 60_000;
export const hourMs = 3_600_000;
export const dayMs = 86_400_000;
export const weekMs = 7 * dayMs;

/** Throws PW_ERR_VEE_INPUT unless the interval is a whole number of ms that divides a day. */
export function requireInterval(intervalMs: number): void {
  if (!Number.isInteger(intervalMs) || intervalMs <= 0 || dayMs % intervalMs !== 0) {
    throw new ValidationError('PW_ERR_VEE_INPUT', `Cannot use an interval of ${intervalMs} ms: expected a whole number of milliseconds `
      + `that divides a day (e.g. 900000 for 15 minutes)`);
  }
}

/** Throws PW_ERR_VEE_INPUT unless `from < to`, both on the grid. */
export function requireRange(what: string, from: number, to: number, intervalMs: number): void {
  if (!Number.isFinite(from) || !Number.isFinite(to) || from >= to || from % intervalMs !== 0 || to % intervalMs !== 0) {
    throw new ValidationError('PW_ERR_VEE_INPUT',
      `Cannot ${what} from ${from} to ${to}: expected a non-empty range whose ends are on the ${intervalMs} ms grid`);
  }
}

/** Throws PW_ERR_VEE_INPUT unless `value` is a finite number. */
export function requireFinite(what: string, value: number): void {
  if (!Number.isFinite(value)) {
    throw new ValidationError('PW_ERR_VEE_INPUT', `Cannot use ${what}: found ${value}, expected a finite number`);
  }
}

export const isOnGrid = (at: number, intervalMs: number): boolean => at % intervalMs === 0;

/** The nearest grid point to `at`. */
export const nearestGridPoint = (at: number, intervalMs: number): number => Math.round(at / intervalMs) * intervalMs;

/** Interval ends in (from, to], in order: the intervals that cover [from, to). */
export function intervalEnds(from: number, to: number, intervalMs: number): number[] {
  const ends: number[] = [];
  for (let at = from + intervalMs; at <= to; at += intervalMs) ends.push(at);
  return ends;
}

/** Start of the UTC day that contains the interval ending at `at` (an interval ending at 00:00 belongs to the day before). */
export const dayOfInterval = (at: number): number => Math.floor((at - 1) / dayMs) * dayMs;

/** Start of the UTC day that contains the instant `at`. */
export const dayOf = (at: number): number => Math.floor(at / dayMs) * dayMs;

/** The part of [a.from, a.to) that lies in [b.from, b.to), in ms. */
export function overlapMs(a: { readonly from: number; readonly to: number }, b: { readonly from: number; readonly to: number }): number {
  return Math.max(0, Math.min(a.to, b.to) - Math.max(a.from, b.from));
}

/** An instant as an ISO 8601 UTC string, for messages. */
export const iso = (at: number): string => (Number.isFinite(at) && Math.abs(at) <= 8.64e15 ? new Date(at).toISOString() : String(at));
