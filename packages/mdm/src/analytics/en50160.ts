// An EN 50160-style weekly compliance summary per meter: the share of the week's 10-minute values
// that lie within each limit, against the share the standard requires (EN 50160:2010, low-voltage
// supply):
//   §4.2.2.2 supply voltage variations: 95 % of the 10-minute mean RMS values within Un ± 10 %, and
//     all of them within Un +10 % / −15 %;
//   §4.2.5 supply voltage unbalance: 95 % of the 10-minute values of u2/u1 (VUF) within 0 to 2 %;
//   §4.2.4.2 harmonic voltage: 95 % of the 10-minute values of THD (up to order 40) at most 8 %;
//   §4.2.1 power frequency: 50 Hz ± 1 % for 99.5 % of a year (10-second means). Judged here on the
//     frequency values given for the week: a weekly indication, not the yearly figure.
// Values flagged because a dip, swell or interruption happened in them are left out (the flagging
// concept of IEC 61000-4-30 §4.7), and so are values of a phase the meter did not send.
import type { ThreePhase } from '@phasewire/core';
import { ValidationError } from '@phasewire/core';
import type { Period } from '../types.ts';
import { minuteMs, overlapMs, weekMs } from '../grid.ts';

export interface TenMinuteValues {
  /** End of the 10-minute interval. */
  readonly at: number;
  readonly voltages?: ThreePhase<number>;
  readonly vuf?: number;
  readonly voltageThd?: ThreePhase<number>;
  readonly frequency?: number;
}

export type CriterionId = 'supply-voltage' | 'supply-voltage-all' | 'unbalance' | 'thd' | 'frequency';

export interface CriterionResult {
  readonly id: CriterionId;
  readonly clause: string;
  readonly limit: string;
  /** Share of the evaluated values that must be within the limit. */
  readonly required: number;
  /** Values judged (not flagged, present). */
  readonly evaluated: number;
  readonly within: number;
  /** within / evaluated; null when nothing was evaluated. */
  readonly share: number | null;
  readonly pass: boolean | null;
}

export interface WeeklyCompliance {
  readonly weekStart: number;
  /** 10-minute values a full week has: 1008. */
  readonly expected: number;
  /** Values given in the week, and of those how many were flagged. */
  readonly received: number;
  readonly flagged: number;
  readonly criteria: readonly CriterionResult[];
  /** Every criterion passes; null when one could not be judged. */
  readonly pass: boolean | null;
}

export interface ComplianceOptions {
  readonly weekStart: number;
  /** Declared (nominal) line-to-neutral voltage Un, V. */
  readonly declaredVoltage: number;
  readonly nominalFrequency: number;
  /** Spans of dips, swells and interruptions: values overlapping them are flagged. */
  readonly flagged?: readonly Period[];
}

const tenMinutes = 10 * minuteMs;

export function weeklyCompliance(values: readonly TenMinuteValues[], options: ComplianceOptions): WeeklyCompliance {
  const un = options.declaredVoltage;
  const fn = options.nominalFrequency;
  if (!(un > 0) || !(fn > 0) || !Number.isFinite(options.weekStart)) {
    throw new ValidationError('PW_ERR_VEE_INPUT', `Cannot summarise compliance for Un ${un} V, fn ${fn} Hz, week ${options.weekStart}: `
      + `expected positive nominal values and a finite week start`);
  }
  const week = { from: options.weekStart, to: options.weekStart + weekMs };
  const inWeek = values.filter((v) => v.at > week.from && v.at <= week.to);
  const isFlagged = (v: TenMinuteValues): boolean =>
    (options.flagged ?? []).some((p) => overlapMs({ from: v.at - tenMinutes, to: v.at }, p) > 0);
  const judged = inWeek.filter((v) => !isFlagged(v));

  const criterion = (
    id: CriterionId,
    clause: string,
    limit: string,
    required: number,
    test: (v: TenMinuteValues) => boolean | undefined,
  ): CriterionResult => {
    let evaluated = 0;
    let within = 0;
    for (const v of judged) {
      const ok = test(v);
      if (ok === undefined) continue;
      evaluated++;
      if (ok) within++;
    }
    const share = evaluated === 0 ? null : within / evaluated;
    return { id, clause, limit, required, evaluated, within, share, pass: share === null ? null : share >= required };
  };
  const allPhases =
    (xs: ThreePhase<number> | undefined, ok: (x: number) => boolean): boolean | undefined => (xs === undefined ? undefined : xs.every(ok));

  const criteria = [
    criterion('supply-voltage', 'EN 50160:2010 §4.2.2.2', `Un ± 10 % (${round(0.9 * un)} to ${round(1.1 * un)} V)`, 0.95,
      (v) => allPhases(v.voltages, (x) => x >= 0.9 * un && x <= 1.1 * un)),
    criterion('supply-voltage-all', 'EN 50160:2010 §4.2.2.2', `Un +10 % / −15 % (${round(0.85 * un)} to ${round(1.1 * un)} V)`, 1,
      (v) => allPhases(v.voltages, (x) => x >= 0.85 * un && x <= 1.1 * un)),
    criterion('unbalance', 'EN 50160:2010 §4.2.5', 'VUF (u2/u1) ≤ 2 %', 0.95, (v) => (v.vuf === undefined ? undefined : v.vuf <= 0.02)),
    criterion('thd', 'EN 50160:2010 §4.2.4.2', 'THD ≤ 8 %', 0.95, (v) => allPhases(v.voltageThd, (x) => x <= 0.08)),
    criterion('frequency', 'EN 50160:2010 §4.2.1', `fn ± 1 % (${round(0.99 * fn)} to ${round(1.01 * fn)} Hz)`, 0.995,
      (v) => (v.frequency === undefined ? undefined : v.frequency >= 0.99 * fn && v.frequency <= 1.01 * fn)),
  ];
  const pass = criteria.some((c) => c.pass === null) ? null : criteria.every((c) => c.pass === true);
  return { weekStart: options.weekStart, expected: weekMs / tenMinutes, received: inWeek.length, flagged: inWeek.length - judged.length,
    criteria, pass };
}

const round = (x: number): number => Math.round(x * 100) / 100;
