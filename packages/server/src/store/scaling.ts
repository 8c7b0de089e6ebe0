// Values as scaled integers: a count of the quantity's resolution steps (0.01 V, 1 mA, 0.1 Wh …,
// the same resolution the uplink batch carries, `stepsOf` in @phasewire/core). An integer of a few
// bytes stores and compresses far better than a double, and sums of integers are exact, so the two
// stores agree to the last digit on every rollup. A value that is not an exact multiple of its
// resolution (a meter with a finer register, an estimate) is kept as it came, a double: raw data is
// never rounded.

/** `value` as a whole number of steps when that is exact and safe, otherwise null. */
export function scaledInteger(value: number, steps: number): number | null {
  const scaled = Math.round(value * steps);
  return Number.isSafeInteger(scaled) && scaled / steps === value ? scaled : null;
}

/** `value` in step units, for sums: exact when it is a whole number of steps. */
export function inSteps(value: number, steps: number): number {
  return scaledInteger(value, steps) ?? value * steps;
}

/** A value from step units. */
export const fromSteps = (scaled: number, steps: number): number => scaled / steps;
