// The reading times the head-end stores: within a window around its own clock, so that a meter with
// an unset clock (t = 0), a runaway one (the year 2200) or a forged batch (a time beyond what a Date
// holds) stores nothing that the MDM and the API would then have to carry for ever. The past side is
// a fixed floor (no phasewire meter read before it), optionally tightened to a maximum age; it is
// wide because a meter's store-and-forward queue may hold readings from a long outage. The future
// side is narrow: a meter clock is synchronised by the head-end, and only a little drift is normal.
// Pure: the caller passes "now" from its clock.
import { ValidationError } from '@phasewire/core';
import type { MeterId, Snapshot } from '@phasewire/core';

export interface ReadingTimeWindow {
  /** No reading before this time, ms since the epoch (default 2020-01-01T00:00:00Z). */
  readonly earliest: number;
  /** Oldest reading accepted, ms before the head-end's clock (default Infinity: the floor alone). */
  readonly maxAgeMs: number;
  /** Newest reading accepted, ms after the head-end's clock (default 15 minutes). */
  readonly maxAheadMs: number;
}

export const defaultReadingTimeWindow: ReadingTimeWindow =
  { earliest: Date.UTC(2020, 0, 1), maxAgeMs: Number.POSITIVE_INFINITY, maxAheadMs: 15 * 60_000 };

/** The first and last time accepted at `now`. */
export function readingTimeBounds(now: number, window: ReadingTimeWindow): { from: number; to: number } {
  return { from: Math.max(window.earliest, now - window.maxAgeMs), to: now + window.maxAheadMs };
}

export interface TimeSplit {
  /** Snapshots within the window, in their order. */
  readonly kept: readonly Snapshot[];
  /** Snapshots outside it. */
  readonly refused: readonly Snapshot[];
  /** Readings (values) in the refused snapshots. */
  readonly refusedReadings: number;
}

/** Splits a batch's snapshots into those within the window around `now` and those outside it. */
export function splitByTime(snapshots: readonly Snapshot[], now: number, window: ReadingTimeWindow): TimeSplit {
  const { from, to } = readingTimeBounds(now, window);
  if (snapshots.every((s) => s.at >= from && s.at <= to)) return { kept: snapshots, refused: [], refusedReadings: 0 };
  const kept: Snapshot[] = [];
  const refused: Snapshot[] = [];
  let refusedReadings = 0;
  for (const snapshot of snapshots) {
    if (snapshot.at >= from && snapshot.at <= to) kept.push(snapshot);
    else { refused.push(snapshot); refusedReadings += snapshot.values.size; }
  }
  return { kept, refused, refusedReadings };
}

/** ECMA-262 §21.4.1.22: a Date holds ±8.64e15 ms; a time beyond it is shown as a number. */
const timeText = (ms: number): string => (Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : `${ms} ms after the epoch`);

/** The refusal of a batch's snapshots outside the window (PW_ERR_HEADEND_READING_TIME). */
export function readingTimeRefusal(meter: MeterId, split: TimeSplit, now: number, window: ReadingTimeWindow): ValidationError {
  const times = split.refused.map((s) => s.at);
  const first = Math.min(...times);
  const last = Math.max(...times);
  const found = times.length === 1 ? `its time ${timeText(first)} is`
    : `${times.length} snapshot times from ${timeText(first)} to ${timeText(last)} are`;
  const { from, to } = readingTimeBounds(now, window);
  const age =
    Number.isFinite(window.maxAgeMs) ? `, at most ${Math.round(window.maxAgeMs / 86_400_000)} days before the head-end's clock` : '';
  return new ValidationError('PW_ERR_HEADEND_READING_TIME',
    `Cannot store ${split.refusedReadings} readings of meter ${meter}: ${found} outside `
    + `${timeText(from)} to ${timeText(to)}; expected times from ${timeText(window.earliest)}${age} and at `
      + `most ${Math.round(window.maxAheadMs / 60_000)} minutes `
    + 'after the head-end\'s clock (is the meter\'s clock set?)');
}
