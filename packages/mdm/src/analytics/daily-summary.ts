// The day of one meter in figures: energy, maximum demand (15 and 30 minutes, block and sliding,
// each labelled), load factor, and the day's spread of the three-phase figures of its intervals.
import type { ThreePhase } from '@phasewire/core';
import { dayMs } from '../grid.ts';
import { loadFactor, maxDemand, type Demand, type EnergyInterval } from './demand.ts';
import type { IntervalAnalytics } from './interval-analytics.ts';
import type { VoltageEvent, VoltageEventKind } from './voltage-events.ts';

export interface Spread {
  readonly min: number;
  readonly mean: number;
  /** The 95th percentile (nearest rank), the figure EN 50160 limits are stated on. */
  readonly p95: number;
  readonly max: number;
  readonly count: number;
}

export interface DailySummary {
  readonly day: number;
  /** Sum of the day's final interval energies, Wh; null while one is missing. */
  readonly energy: number | null;
  readonly demand: {
    readonly block15: Demand | null;
    readonly block30: Demand | null;
    readonly sliding30: Demand | null;
  };
  /** Average power over the day divided by the 15-minute block maximum demand. */
  readonly loadFactor: number | null;
  readonly vuf: Spread | null;
  readonly lvur: Spread | null;
  readonly pvur: Spread | null;
  /** Of the current's maximum deviation from the average (NEMA style). */
  readonly currentUnbalance: Spread | null;
  readonly neutralCurrent: Spread | null;
  readonly powerFactor: { readonly phases: ThreePhase<Spread | null>; readonly total: Spread | null };
  readonly voltageThd: ThreePhase<Spread | null>;
  readonly currentThd: ThreePhase<Spread | null>;
  readonly events: Readonly<Record<VoltageEventKind, number>>;
}

export interface DailyInput {
  readonly day: number;
  readonly intervalMs: number;
  readonly energy: readonly EnergyInterval[];
  readonly analytics: readonly IntervalAnalytics[];
  readonly events?: readonly VoltageEvent[];
}

export function spreadOf(values: readonly (number | null | undefined)[]): Spread | null {
  const xs = values.filter((x): x is number => x !== null && x !== undefined && Number.isFinite(x)).sort((a, b) => a - b);
  if (xs.length === 0) return null;
  const rank = Math.max(0, Math.ceil(0.95 * xs.length) - 1);
  return {
    min: xs[0] as number,
    mean: xs.reduce((a, b) => a + b, 0) / xs.length,
    p95: xs[rank] as number,
    max: xs[xs.length - 1] as number,
    count: xs.length,
  };
}

export function dailySummary(input: DailyInput): DailySummary {
  const from = input.day;
  const to = input.day + dayMs;
  const energyIntervals = input.energy.filter((i) => i.at > from && i.at <= to);
  const expected = dayMs / input.intervalMs;
  const complete = energyIntervals.length === expected && energyIntervals.every((i) => i.value !== null);
  const energy = complete ? energyIntervals.reduce((sum, i) => sum + (i.value ?? 0), 0) : null;
  const demandOf = (minutes: number, method: 'block' | 'sliding'): Demand | null =>
    minutes * 60_000 < input.intervalMs ? null : maxDemand(energyIntervals, input.intervalMs, minutes * 60_000, method, from, to);
  const block15 = demandOf(15, 'block');
  const a = input.analytics.filter((x) => x.at > from && x.at <= to);
  const perPhase = (pick: (x: IntervalAnalytics) => ThreePhase<number | null>): ThreePhase<Spread | null> =>
    [spreadOf(a.map((x) => pick(x)[0])), spreadOf(a.map((x) => pick(x)[1])), spreadOf(a.map((x) => pick(x)[2]))];
  const events = { sag: 0, swell: 0, interruption: 0 };
  for (const e of input.events ?? []) if (e.start >= from && e.start < to) events[e.kind]++;
  return {
    day: input.day,
    energy,
    demand: { block15, block30: demandOf(30, 'block'), sliding30: demandOf(30, 'sliding') },
    loadFactor: energy === null ? null : loadFactor(energy, dayMs, block15),
    vuf: spreadOf(a.map((x) => x.vuf?.value)),
    lvur: spreadOf(a.map((x) => x.lvur?.value)),
    pvur: spreadOf(a.map((x) => x.pvur?.value)),
    currentUnbalance: spreadOf(a.map((x) => x.currentUnbalance?.maxDeviation)),
    neutralCurrent: spreadOf(a.map((x) => x.neutralCurrent?.value)),
    powerFactor: { phases: perPhase((x) => x.powerFactor.phases), total: spreadOf(a.map((x) => x.powerFactor.total)) },
    voltageThd: perPhase((x) => x.voltageThd),
    currentThd: perPhase((x) => x.currentThd),
    events,
  };
}
