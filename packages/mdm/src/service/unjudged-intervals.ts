// The intervals a run passed over for want of data while later ones were judged ("holes"), kept
// with the meter's watermark so that their data, when it arrives late, is judged then and only then
// (alarms/late-intervals.ts). They ride in the watermark's fingerprint, the service's own text: the
// store port stays as it is, and they are committed in the same transaction as the run's result,
// so a crash before the commit repeats the run, holes included, and one after it judges nothing twice.
//
// Fingerprint text: `<data>`, then optionally `|holes=<end>x<count>,…`, each item a run of `count`
// consecutive interval ends starting at `end` (milliseconds), and `|heard=<ms>`, the time of the run
// that last saw data of the meter arrive (a backfill of old readings counts: the meter is talking).
// A meter silent for hours that then backfills leaves one holes item, not one per interval.

/** At most this many runs of holes are kept; the oldest go first (they would soon leave the late window anyway). */
export const maxHoleRuns = 64;

export interface ParsedFingerprint {
  /** What the meter's data looked like (latest reading time and measured intervals). */
  readonly data: string;
  /** Interval ends passed over, ascending. */
  readonly holes: readonly number[];
  /** When data of the meter was last seen arriving (null: not recorded). */
  readonly heardAt: number | null;
}

const marker = '|holes=';
const heardMarker = '|heard=';

/** Reads the service's fingerprint text; anything it does not recognise as holes or a time counts as none. */
export function parseFingerprint(text: string, intervalMs: number, maxHoles: number): ParsedFingerprint {
  const heardCut = text.indexOf(heardMarker);
  const heardText = heardCut < 0 ? '' : text.slice(heardCut + heardMarker.length);
  const heardAt = /^\d{1,15}$/.test(heardText) ? Number(heardText) : null;
  const rest = heardCut < 0 ? text : text.slice(0, heardCut);
  const cut = rest.indexOf(marker);
  if (cut < 0) return { data: rest, holes: [], heardAt };
  const holes: number[] = [];
  for (const item of rest.slice(cut + marker.length).split(',')) {
    const match = /^(\d{1,15})x(\d{1,6})$/.exec(item);
    if (match === null) continue;
    const start = Number(match[1]);
    const count = Number(match[2]);
    for (let k = 0; k < count && holes.length < maxHoles; k++) holes.push(start + k * intervalMs);
  }
  return { data: rest.slice(0, cut), holes: [...new Set(holes)].sort((a, b) => a - b), heardAt };
}

/**
 * The fingerprint text of `data` with the holes, as runs of consecutive ends (the newest `maxHoleRuns`
 * of them), and the time data was last heard.
 */
export function fingerprintText(data: string, holes: readonly number[], intervalMs: number, heardAt: number | null = null): string {
  const heard = heardAt === null ? '' : `${heardMarker}${heardAt}`;
  const sorted = [...new Set(holes)].sort((a, b) => a - b);
  const runs: { start: number; count: number }[] = [];
  for (const end of sorted) {
    const last = runs.at(-1);
    if (last !== undefined && last.start + last.count * intervalMs === end) last.count++;
    else runs.push({ start: end, count: 1 });
  }
  if (runs.length === 0) return `${data}${heard}`;
  return `${data}${marker}${runs.slice(-maxHoleRuns).map((r) => `${r.start}x${r.count}`).join(',')}${heard}`;
}

/** Interval ends in (from, to] on the grid that are not among `present`. */
export function missingEnds(present: readonly number[], from: number, to: number, intervalMs: number): number[] {
  const have = new Set(present);
  const missing: number[] = [];
  for (let t = from + intervalMs; t <= to; t += intervalMs) if (!have.has(t)) missing.push(t);
  return missing;
}

/**
 * The filled holes as runs of consecutive interval ends, each with the first end after it that was
 * judged before (the next end that is not a hole still waiting for data).
 */
export function lateSegments(
  filled: readonly number[],
  waiting: readonly number[],
  intervalMs: number,
): { ends: number[]; resumeAt: number }[] {
  const still = new Set(waiting);
  const segments: { ends: number[]; resumeAt: number }[] = [];
  for (const end of [...filled].sort((a, b) => a - b)) {
    const last = segments.at(-1);
    if (last !== undefined && last.resumeAt === end) {
      last.ends.push(end);
      last.resumeAt = end + intervalMs;
    } else {
      segments.push({ ends: [end], resumeAt: end + intervalMs });
    }
  }
  for (const segment of segments) {
    while (still.has(segment.resumeAt)) segment.resumeAt += intervalMs;
  }
  return segments;
}
