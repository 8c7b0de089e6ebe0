// The alarms as the HTTP API uses them: list with filters and an opaque cursor, one by id,
// acknowledge with who and why, and a live feed of transitions. Reads go to the store; an
// acknowledgement steps the alarm's persisted engine slot and commits slot, alarm and transition in
// one transaction, in the same queue as the MDM runs (`serialize`), so a run and an
// acknowledgement of the same meter never interleave.
import { ValidationError, type Clock } from '@phasewire/core';
import type { MeterStore } from '@phasewire/store';
import type { AlarmRecord } from '@phasewire/store';
import { AlarmEngine } from '../alarms/alarm-engine.ts';
import type { AlarmConfig } from '../alarms/alarm-config.ts';
import { alarmView, parseAlarmId, slotOfRecord, type AlarmView } from './alarm-records.ts';
import type { AlarmListener, AlarmOutbox } from './alarm-outbox.ts';
import { meterMetadata, type MeterSetupConfig } from './meter-setup.ts';
import { commitOf } from './process-meter.ts';

export interface AlarmListQuery {
  readonly state: 'active' | 'all';
  readonly meter?: string;
  readonly severity?: 'warn' | 'critical';
  /** 1 to 1000. */
  readonly limit: number;
  /** `nextCursor` of the previous page. */
  readonly cursor?: string | null;
}

export interface AlarmPage {
  readonly items: readonly AlarmView[];
  readonly nextCursor: string | null;
}

export interface AlarmService {
  list(query: AlarmListQuery): Promise<AlarmPage>;
  get(id: string): Promise<AlarmView | undefined>;
  /** Acknowledges a raised or escalated alarm; PW_ERR_ALARM_NOT_FOUND, PW_ERR_ALARM_TRANSITION, PW_ERR_EDIT_REASON_REQUIRED otherwise. */
  acknowledge(id: string, actor: string, note: string): Promise<AlarmView>;
  /** Every committed transition, as it happens; returns the unsubscribe function. */
  subscribe(listener: AlarmListener): () => void;
}

export interface AlarmServiceDeps {
  readonly store: MeterStore;
  readonly clock: Clock;
  readonly alarms: AlarmConfig;
  readonly meters: MeterSetupConfig;
  readonly outbox: AlarmOutbox;
  /** Runs work after the work queued before it (the MDM service's queue). */
  readonly serialize: <T>(work: () => Promise<T>) => Promise<T>;
}

// Ids are ASCII (meter ids and alarm types are), so btoa serves; URL-safe so a cursor needs no escaping.
const cursorOf =
  (a: AlarmRecord): string => btoa(JSON.stringify([a.raisedAt, a.id])).replaceAll('+', '-').replaceAll('/', '_').replaceAll('=', '');

function parseCursor(cursor: string): { raisedAt: number; id: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(atob(cursor.replaceAll('-', '+').replaceAll('_', '/')));
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 2 || !Number.isSafeInteger(parsed[0]) || typeof parsed[1] !== 'string') {
    throw new ValidationError('PW_ERR_ALARM_QUERY',
      `Cannot list alarms after cursor ${JSON.stringify(cursor.slice(0, 40))}: it is not a cursor this service gave out`);
  }
  const [raisedAt, id] = parsed as [number, string];
  return { raisedAt, id };
}

export function createAlarmService(deps: AlarmServiceDeps): AlarmService {
  const { store, outbox } = deps;
  return {
    async list(query) {
      if (!Number.isSafeInteger(query.limit) || query.limit < 1 || query.limit > 1000) {
        throw new ValidationError('PW_ERR_ALARM_QUERY',
          `Cannot list alarms with limit ${query.limit}: expected a whole number from 1 to 1000`);
      }
      const after = query.cursor === undefined || query.cursor === null ? undefined : parseCursor(query.cursor);
      const rows = await store.alarms({
        state: query.state, limit: query.limit + 1,
        ...(query.meter === undefined ? {} : { meter: query.meter as AlarmRecord['meter'] }),
        ...(query.severity === undefined ? {} : { severity: query.severity }),
        ...(after === undefined ? {} : { after }),
      });
      const items = rows.slice(0, query.limit);
      const last = items.at(-1);
      return { items: items.map(alarmView), nextCursor: rows.length > query.limit && last !== undefined ? cursorOf(last) : null };
    },

    async get(id) {
      const record = await store.alarm(id);
      return record === undefined ? undefined : alarmView(record);
    },

    acknowledge(id, actor, note) {
      return deps.serialize(async () => {
        const named = parseAlarmId(id);
        const record = named === undefined ? undefined : await store.alarm(id);
        if (named === undefined || record === undefined)
          throw new ValidationError('PW_ERR_ALARM_NOT_FOUND', `Cannot acknowledge alarm ${JSON.stringify(id)}: there is no such alarm`);
        const engine = AlarmEngine.restore(deps.alarms, { slots: (await store.alarmSlots(named.meter)).map(slotOfRecord) });
        if (engine.alarm(named.meter, named.type).occurrence !== named.occurrence) {
          throw new ValidationError('PW_ERR_ALARM_TRANSITION',
            `Cannot acknowledge alarm ${id}: it is ${record.state} and a later occurrence has followed it`);
        }
        const meta = meterMetadata(named.meter, deps.meters);
        const transition = engine.acknowledge(meta, named.type, deps.clock.now(), actor, note);
        const commit = commitOf(engine, named.meter, [transition], null);
        const seqs = await store.commitMdm(commit);
        outbox.publish(commit.transitions.map((t, i) => ({ ...t, seq: seqs[i] ?? 0, notified: false })));
        void outbox.flush();
        const acknowledged = commit.alarms.find((a) => a.id === id);
        if (acknowledged === undefined) throw new Error(`alarm ${id} vanished from its own commit`);
        return alarmView(acknowledged);
      });
    },

    subscribe: (listener) => outbox.subscribe(listener),
  };
}
