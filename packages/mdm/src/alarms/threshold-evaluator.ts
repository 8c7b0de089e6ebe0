// From values to a level, with hysteresis and debounce. Pure: the state goes in and comes out.
//
// Thresholds are strict: a level is entered when the value is past its threshold (for `above`: > T;
// for `below`: < T), so a value at the threshold is normal: a power factor of exactly 0.90 meets a
// 0.90 limit, as a VUF of exactly 2 % meets EN 50160's "≤ 2 %".
// Hysteresis: a raised level is held until the value is back at or past the threshold by the
// hysteresis (for `above`: held while > T − h).
// Debounce: the level moves up only after `raiseAfter` evaluations in a row call for a higher level,
// and then to the lowest level all of them called for; it moves down after `clearAfter` evaluations
// in a row call for a lower one, to the highest of them. Calls past the new level at the end of that
// run keep counting (warn, critical, critical with a debounce of 2 is warn, then critical). A missing
// value (null) changes nothing.
import { levelRank, type AlarmLevel, type ThresholdRule } from './alarm-rules.ts';

export interface EvaluatorState {
  readonly level: AlarmLevel;
  /** Levels called for in a row in one direction, since the level last changed. */
  readonly streak: readonly AlarmLevel[];
}

export const initialEvaluatorState: EvaluatorState = { level: 'normal', streak: [] };

/** The level the value calls for, given the level held now (the hysteresis). */
export function calledLevel(value: number, held: AlarmLevel, rule: ThresholdRule): AlarmLevel {
  const reaches = (threshold: number | null, holding: boolean): boolean => {
    if (threshold === null) return false;
    const h = holding ? rule.hysteresis : 0;
    return rule.direction === 'above' ? value > threshold - h : value < threshold + h;
  };
  if (reaches(rule.critical, held === 'critical')) return 'critical';
  if (reaches(rule.warn, held !== 'normal')) return 'warn';
  return 'normal';
}

export function evaluate(state: EvaluatorState, value: number | null, rule: ThresholdRule): EvaluatorState {
  if (value === null || !Number.isFinite(value)) return state;
  if (!rule.enabled) return state.level === 'normal' && state.streak.length === 0 ? state : initialEvaluatorState;
  const called = calledLevel(value, state.level, rule);
  if (called === state.level) return state.streak.length === 0 ? state : { level: state.level, streak: [] };
  const up = levelRank[called] > levelRank[state.level];
  const sameDirection = state.streak.length > 0 && (levelRank[state.streak[0] as AlarmLevel] > levelRank[state.level]) === up;
  const streak = sameDirection ? [...state.streak, called] : [called];
  const needed = up ? rule.raiseAfter : rule.clearAfter;
  if (streak.length < needed) return { level: state.level, streak };
  const last = streak.slice(-needed);
  const pick = up ? Math.min(...last.map((l) => levelRank[l])) : Math.max(...last.map((l) => levelRank[l]));
  const level = (['normal', 'warn', 'critical'] as const)[pick] ?? state.level;
  // Calls beyond the new level at the end of the streak keep counting towards the next step.
  const beyond = (l: AlarmLevel): boolean => (up ? levelRank[l] > levelRank[level] : levelRank[l] < levelRank[level]);
  let keep = streak.length;
  while (keep > 0 && beyond(streak[keep - 1] as AlarmLevel)) keep--;
  return { level, streak: streak.slice(keep) };
}
