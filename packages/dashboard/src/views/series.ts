// Loads the per-phase series of a chart: raw readings for short ranges, the server's rollups
// (average = sum / count) for long ones, so a year is 365 points per phase, not 35,040.
import type { ApiClient, Range } from '../api/client.ts';
import { timeSeries } from '../lib/energy.ts';

export type RangeKey = 'day' | 'week' | 'month' | 'year';

export const ranges: readonly { readonly key: RangeKey; readonly label: string; readonly ms: number }[] = [
  { key: 'day', label: '24 h', ms: 86_400_000 },
  { key: 'week', label: '7 days', ms: 7 * 86_400_000 },
  { key: 'month', label: '30 days', ms: 30 * 86_400_000 },
  { key: 'year', label: '1 year', ms: 365 * 86_400_000 },
];

export function rangeOf(key: RangeKey, nowMs: number): Range {
  const ms = ranges.find((r) => r.key === key)?.ms ?? 86_400_000;
  return { from: new Date(nowMs - ms).toISOString(), to: new Date(nowMs).toISOString() };
}

/** Aligned data for uPlot: one x column (epoch seconds) and one column per quantity. */
export async function loadSeries(
  api: ApiClient,
  meter: string,
  quantities: readonly string[],
  key: RangeKey,
  range: Range,
): Promise<(number | null)[][]> {
  const columns = await Promise.all(quantities.map(async (q) => {
    if (key === 'day' || key === 'week') return timeSeries((await api.readings(meter, q, range)).points);
    const points = await api.rollups(meter, q, key === 'month' ? 'hour' : 'day', range);
    return timeSeries(points.filter((p) => p.count > 0).map((p) => [p.start, p.sum / p.count] as const));
  }));
  return align(columns);
}

/** Joins several sorted (x, y) columns on their x values; a column without a point at x gets null. */
export function align(columns: readonly { readonly x: readonly number[]; readonly y: readonly (number | null)[] }[]): (number | null)[][] {
  const xs = [...new Set(columns.flatMap((c) => c.x))].sort((a, b) => a - b);
  const at = new Map(xs.map((x, k) => [x, k]));
  const ys = columns.map((c) => {
    const out: (number | null)[] = new Array<number | null>(xs.length).fill(null);
    c.x.forEach((x, k) => {
      const i = at.get(x);
      if (i !== undefined) out[i] = c.y[k] ?? null;
    });
    return out;
  });
  return [xs, ...ys];
}

/**
 * Appends one live point (x in epoch seconds, one value per column) to aligned chart data, keeping
 * the window's length in time: points older than `windowSeconds` before x fall off the front. A
 * point not after the last one is ignored (the feed can repeat the latest reading).
 */
export function appendPoint(
  data: readonly (readonly (number | null)[])[],
  x: number,
  ys: readonly (number | null)[],
  windowSeconds: number,
): (number | null)[][] {
  const [xs = [], ...columns] = data;
  const last = xs.at(-1);
  if (last !== undefined && last !== null && x <= last) return data.map((c) => [...c]);
  let drop = 0;
  while (drop < xs.length && (xs[drop] ?? x) < x - windowSeconds) drop += 1;
  return [[...xs.slice(drop), x], ...columns.map((c, k) => [...c.slice(drop), ys[k] ?? null])];
}
