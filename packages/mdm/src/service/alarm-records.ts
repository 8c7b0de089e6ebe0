// Between the alarm engine's values (alarms/) and what the store and the API keep and show: the
// persisted engine slot, the alarm record of an occurrence, the API's Alarm shape (ISO times, as
// the HTTP contract has it) and the notification the notifiers send.
import { StoreError, type MeterId } from '@phasewire/core';
import { alarmId, type AlarmRecord, type AlarmSlotRecord, type AlarmTransitionRecord } from '@phasewire/store';
import type { AlarmSlot } from '../alarms/alarm-engine.ts';
import { alarmTypes, type AlarmType } from '../alarms/alarm-rules.ts';
import type { Alarm } from '../alarms/lifecycle/alarm-lifecycle.ts';
import type { AlarmNotification } from '../alarms/notification.ts';
import { alarmUnitOf, reportedAlarmValue, type AlarmUnit } from '../alarms/alarm-units.ts';

/** The record of the alarm's current occurrence; null before its first raise. */
export function recordOfAlarm(alarm: Alarm): AlarmRecord | null {
  if (alarm.state === 'normal' || alarm.severity === null || alarm.raisedAt === null) return null;
  return {
    id: alarmId(alarm.meter, alarm.type, alarm.occurrence),
    meter: alarm.meter,
    type: alarm.type,
    occurrence: alarm.occurrence,
    state: alarm.state,
    severity: alarm.severity,
    raisedAt: alarm.raisedAt,
    clearedAt: alarm.clearedAt,
    value: alarm.value,
    peak: alarm.peak,
    reopened: alarm.reopened,
    acknowledgement: alarm.acknowledgement,
  };
}

export const slotRecord =
  (slot: AlarmSlot): AlarmSlotRecord => ({ meter: slot.alarm.meter, type: slot.alarm.type, state: JSON.stringify(slot) });

export function slotOfRecord(record: AlarmSlotRecord): AlarmSlot {
  try {
    const slot = JSON.parse(record.state) as AlarmSlot;
    if (slot.alarm.meter !== record.meter || slot.alarm.type !== record.type
      || !(alarmTypes as readonly string[]).includes(slot.alarm.type)) {
      throw new Error(`it belongs to ${slot.alarm.meter} ${slot.alarm.type}`);
    }
    return slot;
  } catch (error) {
    throw new StoreError('PW_ERR_STORE_CORRUPT',
      `Cannot restore alarm ${record.type} of meter ${record.meter} from the store: ${(error as Error).message}`, { cause: error });
  }
}

/** The meter, alarm type and occurrence an alarm id names; undefined when it is not one. */
export function parseAlarmId(id: string): { meter: MeterId; type: AlarmType; occurrence: number } | undefined {
  const [meter, type, occurrence, ...rest] = id.split(':');
  if (rest.length > 0 || meter === undefined || type === undefined || occurrence === undefined) return undefined;
  if (!(alarmTypes as readonly string[]).includes(type) || !/^[1-9][0-9]{0,8}$/.test(occurrence)) return undefined;
  return { meter: meter as MeterId, type: type as AlarmType, occurrence: Number(occurrence) };
}

/** The Alarm of the HTTP API (docs: .tmp/api-contract.md): times as ISO 8601 UTC. */
export interface AlarmView {
  readonly id: string;
  readonly meter: string;
  readonly type: string;
  readonly state: 'raised' | 'escalated' | 'acknowledged' | 'cleared';
  readonly severity: 'warn' | 'critical';
  readonly raisedAt: string;
  readonly clearedAt: string | null;
  /** In `unit` (alarm-units.ts): percent for ratios, a plain number for a power factor, whole intervals for counts. */
  readonly value: number | null;
  readonly peak: number | null;
  readonly unit: AlarmUnit;
  readonly acknowledgement: { readonly at: string; readonly actor: string; readonly note: string } | null;
}

const iso = (t: number): string => new Date(t).toISOString();

export function alarmView(r: AlarmRecord): AlarmView {
  return {
    id: r.id, meter: r.meter, type: r.type, state: r.state, severity: r.severity, raisedAt: iso(r.raisedAt),
    clearedAt: r.clearedAt === null ? null : iso(r.clearedAt),
    value: reportedAlarmValue(r.type, r.value), peak: reportedAlarmValue(r.type, r.peak), unit: alarmUnitOf(r.type),
    acknowledgement: r.acknowledgement === null ? null
      : { at: iso(r.acknowledgement.at), actor: r.acknowledgement.actor, note: r.acknowledgement.note },
  };
}

/** The notification of a stored transition (the same message notificationOf gives for the engine's). */
export function notificationOfRecord(t: AlarmTransitionRecord): AlarmNotification {
  const a = t.alarm;
  return {
    kind: 'phasewire.alarm',
    version: 1,
    id: `${a.meter}/${a.type}/${a.occurrence}`,
    meter: a.meter,
    alarm: a.type,
    occurrence: a.occurrence,
    state: a.state,
    previousState: t.from,
    severity: a.severity,
    at: iso(t.at),
    value: reportedAlarmValue(a.type, a.value),
    peak: reportedAlarmValue(a.type, a.peak),
    unit: alarmUnitOf(a.type),
    reason: t.reason,
    reopened: a.reopened,
    acknowledgement: a.acknowledgement === null ? null
      : { at: iso(a.acknowledgement.at), actor: a.acknowledgement.actor, note: a.acknowledgement.note },
  };
}
