// The parameters of the VEE rules, with their defaults. docs/vee.md lists each with the rule that
// reads it. Every parameter can be overridden per call; nothing is read from the environment.
import { ValidationError } from '@phasewire/core';

export interface VeeParameters {
  /** VEE-TIME-FUTURE: a read may be this far ahead of the clock (clock granularity), ms. */
  readonly futureToleranceMs: number;
  /** VEE-TIME-GRID: a read this close to a grid point is moved onto it; farther off, it is rejected, ms. */
  readonly gridToleranceMs: number;
  /** VEE-CLOCK-DRIFT: how far the meter's clock may be off the head-end's, ms. */
  readonly clockDriftLimitMs: number;
  /**
   * VEE-ROLLOVER, VEE-HIGH-LOW: the largest plausible energy in an interval is the meter's maximum
   * power (3 × Udin × Imax × CT ratio) over the interval times this margin.
   */
  readonly maxPowerMargin: number;
  /** VEE-METER-EXCHANGE: without a record, a register that restarts below this many Wh is a new meter. */
  readonly newMeterStartMaxWh: number;
  /** VEE-HIGH-LOW: an interval below this many Wh is suspect (0: only negative energy is). */
  readonly lowLimitWh: number;
  /** VEE-HIGH-LOW: an interval above this many Wh is suspect (Infinity: only the physical maximum applies). */
  readonly highLimitWh: number;
  /** VEE-SPIKE: how many past weeks of the same weekday and time of day form the profile. */
  readonly spikeWeeks: number;
  /** VEE-SPIKE: the fewest past values the profile needs before it judges. */
  readonly spikeMinSamples: number;
  /** VEE-SPIKE: a value more than this many robust standard deviations above the median is a spike. */
  readonly spikeSigmas: number;
  /** VEE-SPIKE: the robust deviation is at least this share of the median (a flat profile has MAD 0). */
  readonly spikeRelativeFloor: number;
  /** VEE-SPIKE: and at least this many Wh. */
  readonly spikeAbsoluteFloorWh: number;
  /** VEE-DISCONNECTED: energy above this many Wh in a disconnected interval is suspect. */
  readonly disconnectedToleranceWh: number;
  /** VEE-PHASE-SUM: relative tolerance between the phases' sum and the total. */
  readonly phaseSumRelativeTolerance: number;
  /** VEE-PHASE-SUM: absolute tolerance, Wh (register resolution of three phases). */
  readonly phaseSumAbsoluteToleranceWh: number;
  /** VEE-INTERVAL-REGISTER: tolerance between a day's intervals and its register delta, Wh. */
  readonly intervalRegisterToleranceWh: number;
  /** Estimation: gaps of at most this many intervals are interpolated linearly, longer ones take the like-day profile. */
  readonly linearMaxIntervals: number;
  /** EST-LIKE-DAY: how many past weeks of the same weekday form the profile. */
  readonly likeDayWeeks: number;
  /**
   * Estimated values are whole multiples of this many Wh, so that they sum exactly to the register
   * delta. The default is the uplink's and the store's energy resolution (0.1 Wh, `stepsOf` in core),
   * so an estimate is stored as a whole number of steps and the store's sums stay exact.
   */
  readonly resolutionWh: number;
}

export const defaultVeeParameters: VeeParameters = {
  futureToleranceMs: 60_000,
  gridToleranceMs: 5_000,
  clockDriftLimitMs: 60_000,
  maxPowerMargin: 1.2,
  newMeterStartMaxWh: 10_000,
  lowLimitWh: 0,
  highLimitWh: Number.POSITIVE_INFINITY,
  spikeWeeks: 4,
  spikeMinSamples: 3,
  spikeSigmas: 6,
  spikeRelativeFloor: 0.1,
  spikeAbsoluteFloorWh: 10,
  disconnectedToleranceWh: 1,
  phaseSumRelativeTolerance: 0.005,
  phaseSumAbsoluteToleranceWh: 0.3,
  intervalRegisterToleranceWh: 0.5,
  linearMaxIntervals: 4,
  likeDayWeeks: 4,
  resolutionWh: 0.1,
};

/** The defaults with the given overrides, checked. */
export function veeParameters(overrides: Partial<VeeParameters> = {}): VeeParameters {
  const p: VeeParameters = { ...defaultVeeParameters, ...overrides };
  for (const [name, value] of Object.entries(p) as [string, number][]) {
    const infinityAllowed = name === 'highLimitWh';
    if (Number.isNaN(value) || value < 0 || (!infinityAllowed && !Number.isFinite(value))) {
      throw new ValidationError('PW_ERR_VEE_INPUT', `Cannot use VEE parameter ${name} = ${value}: expected a finite, non-negative number`);
    }
  }
  for (const name of ['spikeWeeks', 'spikeMinSamples', 'linearMaxIntervals', 'likeDayWeeks'] as const) {
    if (!Number.isInteger(p[name])) {
      throw new ValidationError('PW_ERR_VEE_INPUT', `Cannot use VEE parameter ${name} = ${p[name]}: expected a whole number`);
    }
  }
  if (p.resolutionWh <= 0 || p.maxPowerMargin <= 0) {
    throw new ValidationError('PW_ERR_VEE_INPUT',
      `Cannot use VEE parameters resolutionWh = ${p.resolutionWh} and maxPowerMargin = ${p.maxPowerMargin}: both must be above 0`);
  }
  return p;
}
