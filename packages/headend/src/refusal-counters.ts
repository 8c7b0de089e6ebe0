// Refusals at the head-end, counted per device and reason. Every message the ingest does not store
// ends here with one reason, so an operator sees at a glance which meter sends garbage, replays or
// knocks on another meter's topic (SECURITY.md: refused, counted and logged, nothing stored).
import type { ErrorCode } from '@phasewire/core';

export type RefusalReason =
  /** Not a well-formed envelope, body or batch. */
  | 'malformed'
  /** An envelope, or the MQTT packet carrying it, over the configured bound. */
  | 'oversized'
  /** A counter not above the last accepted one (a replay, or a redelivery of a committed message). */
  | 'replayed'
  /** Another device's topic, a revoked or unregistered device, a client id other than the certificate's. */
  | 'unauthorised'
  /** The envelope failed authentication, named an unknown or retired key, or came the wrong way. */
  | 'forged'
  /** The batch names another meter than the topic. */
  | 'wrong-meter'
  /** Readings at a time outside the window around the head-end's clock (counted per reading; the rest of the message is stored). */
  | 'implausible-time'
  /** The store or the replay window could not commit; the message is not acknowledged and will come again. */
  | 'store-failed';

export const refusalReasons: readonly RefusalReason[] =
  ['malformed', 'oversized', 'replayed', 'unauthorised', 'forged', 'wrong-meter', 'implausible-time', 'store-failed'];

const reasonByCode: Partial<Record<ErrorCode, RefusalReason>> = {
  PW_ERR_ENVELOPE_TRUNCATED: 'malformed',
  PW_ERR_ENVELOPE_MALFORMED: 'malformed',
  PW_ERR_ENVELOPE_BODY: 'malformed',
  PW_ERR_BATCH_INVALID: 'malformed',
  PW_ERR_HEADEND_MESSAGE: 'malformed',
  PW_ERR_STATUS_INVALID: 'malformed',
  PW_ERR_COMMAND_RESPONSE_INVALID: 'malformed',
  PW_ERR_ENVELOPE_TOO_LARGE: 'oversized',
  PW_ERR_HEADEND_PACKET: 'oversized',
  PW_ERR_REPLAY: 'replayed',
  PW_ERR_ENVELOPE_AUTH: 'forged',
  PW_ERR_ENVELOPE_DIRECTION: 'forged',
  PW_ERR_ENVELOPE_UNKNOWN_KEY: 'forged',
  PW_ERR_ENVELOPE_KEY_RETIRED: 'forged',
  PW_ERR_HEADEND_UNAUTHORISED: 'unauthorised',
  PW_ERR_HEADEND_WRONG_METER: 'wrong-meter',
  PW_ERR_HEADEND_READING_TIME: 'implausible-time',
};

/** The reason a refusal with `code` is counted under; anything unexpected is a store failure (not acknowledged, retried). */
export function refusalReasonOf(code: ErrorCode | undefined): RefusalReason {
  return (code === undefined ? undefined : reasonByCode[code]) ?? 'store-failed';
}

export interface RefusalCount {
  readonly device: string;
  readonly reason: RefusalReason;
  readonly count: number;
}

export class RefusalCounters {
  readonly #counts = new Map<string, Map<RefusalReason, number>>();

  /** Counts `n` refusals (messages; readings for `implausible-time`). */
  count(device: string, reason: RefusalReason, n = 1): void {
    let reasons = this.#counts.get(device);
    if (reasons === undefined) {
      reasons = new Map();
      this.#counts.set(device, reasons);
    }
    reasons.set(reason, (reasons.get(reason) ?? 0) + n);
  }

  /** Refusals of one device for one reason (0 when none). */
  of(device: string, reason: RefusalReason): number {
    return this.#counts.get(device)?.get(reason) ?? 0;
  }

  /** Refusals for a reason over all devices. */
  total(reason?: RefusalReason): number {
    let sum = 0;
    for (const reasons of this.#counts.values()) {
      for (const [r, n] of reasons) if (reason === undefined || r === reason) sum += n;
    }
    return sum;
  }

  /** Every non-zero count, by device then reason. */
  list(): RefusalCount[] {
    const rows: RefusalCount[] = [];
    for (const [device, reasons] of [...this.#counts].sort(([a], [b]) => a.localeCompare(b))) {
      for (const reason of refusalReasons) {
        const count = reasons.get(reason);
        if (count !== undefined) rows.push({ device, reason, count });
      }
    }
    return rows;
  }
}
