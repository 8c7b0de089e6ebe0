// Demand: the average power over a demand window, and its maximum over a period. Two methods, and
// the result always says which:
//   - `block`: fixed windows aligned to the epoch (00:00–00:15, 00:15–00:30 … for 15 minutes), as
//     the meter's own demand register keeps them (DLMS UA 1000-1 Blue Book, Demand register, class 5);
//   - `sliding`: a window that ends at every interval end (for 30 minutes on 15-minute data: every
//     pair of consecutive intervals), as rolling-demand tariffs ask.
// A window counts only when every interval in it has a value; estimated and edited values count (they
// are the final data a bill uses).
import { watts, type Watts } from '@phasewire/core';
import { hourMs, requireInterval, requireRange } from '../grid.ts';
import { ValidationError } from '@phasewire/core';

export type DemandMethod = 'block' | 'sliding';

export interface Demand {
  readonly windowMs: number;
  readonly method: DemandMethod;
  /** The maximum average power over one window, W. */
  readonly value: Watts;
  /** End of the window in which it occurred (the first such window on a tie). */
  readonly at: number;
}

export interface EnergyInterval {
  readonly at: number;
  readonly value: number | null;
}

/** The maximum demand over the intervals ending in (from, to]; null when no window is complete. */
export function maxDemand(
  intervals: readonly EnergyInterval[],
  intervalMs: number,
  windowMs: number,
  method: DemandMethod,
  from: number,
  to: number,
): Demand | null {
  requireInterval(intervalMs);
  requireRange('compute demand', from, to, intervalMs);
  if (!Number.isInteger(windowMs / intervalMs) || windowMs < intervalMs) {
    throw new ValidationError('PW_ERR_VEE_INPUT',
      `Cannot compute ${windowMs} ms demand from ${intervalMs} ms intervals: expected a window that is a whole number of intervals`);
  }
  const values = new Map<number, number>();
  for (const i of intervals) if (i.value !== null && i.at > from && i.at <= to) values.set(i.at, i.value);
  const perWindow = windowMs / intervalMs;
  const energyOfWindow = (end: number): number | null => {
    let sum = 0;
    for (let k = 0; k < perWindow; k++) {
      const v = values.get(end - k * intervalMs);
      if (v === undefined) return null;
      sum += v;
    }
    return sum;
  };
  let best: Demand | null = null;
  const first = method === 'block' ? Math.ceil((from + windowMs) / windowMs) * windowMs : from + windowMs;
  const stride = method === 'block' ? windowMs : intervalMs;
  for (let end = first; end <= to; end += stride) {
    const energy = energyOfWindow(end);
    if (energy === null) continue;
    const power = (energy * hourMs) / windowMs;
    if (best === null || power > best.value) best = { windowMs, method, value: watts(power), at: end };
  }
  return best;
}

/**
 * Load factor: the average power over the period divided by the maximum demand (the 15-minute block
 * demand unless another is given). 1 for a flat load; null when the maximum is not known or zero.
 */
export function loadFactor(energyWh: number, periodMs: number, peak: Demand | null): number | null {
  if (peak === null || peak.value <= 0) return null;
  return (energyWh * hourMs) / periodMs / peak.value;
}
