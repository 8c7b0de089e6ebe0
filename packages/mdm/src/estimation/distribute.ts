// Sharing a known energy out over intervals in proportion to a shape, so that the shares add up to
// the energy *exactly*: the register says how much was used, and an estimate that sums to a
// different figure would change the bill. Floating-point scaling cannot promise that, so the energy
// is counted in whole units of the resolution and shared by the largest-remainder method
// (Hamilton's apportionment): each interval gets the floor of its ideal share, and the units left
// over go to the largest fractional parts.
import { ValidationError } from '@phasewire/core';

/** Whole resolution units in `value` (the register delta is a multiple of its own resolution). */
export const toUnits = (value: number, resolutionWh: number): number => Math.round(value / resolutionWh);

/** A whole number of units back to Wh, rounded once (1234 units of 0.001 Wh → 1.234). */
export function fromUnits(units: number, resolutionWh: number): number {
  const perWh = 1 / resolutionWh;
  return Number.isInteger(Math.round(perWh)) && Math.abs(perWh - Math.round(perWh)) < 1e-9 ? units / Math.round(perWh)
    : units * resolutionWh;
}

/**
 * `total` Wh shared over `shape.length` intervals in proportion to `shape` (negative weights count as
 * 0; all zero shares evenly). The results are multiples of `resolutionWh` whose units sum to
 * `toUnits(total)`.
 */
export function distribute(shape: readonly number[], total: number, resolutionWh: number): number[] {
  if (shape.length === 0 || !(total >= 0) || !Number.isFinite(total)) {
    throw new ValidationError('PW_ERR_VEE_INPUT',
      `Cannot share ${total} Wh over ${shape.length} intervals: expected a finite, non-negative energy and at least one interval`);
  }
  const units = toUnits(total, resolutionWh);
  const weights = shape.map((w) => (Number.isFinite(w) && w > 0 ? w : 0));
  const sum = weights.reduce((a, b) => a + b, 0);
  const ideal = weights.map((w) => (sum > 0 ? (units * w) / sum : units / shape.length));
  const shares = ideal.map(Math.floor);
  let left = units - shares.reduce((a, b) => a + b, 0);
  const order = ideal.map((x, i) => ({ i, fraction: x - Math.floor(x) })).sort((a, b) => b.fraction - a.fraction || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    shares[i] = (shares[i] ?? 0) + 1;
    left--;
  }
  return shares.map((u) => fromUnits(u, resolutionWh));
}

/** Values rounded to the resolution, for an estimate that no register delta constrains. */
export const roundToResolution = (values: readonly number[], resolutionWh: number): number[] =>
  values.map((v) => fromUnits(Math.max(0, toUnits(v, resolutionWh)), resolutionWh));
