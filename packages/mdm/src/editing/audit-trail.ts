// The audit trail of manual changes: append-only and in time order. This is the pure model; the
// store persists the entries (and may add its own tamper evidence). A trail value never changes:
// `append` returns a new trail, and the entries are frozen, so no code path can rewrite history.
import { ValidationError, type MeterId, type ObisCode } from '@phasewire/core';
import type { QualityCode } from '../types.ts';

export interface AuditEntry {
  /** 1, 2, 3 … in the order of appending. */
  readonly seq: number;
  /** The clock value when the change was made. */
  readonly at: number;
  readonly actor: string;
  readonly reason: string;
  readonly action: 'edit';
  readonly meter: MeterId;
  readonly quantity: ObisCode;
  /** End of the interval that was changed. */
  readonly interval: number;
  readonly from: number | null;
  readonly fromQuality: QualityCode;
  readonly to: number;
}

export type AuditDraft = Omit<AuditEntry, 'seq'>;

export class AuditTrail {
  readonly #entries: readonly AuditEntry[];

  private constructor(entries: readonly AuditEntry[]) {
    this.#entries = Object.freeze(entries.map((e) => Object.freeze({ ...e })));
  }

  static empty(): AuditTrail {
    return new AuditTrail([]);
  }

  /** A trail from stored entries; checks that they are numbered 1.. and in time order. */
  static of(entries: readonly AuditEntry[]): AuditTrail {
    entries.forEach((entry, i) => {
      const previous = entries[i - 1];
      if (entry.seq !== i + 1 || (previous !== undefined && entry.at < previous.at)) {
        throw new ValidationError('PW_ERR_AUDIT_ORDER', `Cannot load the audit trail: entry ${i + 1} has seq ${entry.seq} at ${entry.at}, `
          + `expected seq ${i + 1} at or after ${previous?.at ?? 'the start'}`);
      }
    });
    return new AuditTrail(entries);
  }

  get entries(): readonly AuditEntry[] {
    return this.#entries;
  }

  /** A new trail with the entry appended; the entry must not be older than the last one. */
  append(draft: AuditDraft): AuditTrail {
    const last = this.#entries.at(-1);
    if (last !== undefined && draft.at < last.at) {
      throw new ValidationError('PW_ERR_AUDIT_ORDER', `Cannot append an audit entry at ${draft.at}: the last entry (seq ${last.seq}) is `
        + `at ${last.at}; the trail is append-only and in time order`);
    }
    return new AuditTrail([...this.#entries, { ...draft, seq: this.#entries.length + 1 }]);
  }

  /** The latest edit of each interval of one channel, by interval end. */
  latestEdits(meter: MeterId, quantity: ObisCode): Map<number, AuditEntry> {
    const latest = new Map<number, AuditEntry>();
    for (const entry of this.#entries) {
      if (entry.meter === meter && entry.quantity === quantity) latest.set(entry.interval, entry);
    }
    return latest;
  }
}
