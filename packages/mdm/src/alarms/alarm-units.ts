// The unit each alarm's value is reported in, outside the engine. The engine and the alarm
// configuration work in ratios (0.02 is a VUF of 2 %, 1.1 is 110 % of Udin: alarm-rules.ts); the API,
// the notifications, the live feed and the reasons of transitions give every ratio in percent, as the
// power-quality route and the fleet's `vufPercent` do, with the unit named beside it (`unit: '%'`).
// A power factor stays a plain number (the catalogue's unit '1') and the counts are whole intervals.
import { roundToSteps } from '@phasewire/core';
import type { AlarmType } from './alarm-rules.ts';

export type AlarmUnit = '%' | '1' | 'intervals';

export const alarmUnits: Readonly<Record<AlarmType, AlarmUnit>> = {
  'voltage-unbalance': '%', 'current-unbalance': '%', 'phase-loss': '%', 'over-voltage': '%', 'under-voltage': '%',
  'low-power-factor': '1', 'neutral-overcurrent': '%', 'meter-silent': 'intervals', 'vee-failure': 'intervals',
};

/** Percent to 0.01 % and a plain ratio to 0.0001: the catalogue's resolution of a ratio (1-0:13.7.0, 0.0001). */
const stepsOf: Readonly<Record<AlarmUnit, number>> = { '%': 100, '1': 10_000, intervals: 1 };

/** The unit of an alarm type's reported value ('1' for a type the engine does not know). */
export const alarmUnitOf = (type: string): AlarmUnit => (Object.hasOwn(alarmUnits, type) ? alarmUnits[type as AlarmType] : '1');

/** An engine value of the alarm type in its reported unit, rounded to that unit's resolution. */
export function reportedAlarmValue(type: string, value: number | null): number | null {
  if (value === null || !Number.isFinite(value)) return null;
  const unit = alarmUnitOf(type);
  return roundToSteps(unit === '%' ? value * 100 : value, stepsOf[unit]);
}

/** `2.65 %`, `0.85`, `5 intervals`; 'no value' for none. For the reasons of transitions. */
export function alarmValueText(type: string, value: number | null): string {
  const shown = reportedAlarmValue(type, value);
  if (shown === null) return 'no value';
  const unit = alarmUnitOf(type);
  return unit === '1' ? String(shown) : unit === '%' ? `${shown} %` : `${shown} interval${shown === 1 ? '' : 's'}`;
}
