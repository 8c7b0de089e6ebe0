// The alarm types, their threshold rules and the built-in defaults. A rule turns a stream of values
// into a level (normal, warn, critical) with hysteresis (a raised level holds until the value is
// back past the threshold by the hysteresis) and debounce (a level changes only after it has been
// called for by several evaluations in a row), so a noisy value near a threshold does not flap.
//
// Values and their units:
//   voltage-unbalance    IEC VUF, ratio (0.02 = 2 %)
//   current-unbalance    largest deviation of a phase current from the average, ratio
//   phase-loss           lowest phase voltage / Udin
//   over-voltage         highest phase voltage / Udin
//   under-voltage        lowest phase voltage / Udin among phases not lost (≥ 50 %)
//   low-power-factor     |total power factor|
//   neutral-overcurrent  neutral current / the largest current the meter measures (Imax × CT ratio)
//   meter-silent         intervals since the last reading
//   vee-failure          intervals that VEE rejected or marked suspect in its last run
// Outside the engine (API, notifications, reasons) ratios are given in percent: alarm-units.ts.

export const alarmTypes = [
  'voltage-unbalance', 'current-unbalance', 'phase-loss', 'over-voltage', 'under-voltage',
  'low-power-factor', 'neutral-overcurrent', 'meter-silent', 'vee-failure',
] as const;

export type AlarmType = (typeof alarmTypes)[number];

export type AlarmLevel = 'normal' | 'warn' | 'critical';

export const levelRank: Readonly<Record<AlarmLevel, number>> = { normal: 0, warn: 1, critical: 2 };

export interface ThresholdRule {
  readonly enabled: boolean;
  /** `above`: a value above a threshold raises; `below`: below it. A value at the threshold does not (strict). */
  readonly direction: 'above' | 'below';
  readonly warn: number | null;
  readonly critical: number | null;
  /** How far back past a threshold the value must go before its level drops, in the value's unit. */
  readonly hysteresis: number;
  /** Evaluations in a row that must call for a higher level before it is taken. */
  readonly raiseAfter: number;
  /** Evaluations in a row that must call for a lower level before it is taken. */
  readonly clearAfter: number;
}

export interface LifecyclePolicy {
  /** A raised alarm nobody acknowledged escalates after this long, ms; null: never by time. */
  readonly escalateAfterMs: number | null;
  /** An alarm raised again within this long of clearing reopens its occurrence instead of starting a new one, ms. */
  readonly reopenWithinMs: number;
}

const rule = (
  direction: 'above' | 'below',
  warn: number | null,
  critical: number | null,
  hysteresis: number,
  raiseAfter: number,
  clearAfter: number,
): ThresholdRule =>
  ({ enabled: true, direction, warn, critical, hysteresis, raiseAfter, clearAfter });

/**
 * Built-in defaults. Voltage unbalance: warn at 2 % VUF, the EN 50160:2010 §4.2.5 limit, critical at
 * 3 %, the ANSI C84.1 service-entrance recommendation. Voltage: ±10 % of Udin (EN 50160 §4.2.2.2)
 * warns, +15 % / −15 % is critical (the bounds of the 100 % criterion), hysteresis 2 % of Udin as
 * IEC 61000-4-30 §5.4.2 uses for dips and swells. Phase loss: a phase below 50 % of Udin. The rest
 * are operating defaults to tune per site: power factor 0.9 warn / 0.8 critical (a common tariff
 * penalty threshold), current unbalance 20 % / 40 %, neutral at 50 % / 80 % of Imax, silence of one
 * hour / one day of 15-minute intervals, and any interval VEE doubts.
 */
export const defaultRules: Readonly<Record<AlarmType, ThresholdRule>> = {
  'voltage-unbalance': rule('above', 0.02, 0.03, 0.002, 2, 2),
  'current-unbalance': rule('above', 0.2, 0.4, 0.02, 2, 2),
  'phase-loss': rule('below', null, 0.5, 0.05, 1, 1),
  'over-voltage': rule('above', 1.1, 1.15, 0.02, 1, 2),
  'under-voltage': rule('below', 0.9, 0.85, 0.02, 1, 2),
  'low-power-factor': rule('below', 0.9, 0.8, 0.02, 4, 4),
  'neutral-overcurrent': rule('above', 0.5, 0.8, 0.05, 2, 2),
  // Counts: above 3 is at least 4 whole intervals (an hour), above 95 at least 96 (a day); above 0 is any.
  'meter-silent': rule('above', 3, 95, 0, 1, 1),
  'vee-failure': rule('above', 0, 7, 0, 1, 1),
};

export const defaultLifecycle: LifecyclePolicy = { escalateAfterMs: 4 * 3_600_000, reopenWithinMs: 3_600_000 };
