// The MDM state tables on PostgreSQL (store/mdm-state.ts): the same tables and behaviour as on
// SQLite (sqlite-mdm-state.ts), a run committed in one transaction.
import type { MeterId } from '@phasewire/core';
import type { AlarmQuery, AlarmRecord, AlarmSlotRecord, AlarmTransitionQuery, AlarmTransitionRecord, MdmCommit,
  MdmWatermark } from '../../mdm-state.ts';
import { alarmColumns, alarmFilter, alarmJson, alarmOfRow, alarmValues, transitionOfRow, watermarkOfRow, type AlarmRow, type TransitionRow,
  type WatermarkRow } from '../mdm/mdm-rows.ts';
import type { PostgresDb } from './postgres-db.ts';

export const meterNames = async (db: PostgresDb): Promise<MeterId[]> =>
  (await db.query<{ name: string }>('SELECT name FROM meter ORDER BY name COLLATE "C"')).map((r) => r.name as MeterId);

export const watermarks = async (db: PostgresDb): Promise<MdmWatermark[]> =>
  (await db.query<WatermarkRow>('SELECT meter, analysed_until, validated_until, fingerprint, updated_at FROM mdm_watermark ORDER BY meter '
    + 'COLLATE "C"')).map(watermarkOfRow);

export const alarmSlots = async (db: PostgresDb, meter: MeterId): Promise<AlarmSlotRecord[]> =>
  (await db.query<{ type: string; state: string }>('SELECT type, state FROM alarm_slot WHERE meter = $1 ORDER BY type COLLATE "C"',
    [meter])).map((r) => ({ meter, type: r.type, state: r.state }));

export function commitMdm(db: PostgresDb, commit: MdmCommit): Promise<number[]> {
  const now = db.clock.now();
  const placeholders = alarmColumns.split(',').map((_, i) => `$${i + 1}`).join(', ');
  const updates = alarmColumns.split(',').map((c) => c.trim()).filter((c) => c !== 'id').map((c) => `${c} = excluded.${c}`).join(', ');
  return db.transaction(async (client) => {
    for (const w of commit.watermarks) {
      await client.query(`INSERT INTO mdm_watermark (meter, analysed_until, validated_until, fingerprint, updated_at)
        VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (meter) DO UPDATE SET analysed_until = excluded.analysed_until, validated_until = excluded.validated_until,
          fingerprint = excluded.fingerprint, updated_at = excluded.updated_at`,
      [w.meter, w.analysedUntil, w.validatedUntil, w.fingerprint, now]);
    }
    for (const s of commit.slots) {
      await client.query('INSERT INTO alarm_slot (meter, type, state) VALUES ($1, $2, $3) ON CONFLICT (meter, type) DO UPDATE SET state = '
        + 'excluded.state', [s.meter, s.type, s.state]);
    }
    for (const a of commit.alarms) {
      await client.query(`INSERT INTO alarm (${alarmColumns}) VALUES (${placeholders}) ON CONFLICT (id) DO UPDATE SET ${updates}`,
        alarmValues(a));
    }
    const seqs: number[] = [];
    for (const t of commit.transitions) {
      const row = await client.query<{ seq: number }>('INSERT INTO alarm_transition (alarm_id, from_state, at, reason, alarm, notified) '
        + 'VALUES ($1, $2, $3, $4, $5, false) RETURNING seq',
        [t.alarm.id, t.from, t.at, t.reason, alarmJson(t.alarm)]);
      seqs.push(Number(row.rows[0]?.seq));
    }
    return seqs;
  });
}

export async function alarms(db: PostgresDb, query: AlarmQuery): Promise<AlarmRecord[]> {
  const { where, params } = alarmFilter(query, (n) => `$${n}`);
  // COLLATE "C": ids compare byte by byte, as on SQLite, so pages continue at the same place.
  const ordered = where.replaceAll('id <', 'id COLLATE "C" <');
  return (await db.query<AlarmRow>(`SELECT ${alarmColumns} FROM alarm ${ordered} ORDER BY raised_at DESC, id COLLATE "C" DESC LIMIT `
    + `$${params.length + 1}`, [...params, query.limit])).map(alarmOfRow);
}

export async function alarm(db: PostgresDb, id: string): Promise<AlarmRecord | undefined> {
  const row = (await db.query<AlarmRow>(`SELECT ${alarmColumns} FROM alarm WHERE id = $1`, [id]))[0];
  return row === undefined ? undefined : alarmOfRow(row);
}

export async function alarmTransitions(db: PostgresDb, query: AlarmTransitionQuery): Promise<AlarmTransitionRecord[]> {
  const terms = ['seq > $1'];
  const params: (string | number)[] = [query.afterSeq ?? 0];
  if (query.unnotifiedOnly === true) terms.push('NOT notified');
  if (query.alarmId !== undefined) { params.push(query.alarmId); terms.push(`alarm_id = $${params.length}`); }
  params.push(query.limit ?? 1000);
  return (await db.query<TransitionRow>(`SELECT seq, from_state, at, reason, alarm, notified FROM alarm_transition `
    + `WHERE ${terms.join(' AND ')} ORDER BY seq LIMIT $${params.length}`, params)).map(transitionOfRow);
}

export async function markNotified(db: PostgresDb, seqs: readonly number[]): Promise<void> {
  if (seqs.length === 0) return;
  await db.query('UPDATE alarm_transition SET notified = true WHERE seq = ANY($1::bigint[])', [[...seqs]]);
}

/** Where a notifier without a cursor starts: after the transitions every notifier had delivered (the `notified` flag). */
const firstCursorSql = `SELECT COALESCE((SELECT MIN(seq) - 1 FROM alarm_transition WHERE NOT notified),
  (SELECT MAX(seq) FROM alarm_transition), 0) AS after_seq`;

export async function notifierCursor(db: PostgresDb, notifier: string): Promise<number> {
  const row = (await db.query<{ after_seq: string | number }>('SELECT after_seq FROM notifier_cursor WHERE notifier = $1', [notifier]))[0]
    ?? (await db.query<{ after_seq: string | number }>(firstCursorSql))[0];
  return Number(row?.after_seq ?? 0);
}

export async function advanceNotifierCursor(db: PostgresDb, notifier: string, seq: number): Promise<void> {
  await db.query(`INSERT INTO notifier_cursor (notifier, after_seq) VALUES ($1, $2)
    ON CONFLICT (notifier) DO UPDATE SET after_seq = GREATEST(notifier_cursor.after_seq, excluded.after_seq)`, [notifier, seq]);
}
