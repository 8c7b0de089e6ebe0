// Rules on interval energies that have a value: limits (VEE-HIGH-LOW), spikes against the
// same-weekday profile (VEE-SPIKE) and consumption while disconnected (VEE-DISCONNECTED). Each marks
// the interval suspect and keeps its value: the register says the energy was used, so removing it
// would break the day's total; a person decides (an edit) or the alarm on VEE failures says so.
import type { Finding, Period } from '../types.ts';
import { overlapMs } from '../grid.ts';
import type { VeeParameters } from './parameters.ts';
import { median, robustSigma, type WeekdayProfile } from './weekday-profile.ts';
import { suspect, type WorkingInterval } from './working-interval.ts';

/** VEE-HIGH-LOW: an interval outside [lowLimitWh, highLimitWh] is suspect. */
export function checkLimits(intervals: readonly WorkingInterval[], p: VeeParameters): Finding[] {
  const findings: Finding[] = [];
  for (const interval of intervals) {
    const v = interval.value;
    if (v === null) continue;
    if (v < p.lowLimitWh) findings.push(suspect(interval, 'VEE-HIGH-LOW', `${v} Wh is below the low limit ${p.lowLimitWh} Wh`));
    else if (v > p.highLimitWh) findings.push(suspect(interval, 'VEE-HIGH-LOW', `${v} Wh is above the high limit ${p.highLimitWh} Wh`));
  }
  return findings;
}

/**
 * VEE-SPIKE: a value far above the median of the same weekday and time of day in past weeks.
 * "Far" is more than `spikeSigmas` robust standard deviations (1.4826 × MAD), with a floor on the
 * deviation so that a flat profile (MAD 0) does not make every small change a spike.
 */
export function checkSpikes(intervals: readonly WorkingInterval[], profile: WeekdayProfile, p: VeeParameters): Finding[] {
  const findings: Finding[] = [];
  for (const interval of intervals) {
    const v = interval.value;
    if (v === null) continue;
    const past = profile.sameWeekday(interval.at, p.spikeWeeks);
    if (past.length < p.spikeMinSamples) continue;
    const centre = median(past);
    const sigma = Math.max(robustSigma(past, centre), p.spikeRelativeFloor * Math.abs(centre), p.spikeAbsoluteFloorWh);
    const limit = centre + p.spikeSigmas * sigma;
    if (v > limit) {
      findings.push(suspect(interval, 'VEE-SPIKE', `${v} Wh is above ${round(limit)} Wh: median ${round(centre)} Wh + ${p.spikeSigmas} `
        + `× ${round(sigma)} Wh of the same weekday and time in ${past.length} past weeks`));
    }
  }
  return findings;
}

/** VEE-DISCONNECTED: energy in an interval that overlaps a span in which the supply was disconnected. */
export function checkDisconnected(
  intervals: readonly WorkingInterval[],
  disconnected: readonly Period[],
  intervalMs: number,
  p: VeeParameters,
): Finding[] {
  const findings: Finding[] = [];
  if (disconnected.length === 0) return findings;
  for (const interval of intervals) {
    const v = interval.value;
    if (v === null || v <= p.disconnectedToleranceWh) continue;
    const span = { from: interval.at - intervalMs, to: interval.at };
    const period = disconnected.find((d) => overlapMs(span, d) === intervalMs);
    if (period !== undefined) {
      findings.push(suspect(interval, 'VEE-DISCONNECTED', `${v} Wh used while the supply was disconnected (${period.from} `
        + `to ${period.to}); at most ${p.disconnectedToleranceWh} Wh expected`));
    }
  }
  return findings;
}

const round = (x: number): number => Math.round(x * 1000) / 1000;
