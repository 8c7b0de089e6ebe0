// Values as scaled integers: a count of the quantity's resolution steps (0.01 V, 1 mA, 0.1 Wh …,
// the same resolution the uplink batch carries, `stepsOf` in @phasewire/core). An integer of a few
// bytes stores and compresses far better than a double, and sums of integers are exact, so the two
// stores agree to the last digit on every rollup. A value that is not an exact multiple of its
// resolution (a meter with a finer register, an estimate) is kept as it came, a double: raw data is
// never rounded.

/**
 * Below this magnitude a step count is carried as an integer. The integer codecs zigzag it (×2) and
 * delta-code it twice (×4 at worst), which must stay within 2^53: 2^50 steps leaves that room, and is
 * 1.1·10^14 Wh at 0.1 Wh, beyond any register. Larger values are kept as doubles, exactly.
 */
export const maxScaledMagnitude = 2 ** 50;

/** `value` as a whole number of steps when that is exact and within the integer codecs' range, otherwise null. */
export function scaledInteger(value: number, steps: number): number | null {
  const scaled = Math.round(value * steps);
  return Math.abs(scaled) < maxScaledMagnitude && scaled / steps === value ? scaled : null;
}

/** `value` in step units, for sums: exact when it is a whole number of steps. */
export function inSteps(value: number, steps: number): number {
  return scaledInteger(value, steps) ?? value * steps;
}

/** A value from step units. */
export const fromSteps = (scaled: number, steps: number): number => scaled / steps;
