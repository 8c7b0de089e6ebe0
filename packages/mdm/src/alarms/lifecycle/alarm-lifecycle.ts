// The lifecycle of one alarm (one meter, one alarm type) as a pure state machine. Transitions:
//
//   from                          event                                   to
//   normal, cleared               level warn or critical                  raised (a new occurrence)
//   cleared (≤ reopenWithinMs)    level warn or critical                  raised (the same occurrence, reopened)
//   any active, severity warn     level critical                          escalated (severity critical)
//   raised                        tick, unacknowledged ≥ escalateAfterMs  escalated
//   raised, escalated             acknowledge (actor and note required)   acknowledged
//   raised, escalated, acknowl.   level normal                            cleared
//
// Anything else changes no state (a value is still recorded). Events carry their time; the machine
// never reads a clock. Severity only rises within an occurrence: an escalated alarm stays escalated
// until it clears, and an acknowledgement never carries over to a reopened or new occurrence.
import { ValidationError, type MeterId } from '@phasewire/core';
import type { AlarmLevel, AlarmType, LifecyclePolicy } from '../alarm-rules.ts';
import { alarmValueText } from '../alarm-units.ts';

export type AlarmState = 'normal' | 'raised' | 'escalated' | 'acknowledged' | 'cleared';

export interface Acknowledgement {
  readonly at: number;
  readonly actor: string;
  readonly note: string;
}

export interface Alarm {
  readonly meter: MeterId;
  readonly type: AlarmType;
  /** 1, 2 … for each new raise; 0 before the first. */
  readonly occurrence: number;
  readonly state: AlarmState;
  readonly severity: 'warn' | 'critical' | null;
  readonly raisedAt: number | null;
  readonly escalatedAt: number | null;
  readonly acknowledgement: Acknowledgement | null;
  readonly clearedAt: number | null;
  /** Times this occurrence was raised again soon after clearing. */
  readonly reopened: number;
  /** The last value evaluated, and the worst of this occurrence. */
  readonly value: number | null;
  readonly peak: number | null;
}

export type AlarmEvent =
  | { readonly kind: 'level'; readonly at: number; readonly level: AlarmLevel; readonly value: number | null;
    readonly direction: 'above' | 'below' }
  | { readonly kind: 'acknowledge'; readonly at: number; readonly actor: string; readonly note: string }
  | { readonly kind: 'tick'; readonly at: number };

export interface AlarmTransition {
  readonly from: AlarmState;
  readonly alarm: Alarm;
  readonly at: number;
  readonly reason: string;
}

export interface Step {
  readonly alarm: Alarm;
  readonly transition: AlarmTransition | null;
}

export function newAlarm(meter: MeterId, type: AlarmType): Alarm {
  return { meter, type, occurrence: 0, state: 'normal', severity: null, raisedAt: null, escalatedAt: null, acknowledgement: null,
    clearedAt: null, reopened: 0, value: null, peak: null };
}

const active = (state: AlarmState): boolean => state === 'raised' || state === 'escalated' || state === 'acknowledged';

export function stepAlarm(alarm: Alarm, event: AlarmEvent, policy: LifecyclePolicy): Step {
  const to =
    (next: Alarm, at: number, reason: string): Step => ({ alarm: next, transition: { from: alarm.state, alarm: next, at, reason } });
  switch (event.kind) {
    case 'level': {
      const worse = (a: number | null, b: number | null): number | null =>
        a === null ? b : b === null ? a : event.direction === 'above' ? Math.max(a, b) : Math.min(a, b);
      const valued = { ...alarm, value: event.value ?? alarm.value };
      const shown = alarmValueText(alarm.type, event.value);
      if (event.level === 'normal') {
        if (!active(alarm.state)) return { alarm: valued, transition: null };
        return to({ ...valued, state: 'cleared', clearedAt: event.at }, event.at, `back to normal at ${shown}`);
      }
      if (!active(alarm.state)) {
        const sinceCleared = alarm.state === 'cleared' && alarm.clearedAt !== null ? event.at - alarm.clearedAt : null;
        const base =
          { ...valued, state: 'raised' as const, severity: event.level, acknowledgement: null, clearedAt: null, escalatedAt: null };
        if (sinceCleared !== null && sinceCleared <= policy.reopenWithinMs) {
          const reopened = { ...base, reopened: alarm.reopened + 1, raisedAt: event.at, peak: worse(alarm.peak, event.value) };
          return to(reopened, event.at, `reopened ${sinceCleared} ms after clearing, at ${event.level} (${shown})`);
        }
        const raised = { ...base, occurrence: alarm.occurrence + 1, reopened: 0, raisedAt: event.at, peak: event.value };
        return to(raised, event.at, `raised at ${event.level} (${shown})`);
      }
      const peaked = { ...valued, peak: worse(alarm.peak, event.value) };
      if (event.level === 'critical' && alarm.severity === 'warn') {
        const escalated = { ...peaked, state: 'escalated' as const, severity: 'critical' as const, escalatedAt: event.at };
        return to(escalated, event.at, `escalated: value ${shown} reached the critical threshold`);
      }
      return { alarm: peaked, transition: null };
    }
    case 'acknowledge': {
      if (event.note.trim() === '' || event.actor.trim() === '') {
        throw new ValidationError('PW_ERR_EDIT_REASON_REQUIRED', `Cannot acknowledge alarm ${alarm.type} of `
          + `meter ${alarm.meter}: ${event.actor.trim() === '' ? 'the actor' : 'the note'} is empty; an acknowledgement needs who and why`);
      }
      if (alarm.state !== 'raised' && alarm.state !== 'escalated') {
        throw new ValidationError('PW_ERR_ALARM_TRANSITION',
          `Cannot acknowledge alarm ${alarm.type} of meter ${alarm.meter}: it is ${alarm.state}, expected raised or escalated`);
      }
      const acknowledgement = { at: event.at, actor: event.actor, note: event.note };
      return to({ ...alarm, state: 'acknowledged', acknowledgement }, event.at, `acknowledged by ${event.actor}: ${event.note}`);
    }
    case 'tick': {
      if (alarm.state !== 'raised' || policy.escalateAfterMs === null || alarm.raisedAt === null) return { alarm, transition: null };
      const waited = event.at - alarm.raisedAt;
      if (waited < policy.escalateAfterMs) return { alarm, transition: null };
      return to({ ...alarm, state: 'escalated', escalatedAt: event.at }, event.at,
        `escalated: not acknowledged ${waited} ms after it was raised`);
    }
  }
}
