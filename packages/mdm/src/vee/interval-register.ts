// VEE-INTERVAL-REGISTER: the intervals of a span against the register's energy over the same span.
// The pipeline runs it per day; run it again after edits, which may break the agreement on purpose.
import type { Finding } from '../types.ts';

export function checkIntervalRegister(
  intervals: readonly { readonly at: number; readonly value: number | null }[],
  from: number,
  to: number,
  registerDelta: number,
  toleranceWh: number,
): Finding | undefined {
  const inSpan = intervals.filter((i) => i.at > from && i.at <= to);
  const missing = inSpan.filter((i) => i.value === null).length;
  const sum = inSpan.reduce((acc, i) => acc + (i.value ?? 0), 0);
  const difference = sum - registerDelta;
  if (missing === 0 && Math.abs(difference) <= toleranceWh) return undefined;
  const detail = missing > 0 ? `, ${missing} interval${missing === 1 ? '' : 's'} missing` : '';
  return {
    rule: 'VEE-INTERVAL-REGISTER',
    at: from,
    to,
    action: 'flag',
    reason: `the intervals sum to ${round(sum)} Wh${detail}, the register delta is ${round(registerDelta)} Wh: ${round(difference)} Wh `
      + `apart, at most ${toleranceWh} Wh expected`,
  };
}

const round = (x: number): number => Math.round(x * 1000) / 1000;
