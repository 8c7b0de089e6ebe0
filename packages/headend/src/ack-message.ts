// The head-end's receipt (`ack` message type, sealed downlink on pw/v1/<device>/ack): the uplink
// envelopes of one key id, by counter, whose contents are committed to the store. The device's
// store-and-forward queue drops a record when its counter is listed here, never on the MQTT PUBACK
// alone (a PUBACK from an external broker says nothing about the store).
//
// Body (CBOR, inside the envelope), as the meter agent's contract has it (docs/meter-agent.md,
// packages/agent/src/agent-messages.ts): { v: 1, k: key id, c: [counters] }, a counter as an
// integer, or as a CBOR bignum above 2^53 − 1. When some readings of a message were refused (a time
// outside the head-end's window), its counter is still acknowledged (what could be stored is, and
// the rest never will be: sending it again changes nothing) and `r` says so:
// { …, r: [{ c: counter, e: 'PW_ERR_…', n: readings refused }] }. An agent that does not know `r`
// ignores it.
import { DecodeError, ValidationError } from '@phasewire/core';

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

/** Largest number of counters in one ack (the agent's bound). */
export const maxAckEntries = 4096;

/** The wire bodies for `entries`: one per key id, in order of first appearance. */
export function toWireAcks(entries: readonly AckEntry[]): Record<string, unknown>[] {
  if (entries.length === 0 || entries.length > maxAckEntries) {
    throw new ValidationError('PW_ERR_INVALID_ARGUMENT', `Cannot build an ack of ${entries.length} entries: expected 1 to ${maxAckEntries}`);
  }
  const byKey = new Map<number, { c: (number | bigint)[]; r: { c: number | bigint; e: string; n: number }[] }>();
  for (const { keyId, counter, refused } of entries) {
    if (counter < 1n) throw new ValidationError('PW_ERR_INVALID_ARGUMENT', `Cannot acknowledge counter ${counter}: expected a positive counter`);
    let lists = byKey.get(keyId);
    if (lists === undefined) { lists = { c: [], r: [] }; byKey.set(keyId, lists); }
    const wire = counter <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(counter) : counter;
    lists.c.push(wire);
    if (refused !== undefined) lists.r.push({ c: wire, e: refused.code, n: refused.readings });
  }
  return [...byKey].map(([k, { c, r }]) => (r.length === 0 ? { v: 1, k, c } : { v: 1, k, c, r }));
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
  const counterOf = (item: unknown, what: string): bigint => {
    if (typeof item === 'bigint' && item > 0n) return item;
    if (typeof item === 'number' && Number.isSafeInteger(item) && item > 0) return BigInt(item);
    return fail(`${what} is not a positive integer`);
  };
  const refusals = record['r'] ?? [];
  if (!Array.isArray(refusals) || refusals.length > list.length) return fail('the refusals (r) are not a list of at most one per counter');
  const refused = new Map<bigint, AckRefusal>();
  refusals.forEach((item: unknown, i) => {
    const entry = typeof item === 'object' && item !== null ? item as Record<string, unknown> : {};
    const { e: code, n: readings } = entry;
    if (typeof code !== 'string' || !code.startsWith('PW_ERR_') || code.length > 64) return fail(`refusal ${i} has no PW_ERR_ code (e)`);
    if (typeof readings !== 'number' || !Number.isSafeInteger(readings) || readings < 1) return fail(`refusal ${i} has no positive count of readings (n)`);
    refused.set(counterOf(entry['c'], `the counter of refusal ${i}`), { code, readings });
  });
  return list.map((item: unknown, i) => {
    const counter = counterOf(item, `counter ${i}`);
    const refusal = refused.get(counter);
    return refusal === undefined ? { keyId, counter } : { keyId, counter, refused: refusal };
  });
}
