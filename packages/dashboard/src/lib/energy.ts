// Energy per day and per month from the server's rollups of the import register's interval
// energy: each rollup's sum is the energy of its period. Bars need x (epoch seconds) and y (kWh).
import type { Rollups } from '@phasewire/api';

export interface EnergyBars {
  readonly x: number[];
  readonly kWh: (number | null)[];
  /** Sum over the bars, Wh. */
  readonly totalWh: number;
}

export function energyBars(points: Readonly<Rollups['points']>): EnergyBars {
  const sorted = points
    .map((p) => ({ at: Date.parse(p.start) / 1000, sum: p.count > 0 && Number.isFinite(p.sum) ? p.sum : null }))
    .filter((p) => !Number.isNaN(p.at))
    .sort((a, b) => a.at - b.at);
  let totalWh = 0;
  for (const p of sorted) totalWh += p.sum ?? 0;
  return { x: sorted.map((p) => p.at), kWh: sorted.map((p) => (p.sum === null ? null : p.sum / 1000)), totalWh };
}

/** Series for a time chart from `[iso, value]` points: x in epoch seconds, sorted. */
export function timeSeries(points: readonly (readonly [string, number])[]): { x: number[]; y: (number | null)[] } {
  const rows = points
    .map(([iso, value]) => [Date.parse(iso) / 1000, Number.isFinite(value) ? value : null] as const)
    .filter(([at]) => !Number.isNaN(at))
    .sort((a, b) => a[0] - b[0]);
  return { x: rows.map((r) => r[0]), y: rows.map((r) => r[1]) };
}
