// Which queued messages are on their way to the head-end and which may go next. A queued record is
// a sealed envelope; the head-end's ack names envelope counters, so the tracker maps (key id,
// counter) back to queue sequence numbers. A message goes again when its ack has not come within
// the link profile's ack timeout, or after a reconnect (the head-end's ingest is idempotent, so a
// duplicate costs bytes, never a duplicate reading). At most `maxInflight` messages are out at
// once, oldest first: that is how a backlog drains in batches while new readings keep queueing.
import { envelopeHeaderLength, messageTypeCodes } from '@phasewire/secure';

export interface QueuedMessage {
  readonly seq: number;
  readonly payload: Uint8Array;
}

interface Outstanding {
  readonly seq: number;
  readonly sentAt: number;
}

/** Key id and counter of a sealed envelope (header bytes 4–7 and 8–15, docs/security-envelope.md). */
export function envelopeCounterOf(envelope: Uint8Array): { keyId: number; counter: bigint } | undefined {
  if (envelope.length < envelopeHeaderLength) return undefined;
  const view = new DataView(envelope.buffer, envelope.byteOffset, envelopeHeaderLength);
  return { keyId: view.getUint32(4), counter: view.getBigUint64(8) };
}

/**
 * Whether a sealed envelope is a command's answer (header byte 2, the message type): the queue holds
 * answers and readings in the order they were sealed, and each goes out on its own topic.
 */
export function isCommandResponse(envelope: Uint8Array): boolean {
  return envelope.length >= envelopeHeaderLength && envelope[2] === messageTypeCodes['command-response'];
}

/** Whether a queued envelope is an event (a protection trip) or the sealed relay status: both go out on up/events. */
export function isEvent(envelope: Uint8Array): boolean {
  return envelope.length >= envelopeHeaderLength && (envelope[2] === messageTypeCodes.event || envelope[2] === messageTypeCodes.status);
}

const keyOf = (keyId: number, counter: bigint): string => `${keyId}/${counter}`;

export class InflightTracker {
  readonly #maxInflight: number;
  readonly #ackTimeoutMs: number;
  readonly #bySeq = new Map<number, Outstanding>();
  readonly #byCounter = new Map<string, number>();

  constructor(options: { readonly maxInflight: number; readonly ackTimeoutMs: number }) {
    this.#maxInflight = Math.max(1, options.maxInflight);
    this.#ackTimeoutMs = options.ackTimeoutMs;
  }

  get size(): number {
    return this.#bySeq.size;
  }

  /**
   * Of the oldest unacknowledged records (`candidates`, in queue order), those to publish now: not
   * out already (or out longer than the ack timeout), within the window. They count as sent at `now`.
   */
  take(candidates: readonly QueuedMessage[], now: number): QueuedMessage[] {
    const out: QueuedMessage[] = [];
    for (const record of candidates) {
      const outstanding = this.#bySeq.get(record.seq);
      if (outstanding !== undefined && now - outstanding.sentAt < this.#ackTimeoutMs) continue;
      if (outstanding === undefined && this.#bySeq.size >= this.#maxInflight) break;
      const id = envelopeCounterOf(record.payload);
      if (id === undefined) continue;
      this.#bySeq.set(record.seq, { seq: record.seq, sentAt: now });
      this.#byCounter.set(keyOf(id.keyId, id.counter), record.seq);
      out.push(record);
    }
    return out;
  }

  /** The queue sequence numbers the head-end's ack covers (unknown counters are ignored). */
  acked(keyId: number, counters: readonly bigint[]): number[] {
    const seqs: number[] = [];
    for (const counter of counters) {
      const key = keyOf(keyId, counter);
      const seq = this.#byCounter.get(key);
      if (seq === undefined) continue;
      this.#byCounter.delete(key);
      this.#bySeq.delete(seq);
      seqs.push(seq);
    }
    return seqs;
  }

  /** The earliest time an outstanding message's ack is overdue, or undefined when none is out. */
  nextTimeout(): number | undefined {
    let earliest: number | undefined;
    for (const o of this.#bySeq.values()) earliest = Math.min(earliest ?? Number.POSITIVE_INFINITY, o.sentAt + this.#ackTimeoutMs);
    return earliest;
  }

  /** After a lost connection everything outstanding may go again at once. */
  reset(): void {
    this.#bySeq.clear();
    this.#byCounter.clear();
  }
}
