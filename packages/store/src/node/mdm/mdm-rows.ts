// Rows of the MDM state tables (the same columns on SQLite and PostgreSQL) to and from the port's
// records (store/mdm-state.ts). Alarm states and severities come back from the database checked: a
// value this code never writes means the table was altered outside phasewire.
import { StoreError, type MeterId } from '@phasewire/core';
import type { AlarmRecord, AlarmRecordState, AlarmTransitionRecord, MdmWatermark } from '../../mdm-state.ts';

export interface AlarmRow {
  readonly id: string;
  readonly meter: string;
  readonly type: string;
  readonly occurrence: number;
  readonly state: string;
  readonly severity: string;
  readonly raised_at: number;
  readonly cleared_at: number | null;
  readonly value: number | null;
  readonly peak: number | null;
  readonly reopened: number;
  readonly ack_at: number | null;
  readonly ack_actor: string | null;
  readonly ack_note: string | null;
}

export const alarmColumns =
  'id, meter, type, occurrence, state, severity, raised_at, cleared_at, value, peak, reopened, ack_at, ack_actor, ack_note';

const states: readonly string[] = ['raised', 'escalated', 'acknowledged', 'cleared'];

const corrupt = (what: string, found: unknown): never => {
  throw new StoreError('PW_ERR_STORE_CORRUPT',
    `Cannot read an alarm from the store: ${what} is ${JSON.stringify(found)}, not a value phasewire writes`);
};

const optional = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export function alarmOfRow(row: AlarmRow): AlarmRecord {
  if (!states.includes(row.state)) corrupt('state', row.state);
  if (row.severity !== 'warn' && row.severity !== 'critical') corrupt('severity', row.severity);
  return {
    id: row.id,
    meter: row.meter as MeterId,
    type: row.type,
    occurrence: row.occurrence,
    state: row.state as AlarmRecordState,
    severity: row.severity as 'warn' | 'critical',
    raisedAt: row.raised_at,
    clearedAt: optional(row.cleared_at),
    value: optional(row.value),
    peak: optional(row.peak),
    reopened: row.reopened,
    acknowledgement: row.ack_at === null || row.ack_actor === null || row.ack_note === null ? null
      : { at: row.ack_at, actor: row.ack_actor, note: row.ack_note },
  };
}

/** The alarm's columns in `alarmColumns` order. */
export const alarmValues = (a: AlarmRecord): (string | number | null)[] => [
  a.id, a.meter, a.type, a.occurrence, a.state, a.severity, a.raisedAt, a.clearedAt, a.value, a.peak, a.reopened,
  a.acknowledgement?.at ?? null, a.acknowledgement?.actor ?? null, a.acknowledgement?.note ?? null,
];

export interface TransitionRow {
  readonly seq: number;
  readonly from_state: string;
  readonly at: number;
  readonly reason: string;
  readonly alarm: string;
  readonly notified: number | boolean;
}

export function transitionOfRow(row: TransitionRow): AlarmTransitionRecord {
  let alarm: AlarmRecord;
  try {
    alarm = alarmOfRow(JSON.parse(row.alarm) as AlarmRow);
  } catch (error) {
    throw new StoreError('PW_ERR_STORE_CORRUPT', `Cannot read alarm transition ${row.seq} from the store: ${(error as Error).message}`,
      { cause: error });
  }
  return { seq: row.seq, from: row.from_state, at: row.at, reason: row.reason, alarm,
    notified: row.notified === true || Number(row.notified) === 1 };
}

/** The alarm as the JSON kept in a transition row (the row's column names, so one decoder serves both). */
export function alarmJson(a: AlarmRecord): string {
  const row: AlarmRow = {
    id: a.id, meter: a.meter, type: a.type, occurrence: a.occurrence, state: a.state, severity: a.severity, raised_at: a.raisedAt,
    cleared_at: a.clearedAt, value: a.value, peak: a.peak, reopened: a.reopened, ack_at: a.acknowledgement?.at ?? null,
    ack_actor: a.acknowledgement?.actor ?? null, ack_note: a.acknowledgement?.note ?? null,
  };
  return JSON.stringify(row);
}

export interface WatermarkRow {
  readonly meter: string;
  readonly analysed_until: number;
  readonly validated_until: number;
  readonly fingerprint: string;
  readonly updated_at: number;
}

export const watermarkOfRow = (r: WatermarkRow): MdmWatermark => ({
  meter: r.meter as MeterId, analysedUntil: r.analysed_until, validatedUntil: r.validated_until, fingerprint: r.fingerprint,
  updatedAt: r.updated_at,
});

/**
 * The WHERE clause and parameters of an alarm query; `p(n)` names the n-th parameter in the
 * database's syntax (`?` or `$n`).
 */
export function alarmFilter(
  query: { state: 'active' | 'all'; meter?: string; severity?: string; after?: { raisedAt: number; id: string } },
  p: (n: number) => string,
): { where: string; params: (string | number)[] } {
  const terms: string[] = [];
  const params: (string | number)[] = [];
  const add = (term: (ph: string) => string, value: string | number): void => { params.push(value); terms.push(term(p(params.length))); };
  if (query.state === 'active') terms.push("state IN ('raised', 'escalated', 'acknowledged')");
  if (query.meter !== undefined) add((ph) => `meter = ${ph}`, query.meter);
  if (query.severity !== undefined) add((ph) => `severity = ${ph}`, query.severity);
  if (query.after !== undefined) {
    params.push(query.after.raisedAt, query.after.raisedAt, query.after.id);
    terms.push(`(raised_at < ${p(params.length - 2)} OR (raised_at = ${p(params.length - 1)} AND id < ${p(params.length)}))`);
  }
  return { where: terms.length === 0 ? '' : `WHERE ${terms.join(' AND ')}`, params };
}
