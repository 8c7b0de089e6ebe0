// What a notifier sends for an alarm transition, and the port notifiers implement. The webhook and
// MQTT notifiers live in src/node/; this module only shapes the message, so that every channel
// says the same thing.
import type { AlarmTransition } from './lifecycle/alarm-lifecycle.ts';
import { alarmUnitOf, reportedAlarmValue, type AlarmUnit } from './alarm-units.ts';

export interface AlarmNotification {
  readonly kind: 'phasewire.alarm';
  readonly version: 1;
  /** `<meter>/<alarm type>/<occurrence>`: stable across the transitions of one occurrence. */
  readonly id: string;
  readonly meter: string;
  readonly alarm: string;
  readonly occurrence: number;
  readonly state: string;
  readonly previousState: string;
  readonly severity: 'warn' | 'critical' | null;
  /** ISO 8601 UTC time of the transition. */
  readonly at: string;
  /** In `unit` (alarm-units.ts): percent for ratios, a plain number for a power factor, whole intervals for counts. */
  readonly value: number | null;
  readonly peak: number | null;
  readonly unit: AlarmUnit;
  readonly reason: string;
  readonly reopened: number;
  readonly acknowledgement: { readonly at: string; readonly actor: string; readonly note: string } | null;
}

/** Which delivery of the outbox a notification is. */
export interface AlarmDelivery {
  /** The transition's place in the store's log: the same on every retry of it, and across restarts. */
  readonly seq: number;
  /** Aborted when the service stops: the notifier gives up at once (the transition stays queued for it). */
  readonly signal: AbortSignal;
}

export interface AlarmNotifier {
  /** Stable and unique among the notifiers (`webhook <url>`, `mqtt <url>`): it keys the notifier's queue in the store. */
  readonly name: string;
  /** Delivers the notification; rejects with a TransportError when it could not. */
  notify(notification: AlarmNotification, delivery: AlarmDelivery): Promise<void>;
}

export function notificationOf(transition: AlarmTransition): AlarmNotification {
  const { alarm } = transition;
  return {
    kind: 'phasewire.alarm',
    version: 1,
    id: `${alarm.meter}/${alarm.type}/${alarm.occurrence}`,
    meter: alarm.meter,
    alarm: alarm.type,
    occurrence: alarm.occurrence,
    state: alarm.state,
    previousState: transition.from,
    severity: alarm.severity,
    at: new Date(transition.at).toISOString(),
    value: reportedAlarmValue(alarm.type, alarm.value),
    peak: reportedAlarmValue(alarm.type, alarm.peak),
    unit: alarmUnitOf(alarm.type),
    reason: transition.reason,
    reopened: alarm.reopened,
    acknowledgement: alarm.acknowledgement === null
      ? null
      : { at: new Date(alarm.acknowledgement.at).toISOString(), actor: alarm.acknowledgement.actor, note: alarm.acknowledgement.note },
  };
}

/** The MQTT topic of a notification: `<prefix>/<meter>/<alarm type>` (meter ids are topic-safe, ids.ts). */
export const alarmTopic = (prefix: string, n: AlarmNotification): string => `${prefix}/${n.meter}/${n.alarm}`;
