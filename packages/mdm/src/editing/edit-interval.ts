// Manual editing of interval data. An edit needs an actor and a reason (a utility must be able to
// say who changed a billed value and why); it is appended to the audit trail, the interval becomes
// `edited`, and its previous version stays in its history. Edits outlive VEE re-runs: after each run
// the service calls `applyEdits` with the trail.
import { ValidationError, type MeterId, type ObisCode } from '@phasewire/core';
import type { FinalInterval, SupersededValue } from '../types.ts';
import { iso } from '../grid.ts';
import type { AuditEntry, AuditTrail } from './audit-trail.ts';

export interface EditRequest {
  readonly meter: MeterId;
  readonly quantity: ObisCode;
  /** End of the interval to change. */
  readonly interval: number;
  /** The new energy, Wh. */
  readonly value: number;
  readonly actor: string;
  readonly reason: string;
}

export interface EditResult {
  readonly intervals: readonly FinalInterval[];
  readonly trail: AuditTrail;
}

/** A refused edit; `field` names the part of the request to correct (the API answers it as a body field). */
export class EditRefusal extends ValidationError {
  readonly field: keyof EditRequest;

  constructor(code: 'PW_ERR_EDIT_REASON_REQUIRED' | 'PW_ERR_EDIT_INVALID', field: keyof EditRequest, message: string) {
    super(code, message);
    this.field = field;
  }
}

const attempt = (request: EditRequest): string => `Cannot edit the interval ending ${iso(request.interval)} of meter ${request.meter}`;

/**
 * The rules of every edit, wherever it is made (`editInterval` here, the API's edit route): who made
 * it, why, and a value that is an energy. Throws an EditRefusal; nothing is changed.
 */
export function checkEdit(request: EditRequest): void {
  const what = attempt(request);
  if (request.reason.trim() === '') {
    const why = 'every edit needs a reason for the audit trail';
    throw new EditRefusal('PW_ERR_EDIT_REASON_REQUIRED', 'reason', `${what}: the reason is empty; ${why}`);
  }
  if (request.actor.trim() === '') {
    throw new EditRefusal('PW_ERR_EDIT_REASON_REQUIRED', 'actor', `${what}: the actor is empty; every edit needs the name of who made it`);
  }
  if (!Number.isFinite(request.value) || request.value < 0) {
    throw new EditRefusal('PW_ERR_EDIT_INVALID', 'value', `${what}: the value ${request.value} is not a finite, non-negative energy in Wh`);
  }
}

/** Checks an edit of a series: the rules of every edit, and an interval the series has. Nothing is changed. */
export function checkEditRequest(request: EditRequest, intervals: readonly FinalInterval[]): void {
  checkEdit(request);
  if (!intervals.some((i) => i.at === request.interval)) {
    const found = `the series has no interval ending then (${intervals.length} intervals given)`;
    throw new EditRefusal('PW_ERR_EDIT_INVALID', 'interval', `${attempt(request)}: ${found}`);
  }
}

export function editInterval(intervals: readonly FinalInterval[], trail: AuditTrail, request: EditRequest, now: number): EditResult {
  checkEditRequest(request, intervals);
  const target = intervals.find((i) => i.at === request.interval) as FinalInterval;
  const nextTrail = trail.append({
    at: now,
    actor: request.actor,
    reason: request.reason,
    action: 'edit',
    meter: request.meter,
    quantity: request.quantity,
    interval: request.interval,
    from: target.value,
    fromQuality: target.quality,
    to: request.value,
  });
  const entry = nextTrail.entries.at(-1) as AuditEntry;
  return {
    intervals: intervals.map((i) => (i.at === request.interval ? { ...edited(i, entry), history: [...i.history, supersede(i, now)] } : i)),
    trail: nextTrail,
  };
}

/** The series with the latest edit of each interval from the trail applied (after a VEE run). */
export function applyEdits(intervals: readonly FinalInterval[], trail: AuditTrail, meter: MeterId, quantity: ObisCode): FinalInterval[] {
  const latest = trail.latestEdits(meter, quantity);
  return intervals.map((i) => {
    const entry = latest.get(i.at);
    return entry === undefined ? i : edited(i, entry);
  });
}

function edited(interval: FinalInterval, entry: AuditEntry): FinalInterval {
  return {
    at: interval.at,
    value: entry.to,
    quality: 'edited',
    raw: interval.raw,
    provenance: [...interval.provenance,
      { rule: 'EDIT', from: interval.value, to: entry.to, quality: 'edited', reason: entry.reason, actor: entry.actor }],
    history: interval.history,
  };
}

function supersede(interval: FinalInterval, now: number): SupersededValue {
  const base = { value: interval.value, quality: interval.quality, provenance: interval.provenance, supersededAt: now };
  return interval.method === undefined ? base : { ...base, method: interval.method };
}
