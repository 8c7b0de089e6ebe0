// The head-end's receipt (`ack` message type, sealed downlink on pw/v1/<device>/ack): the uplink
// envelopes of one key id, by counter, whose contents are committed to the store. The device's
// store-and-forward queue drops a record when its counter is listed here, never on the MQTT PUBACK
// alone (a PUBACK from an external broker says nothing about the store).
//
// Body (CBOR, inside the envelope), as the meter agent's contract has it (docs/meter-agent.md,
// packages/meter/src/agent/agent-messages.ts): { v: 1, k: key id, c: [counters] }, a counter as an
// integer, or as a CBOR bignum above 2^53 − 1.
import { DecodeError, ValidationError } from '@phasewire/core';

export interface AckEntry {
  readonly keyId: number;
  readonly counter: bigint;
}

/** Largest number of counters in one ack (the agent's bound). */
export const maxAckEntries = 4096;

/** The wire bodies for `entries`: one per key id, in order of first appearance. */
export function toWireAcks(entries: readonly AckEntry[]): Record<string, unknown>[] {
  if (entries.length === 0 || entries.length > maxAckEntries) {
    throw new ValidationError('PW_ERR_INVALID_ARGUMENT', `Cannot build an ack of ${entries.length} entries: expected 1 to ${maxAckEntries}`);
  }
  const byKey = new Map<number, (number | bigint)[]>();
  for (const { keyId, counter } of entries) {
    if (counter < 1n) throw new ValidationError('PW_ERR_INVALID_ARGUMENT', `Cannot acknowledge counter ${counter}: expected a positive counter`);
    let list = byKey.get(keyId);
    if (list === undefined) { list = []; byKey.set(keyId, list); }
    list.push(counter <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(counter) : counter);
  }
  return [...byKey].map(([k, c]) => ({ v: 1, k, c }));
}

const fail = (what: string): never => {
  throw new DecodeError('PW_ERR_HEADEND_MESSAGE', `Cannot decode ack message: ${what}`);
};

/** Parses an opened ack body (the device side's reading of it, for tests); total, bounded. */
export function fromWireAck(wire: unknown): AckEntry[] {
  if (typeof wire !== 'object' || wire === null || Array.isArray(wire)) return fail('expected a map');
  const record = wire as Record<string, unknown>;
  if (record['v'] !== 1) return fail(`version ${JSON.stringify(record['v'])} is not supported, expected 1`);
  const keyId = record['k'];
  if (typeof keyId !== 'number' || !Number.isSafeInteger(keyId) || keyId < 1 || keyId > 0xffff_ffff) return fail('the key id (k) is not 1 to 2^32 − 1');
  const list = record['c'];
  if (!Array.isArray(list) || list.length === 0 || list.length > maxAckEntries) return fail(`expected 1 to ${maxAckEntries} counters (c)`);
  return list.map((item: unknown, i) => {
    if (typeof item === 'bigint' && item > 0n) return { keyId, counter: item };
    if (typeof item === 'number' && Number.isSafeInteger(item) && item > 0) return { keyId, counter: BigInt(item) };
    return fail(`counter ${i} is not a positive integer`);
  });
}
