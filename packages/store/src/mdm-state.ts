// What the MDM service keeps in the store besides meter data: a watermark per meter (how far VEE,
// analytics and alarms have run), the alarm engine's state per meter and alarm type, the alarms
// themselves (one record per occurrence, what the API lists) and an append-only log of alarm
// transitions that doubles as the notification outbox. The service writes all of one run in one
// transaction (`commitMdm`), so a crash leaves either the run's whole result or none of it, and a
// restart resumes from the watermarks without doing anything twice (docs/store.md, "MDM state").
import type { MeterId } from '@phasewire/core';

export interface MdmWatermark {
  readonly meter: MeterId;
  /** Interval end up to which analytics and alarms have run (0: never). */
  readonly analysedUntil: number;
  /** Interval end up to which VEE has written interval stages (0: never). */
  readonly validatedUntil: number;
  /** What the meter's data looked like at the last run (the service's own text, opaque to the store). */
  readonly fingerprint: string;
  /** Store clock at the commit. */
  readonly updatedAt: number;
}

/** One alarm engine slot (evaluator and lifecycle state of one meter and alarm type), as the service's JSON. */
export interface AlarmSlotRecord {
  readonly meter: MeterId;
  readonly type: string;
  readonly state: string;
}

export type AlarmRecordState = 'raised' | 'escalated' | 'acknowledged' | 'cleared';

/** One occurrence of an alarm, in the shape the API returns. */
export interface AlarmRecord {
  /** `<meter>:<type>:<occurrence>`: stable across the transitions of one occurrence. */
  readonly id: string;
  readonly meter: MeterId;
  readonly type: string;
  readonly occurrence: number;
  readonly state: AlarmRecordState;
  readonly severity: 'warn' | 'critical';
  readonly raisedAt: number;
  readonly clearedAt: number | null;
  readonly value: number | null;
  readonly peak: number | null;
  /** Times this occurrence was raised again soon after clearing (the lifecycle's reopen window). */
  readonly reopened: number;
  readonly acknowledgement: { readonly at: number; readonly actor: string; readonly note: string } | null;
}

export interface AlarmTransitionDraft {
  readonly alarm: AlarmRecord;
  readonly from: string;
  readonly at: number;
  readonly reason: string;
}

/** A stored transition; `seq` grows with every transition in the store. */
export interface AlarmTransitionRecord extends AlarmTransitionDraft {
  readonly seq: number;
  /** Whether every notifier has delivered it. */
  readonly notified: boolean;
}

/** Everything one MDM run (or one acknowledgement) changes, written in one transaction. */
export interface MdmCommit {
  readonly watermarks: readonly MdmWatermark[];
  readonly slots: readonly AlarmSlotRecord[];
  /** Inserted or replaced by id. */
  readonly alarms: readonly AlarmRecord[];
  readonly transitions: readonly AlarmTransitionDraft[];
}

export interface AlarmQuery {
  /** `active`: raised, escalated or acknowledged; `all`: cleared ones too. */
  readonly state: 'active' | 'all';
  readonly meter?: MeterId;
  readonly severity?: 'warn' | 'critical';
  readonly limit: number;
  /** Continue after this alarm (the last of the previous page): newest raised first, then by id. */
  readonly after?: { readonly raisedAt: number; readonly id: string };
}

export interface AlarmTransitionQuery {
  /** Only transitions with a larger seq. */
  readonly afterSeq?: number;
  readonly unnotifiedOnly?: boolean;
  readonly alarmId?: string;
  readonly limit?: number;
}

/** The part of the store port the MDM service and the alarm API use. */
export interface MdmStateStore {
  /** Every meter that has sent a reading, in name order. */
  meterIds(): Promise<readonly MeterId[]>;
  /** The watermarks of every meter the service has run for. */
  mdmWatermarks(): Promise<readonly MdmWatermark[]>;
  /** The alarm engine slots of one meter. */
  alarmSlots(meter: MeterId): Promise<readonly AlarmSlotRecord[]>;
  /** Writes a run's watermarks, slots, alarms and transitions in one transaction; returns the transitions' seqs in order. */
  commitMdm(commit: MdmCommit): Promise<readonly number[]>;
  /** Alarms, newest raised first (ties by id, descending). */
  alarms(query: AlarmQuery): Promise<readonly AlarmRecord[]>;
  alarm(id: string): Promise<AlarmRecord | undefined>;
  /** Transitions in seq order. */
  alarmTransitions(query: AlarmTransitionQuery): Promise<readonly AlarmTransitionRecord[]>;
  /** Marks transitions delivered by every notifier. */
  markAlarmTransitionsNotified(seqs: readonly number[]): Promise<void>;
  /**
   * The seq of the last transition `notifier` delivered (its own queue in the outbox). A notifier
   * never seen starts after the transitions marked notified: the oldest one not every notifier had.
   */
  notifierCursor(notifier: string): Promise<number>;
  /** Moves `notifier`'s cursor forward to `seq` (never back), durably. */
  advanceNotifierCursor(notifier: string, seq: number): Promise<void>;
}

export const activeAlarmStates: readonly AlarmRecordState[] = ['raised', 'escalated', 'acknowledged'];

/** The stable id of an alarm occurrence. Meter ids hold no colon (core/src/ids.ts), so the id splits back. */
export const alarmId = (meter: string, type: string, occurrence: number): string => `${meter}:${type}:${occurrence}`;
