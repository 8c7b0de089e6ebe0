// Data for the MDM tests: a metering point and a deterministic commercial load, so that every test
// can say exactly which energy each interval should hold.
import { amperes, hertz, parseMeterId, SeededRandom, volts, wattHours } from '@phasewire/core';
import type { MeterMetadata, RegisterRead } from '../types.ts';
import { dayMs, hourMs } from '../grid.ts';

/** Monday 2024-01-01 00:00 UTC. */
export const monday = Date.UTC(2024, 0, 1);
export const quarterHour = 900_000;

export function meterMeta(overrides: Partial<MeterMetadata> = {}): MeterMetadata {
  return {
    meter: parseMeterId('meter-0001'),
    intervalMs: quarterHour,
    nominalVoltage: volts(230),
    nominalFrequency: hertz(50),
    ctRatio: 1,
    maxCurrent: amperes(100),
    registerModulus: wattHours(1e8),
    disconnected: [],
    exchanges: [],
    groups: [],
    ...overrides,
  };
}

/**
 * Energy of a commercial site in the 15-minute interval ending at `at`, Wh, in whole Wh: 600 Wh at
 * night, up to 3000 Wh in a working afternoon, a third of that at weekends, with ±5 % seeded noise.
 */
export function loadProfile(seed = 7): (at: number) => number {
  const random = new SeededRandom(seed);
  const noise = new Map<number, number>();
  return (at: number): number => {
    let n = noise.get(at);
    if (n === undefined) {
      n = random.between(-0.05, 0.05);
      noise.set(at, n);
    }
    const hour = ((at - quarterHour) % dayMs) / hourMs;
    const weekday = new Date(at - quarterHour).getUTCDay();
    const working = weekday >= 1 && weekday <= 5;
    const daytime = hour >= 7 && hour < 19 ? Math.sin(((hour - 7) / 12) * Math.PI) : 0;
    const energy = 600 + (working ? 2400 : 800) * daytime;
    return Math.round(energy * (1 + n));
  };
}

/** Register reads at every interval end in [from, to], starting at `start` Wh. */
export function registerReads(from: number, to: number, energyOf: (at: number) => number, start = 1_000_000): RegisterRead[] {
  const reads: RegisterRead[] = [{ at: from, value: start }];
  let value = start;
  for (let at = from + quarterHour; at <= to; at += quarterHour) {
    value += energyOf(at);
    reads.push({ at, value });
  }
  return reads;
}

/** The true energy of the intervals ending in (from, to]. */
export function trueEnergy(from: number, to: number, energyOf: (at: number) => number): number {
  let sum = 0;
  for (let at = from + quarterHour; at <= to; at += quarterHour) sum += energyOf(at);
  return sum;
}
