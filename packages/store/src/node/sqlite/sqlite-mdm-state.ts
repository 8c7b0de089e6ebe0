// The MDM state tables on SQLite (store/mdm-state.ts): reads, and the one-transaction commit of a
// run, which the store runs inside its write queue.
import type { MeterId } from '@phasewire/core';
import type { AlarmQuery, AlarmRecord, AlarmSlotRecord, AlarmTransitionQuery, AlarmTransitionRecord, MdmCommit,
  MdmWatermark } from '../../mdm-state.ts';
import { alarmColumns, alarmFilter, alarmJson, alarmOfRow, alarmValues, transitionOfRow, watermarkOfRow, type AlarmRow, type TransitionRow,
  type WatermarkRow } from '../mdm/mdm-rows.ts';
import type { SqliteContext } from './sqlite-context.ts';

export const meterNames = (ctx: SqliteContext): MeterId[] =>
  ctx.arrays('SELECT name FROM meter ORDER BY name').map((row) => String(row[0]) as MeterId);

export const watermarks = (ctx: SqliteContext): MdmWatermark[] =>
  ctx.stmt('SELECT meter, analysed_until, validated_until, fingerprint, updated_at FROM mdm_watermark ORDER BY meter').all()
    .map((r) => watermarkOfRow(r as unknown as WatermarkRow));

export const alarmSlots = (ctx: SqliteContext, meter: MeterId): AlarmSlotRecord[] =>
  ctx.stmt('SELECT type, state FROM alarm_slot WHERE meter = ? ORDER BY type').all(meter)
    .map((r) => ({ meter, type: String(r['type']), state: String(r['state']) }));

export function commitMdm(ctx: SqliteContext, commit: MdmCommit): number[] {
  const now = ctx.clock.now();
  const mark = ctx.stmt(`INSERT INTO mdm_watermark (meter, analysed_until, validated_until, fingerprint, updated_at) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (meter) DO UPDATE SET analysed_until = excluded.analysed_until, validated_until = excluded.validated_until,
      fingerprint = excluded.fingerprint, updated_at = excluded.updated_at`);
  for (const w of commit.watermarks) mark.run(w.meter, w.analysedUntil, w.validatedUntil, w.fingerprint, now);
  const slot =
    ctx.stmt('INSERT INTO alarm_slot (meter, type, state) VALUES (?, ?, ?) ON CONFLICT (meter, type) DO UPDATE SET state = excluded.state');
  for (const s of commit.slots) slot.run(s.meter, s.type, s.state);
  const alarm = ctx.stmt(`INSERT OR REPLACE INTO alarm (${alarmColumns}) VALUES (${alarmColumns.split(',').map(() => '?').join(', ')})`);
  for (const a of commit.alarms) alarm.run(...alarmValues(a));
  const transition = ctx.stmt('INSERT INTO alarm_transition (alarm_id, from_state, at, reason, alarm, notified) VALUES (?, ?, ?, ?, ?, 0)');
  return commit.transitions.map((t) => Number(transition.run(t.alarm.id, t.from, t.at, t.reason, alarmJson(t.alarm)).lastInsertRowid));
}

export function alarms(ctx: SqliteContext, query: AlarmQuery): AlarmRecord[] {
  const { where, params } = alarmFilter(query, () => '?');
  return ctx.stmt(`SELECT ${alarmColumns} FROM alarm ${where} ORDER BY raised_at DESC, id DESC LIMIT ?`).all(...params, query.limit)
    .map((r) => alarmOfRow(r as unknown as AlarmRow));
}

export function alarm(ctx: SqliteContext, id: string): AlarmRecord | undefined {
  const row = ctx.stmt(`SELECT ${alarmColumns} FROM alarm WHERE id = ?`).get(id);
  return row === undefined ? undefined : alarmOfRow(row as unknown as AlarmRow);
}

export function alarmTransitions(ctx: SqliteContext, query: AlarmTransitionQuery): AlarmTransitionRecord[] {
  const terms = ['seq > ?'];
  const params: (string | number)[] = [query.afterSeq ?? 0];
  if (query.unnotifiedOnly === true) terms.push('notified = 0');
  if (query.alarmId !== undefined) { terms.push('alarm_id = ?'); params.push(query.alarmId); }
  return ctx.stmt(`SELECT seq, from_state, at, reason, alarm, notified FROM alarm_transition `
    + `WHERE ${terms.join(' AND ')} ORDER BY seq LIMIT ?`)
    .all(...params, query.limit ?? 1000).map((r) => transitionOfRow(r as unknown as TransitionRow));
}

export function markNotified(ctx: SqliteContext, seqs: readonly number[]): void {
  const mark = ctx.stmt('UPDATE alarm_transition SET notified = 1 WHERE seq = ?');
  for (const seq of seqs) mark.run(seq);
}

/** Where a notifier without a cursor starts: after the transitions every notifier had delivered (the `notified` flag). */
const firstCursorSql = `SELECT COALESCE((SELECT MIN(seq) - 1 FROM alarm_transition WHERE notified = 0),
  (SELECT MAX(seq) FROM alarm_transition), 0) AS after_seq`;

export function notifierCursor(ctx: SqliteContext, notifier: string): number {
  const row = ctx.stmt('SELECT after_seq FROM notifier_cursor WHERE notifier = ?').get(notifier) ?? ctx.stmt(firstCursorSql).get();
  return Number(row?.['after_seq'] ?? 0);
}

export function advanceNotifierCursor(ctx: SqliteContext, notifier: string, seq: number): void {
  ctx.stmt(`INSERT INTO notifier_cursor (notifier, after_seq) VALUES (?, ?)
    ON CONFLICT (notifier) DO UPDATE SET after_seq = MAX(after_seq, excluded.after_seq)`).run(notifier, seq);
}
