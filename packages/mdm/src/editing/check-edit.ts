// The rules of a manual edit of interval data. An edit needs an actor and a reason (a utility must be
// able to say who changed a billed value and why) and a value that is an energy. The API's edit route
// checks every edit by them before the store writes it as `edited`, with the person and the reason in
// its append-only change log.
import { ValidationError, type MeterId, type ObisCode } from '@phasewire/core';
import { iso } from '../grid.ts';

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

/** The parts of an edit request the rules can refuse. */
export type EditField = 'reason' | 'actor' | 'value';

/** A refused edit; `field` names the part of the request to correct (the API answers it as a body field). */
export class EditRefusal extends ValidationError {
  readonly field: EditField;

  constructor(code: 'PW_ERR_EDIT_REASON_REQUIRED' | 'PW_ERR_EDIT_INVALID', field: EditField, message: string) {
    super(code, message);
    this.field = field;
  }
}

const attempt = (request: EditRequest): string => `Cannot edit the interval ending ${iso(request.interval)} of meter ${request.meter}`;

/** The rules of every edit: who made it, why, and a value that is an energy. Throws an EditRefusal. */
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
