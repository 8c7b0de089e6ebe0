// The weekly power-quality report's values as CSV (RFC 4180, the helpers of csv-export.ts): one row
// per ten-minute interval of the week (or per reading where the readings are coarser), in time order,
// with the values EN 50160 judges and the events that flag the interval. An interval without data
// has empty value fields. Columns are fixed and listed in docs/power-quality.md.
import type { WeeklyPqReport } from '@phasewire/mdm';
import { csvDocument, csvText } from './csv-export.ts';
import { localIso } from './time-zone.ts';

export const powerQualityCsvColumns = [
  'meter', 'week', 'start_utc', 'end_utc', 'start_local', 'end_local', 'readings', 'voltage_l1_v', 'voltage_l2_v', 'voltage_l3_v',
  'unbalance_vuf', 'thd_l1', 'thd_l2', 'thd_l3', 'frequency_min_hz', 'frequency_max_hz', 'flags',
] as const;

const utc = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');
/** Smallest and largest by a loop: a spread of an interval's readings overflows the stack past some 100 000 (1-ms readings). */
const extremes = (xs: readonly number[]): [number, number] => {
  let low = Number.POSITIVE_INFINITY;
  let high = Number.NEGATIVE_INFINITY;
  for (const x of xs) {
    if (x < low) low = x;
    if (x > high) high = x;
  }
  return [low, high];
};
const number = (x: number | null | undefined, steps: number): string =>
  (x === null || x === undefined ? '' : String(Math.round(x * steps) / steps));

export function powerQualityCsv(report: WeeklyPqReport): string {
  const rows: string[][] = [[...powerQualityCsvColumns]];
  for (const i of report.intervals) {
    const f = i.frequencies;
    const [fMin, fMax] = extremes(f);
    rows.push([
      csvText(report.meter), report.week, utc(i.start), utc(i.end), localIso(report.timeZone, i.start), localIso(report.timeZone, i.end),
      String(i.readings), ...i.voltages.map((v) => number(v, 100)), number(i.unbalance, 1e6), ...i.thd.map((t) => number(t, 1e6)),
      f.length === 0 ? '' : number(fMin, 1000), f.length === 0 ? '' : number(fMax, 1000), i.flags.join(' '),
    ]);
  }
  return csvDocument(rows);
}
