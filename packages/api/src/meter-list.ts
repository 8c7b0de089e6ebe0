// The fleet and meter list as the API shows them: a summary per meter from the registry record and
// the MDM's figures, then the list's filters, sort and cursor. Pure: the server gathers the inputs.
import type { DeviceRecord } from '@phasewire/headend';
import { ApiFieldError } from './api-errors.ts';
import type { FleetSummary, MeterListQuery, MeterSummary } from './dto.ts';
import { roundPercent, roundRatio } from './rounding.ts';

export interface MeterFigures {
  readonly now: number;
  /** A meter seen within this window is online. */
  readonly onlineWindowMs: number;
  readonly alarms: ReadonlyMap<string, { warn: number; critical: number }>;
  readonly vufPercent: (meter: string) => number | null;
  /** Today's completeness per meter (0..1). */
  readonly completeness: ReadonlyMap<string, number>;
}

export const iso = (ms: number): string => new Date(ms).toISOString();

/** ECMA-262 §21.4.1.22: a Date, and so an ISO-8601 text, holds times within ±8.64e15 ms of the epoch. */
const dateRangeMs = 8.64e15;

/**
 * Whether `ms` can be answered as an ISO-8601 time. The ingest refuses readings outside a plausible
 * window, but a store written before that (or by hand) may hold one beyond a Date's range: answers
 * leave such a reading out rather than fail (docs/api.md).
 */
export const isExpressibleTime = (ms: number): boolean => Number.isFinite(ms) && Math.abs(ms) <= dateRangeMs;

export function isOnline(record: DeviceRecord, now: number, windowMs: number): boolean {
  return record.state !== 'revoked' && record.lastSeen !== null && now - record.lastSeen <= windowMs;
}

export function meterSummary(record: DeviceRecord, figures: MeterFigures): MeterSummary {
  return {
    id: record.id,
    model: record.model,
    link: record.linkProfile,
    state: record.state,
    online: isOnline(record, figures.now, figures.onlineWindowMs),
    lastSeen: record.lastSeen === null ? null : iso(record.lastSeen),
    activeAlarms: figures.alarms.get(record.id) ?? { warn: 0, critical: 0 },
    vufPercent: roundPercent(figures.vufPercent(record.id)),
    completenessToday: roundRatio(figures.completeness.get(record.id) ?? null),
  };
}

export function fleetSummary(summaries: readonly MeterSummary[]): FleetSummary {
  const byLink = { wifi: { online: 0, offline: 0 }, cellular: { online: 0, offline: 0 }, rs485: { online: 0, offline: 0 } };
  const activeAlarms = { warn: 0, critical: 0 };
  let online = 0;
  let completenessSum = 0;
  let completenessCount = 0;
  for (const meter of summaries) {
    if (meter.online) online += 1;
    if (meter.link !== null) byLink[meter.link][meter.online ? 'online' : 'offline'] += 1;
    activeAlarms.warn += meter.activeAlarms.warn;
    activeAlarms.critical += meter.activeAlarms.critical;
    if (meter.completenessToday !== null) {
      completenessSum += meter.completenessToday;
      completenessCount += 1;
    }
  }
  return {
    meters: summaries.length, online, offline: summaries.length - online, byLink, activeAlarms,
    completenessToday: completenessCount === 0 ? null : roundRatio(completenessSum / completenessCount),
  };
}

/** Cursors are opaque to clients: the offset into the sorted, filtered list. */
export const encodeCursor = (offset: number): string => `o${offset.toString(36)}`;

export function decodeCursor(cursor: string | undefined): number {
  if (cursor === undefined) return 0;
  const match = /^o([0-9a-z]{1,8})$/.exec(cursor);
  if (match === null)
    throw new ApiFieldError('/querystring/cursor', 'Cannot accept the request: querystring.cursor is not a cursor this server gave out');
  return Number.parseInt(match[1] ?? '0', 36);
}

const byId = (a: MeterSummary, b: MeterSummary): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

const sorters: Readonly<Record<NonNullable<MeterListQuery['sort']>, (a: MeterSummary, b: MeterSummary) => number>> = {
  // Worst voltage unbalance first; meters without a figure last, then by id so pages are stable.
  imbalance: (a, b) => (b.vufPercent ?? -1) - (a.vufPercent ?? -1) || byId(a, b),
  id: byId,
  lastSeen: (a, b) => (b.lastSeen ?? '').localeCompare(a.lastSeen ?? '') || byId(a, b),
};

export interface MeterPage {
  readonly items: readonly MeterSummary[];
  readonly total: number;
  readonly nextCursor: string | null;
}

export function listMeters(summaries: readonly MeterSummary[], query: MeterListQuery): MeterPage {
  const q = query.q?.toLowerCase();
  const matching = summaries.filter((m) => (query.status === undefined || m.online === (query.status === 'online'))
    && (query.link === undefined || m.link === query.link)
    && (query.alarm === undefined || m.activeAlarms.warn + m.activeAlarms.critical > 0)
    && (q === undefined || m.id.includes(q)));
  matching.sort(sorters[query.sort ?? 'imbalance']);
  const offset = decodeCursor(query.cursor);
  const limit = query.limit ?? 100;
  const items = matching.slice(offset, offset + limit);
  const next = offset + items.length;
  return { items, total: matching.length, nextCursor: next < matching.length ? encodeCursor(next) : null };
}
