// The head-end's receipts (sealed `ack` downlink on pw/v1/<device>/ack): the body is
// @phasewire/core/protocol's (encodeAck/decodeAck, docs/protocol.md); here the entries the ingest
// commits, one per uplink message, are grouped into one body per key id.
import { ValidationError } from '@phasewire/core';
import { encodeAck } from '@phasewire/core/protocol';
import type { Ack } from '@phasewire/core/protocol';

export interface AckRefusal {
  readonly code: string;
  /** Readings of the message refused, never stored. */
  readonly readings: number;
}

export interface AckEntry {
  readonly keyId: number;
  readonly counter: bigint;
  readonly refused?: AckRefusal;
}

/** The wire bodies for `entries`: one per key id, in order of first appearance (encodeAck checks each). */
export function toWireAcks(entries: readonly AckEntry[]): Record<string, unknown>[] {
  const byKey = new Map<number, { counters: bigint[]; refused: { counter: bigint; code: string; readings: number }[] }>();
  for (const { keyId, counter, refused } of entries) {
    let lists = byKey.get(keyId);
    if (lists === undefined) { lists = { counters: [], refused: [] }; byKey.set(keyId, lists); }
    lists.counters.push(counter);
    if (refused !== undefined) lists.refused.push({ counter, ...refused });
  }
  if (byKey.size === 0) throw new ValidationError('PW_ERR_INVALID_ARGUMENT', 'Cannot build an ack of no entries: expected at least one');
  return [...byKey].map(([keyId, { counters, refused }]) =>
    encodeAck(refused.length === 0 ? { keyId, counters } : { keyId, counters, refused }));
}

/** The entries of a decoded ack body, one per counter (what a device reads of it; for tests). */
export function ackEntries(ack: Ack): AckEntry[] {
  const refused = new Map((ack.refused ?? []).map((r) => [r.counter, { code: r.code, readings: r.readings }]));
  return ack.counters.map((counter) => {
    const refusal = refused.get(counter);
    return refusal === undefined ? { keyId: ack.keyId, counter } : { keyId: ack.keyId, counter, refused: refusal };
  });
}
