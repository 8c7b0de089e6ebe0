// The head-end's receipt (head-end → meter, sealed `ack` on pw/v1/<device>/ack): the uplink
// envelopes of one key id, by counter, whose contents are committed to the store. The meter's
// store-and-forward queue drops a record when its counter is listed here, never on the MQTT PUBACK
// alone (a PUBACK from an external broker says nothing about the store). docs/protocol.md.
//
//   ack  { v: 1, k: key id, c: [counters], r?: [{ c: counter, e: 'PW_ERR_…', n: readings refused }] }
//
// A counter is an integer, or a CBOR bignum above 2^53 − 1. A message some of whose readings were
// refused (a time outside the head-end's window) is still acknowledged, and `r` says so. So is an
// authentic message refused whole for good (a body that does not decode, a batch of another meter,
// an envelope of another type than its topic's): sent again it would be refused again, and kept in
// the meter's queue it would hold up everything behind it. `n` is then the readings it held, 0 when
// it held none or its body could not be read.
import { DecodeError, ValidationError } from '../errors.ts';
import { isMap, protocolLimits, wireCounter, wireErrorCodePattern } from './limits.ts';

export interface AckRefusal {
  readonly counter: bigint;
  /** Why: a stable PW_ERR_ code (PW_ERR_HEADEND_READING_TIME). */
  readonly code: string;
  /** Readings of the message refused, never stored (0: a message refused whole that held none, or that could not be read). */
  readonly readings: number;
}

export interface Ack {
  readonly keyId: number;
  readonly counters: readonly bigint[];
  /** Messages refused whole or in part; their counters are in `counters` too. */
  readonly refused?: readonly AckRefusal[];
}

function check(ack: Ack): string | undefined {
  const { keyId, counters, refused = [] } = ack;
  if (!Number.isSafeInteger(keyId) || keyId < 1 || keyId > protocolLimits.maxKeyId) return 'the key id is not 1 to 2^32 − 1';
  if (counters.length === 0 || counters.length > protocolLimits.ackCounters) return `expected 1 to ${protocolLimits.ackCounters} counters`;
  if (counters.some((counter) => counter < 1n)) return 'a counter is not positive';
  if (refused.length > counters.length) return 'there are more refusals than counters';
  const listed = new Set(counters);
  for (const [i, refusal] of refused.entries()) {
    if (!wireErrorCodePattern.test(refusal.code)) return `refusal ${i} has no PW_ERR_ code`;
    if (!Number.isSafeInteger(refusal.readings) || refusal.readings < 0) return `refusal ${i} has no count of readings (an integer ≥ 0)`;
    if (!listed.has(refusal.counter)) return `refusal ${i} is of counter ${refusal.counter}, which the ack does not list`;
  }
  return undefined;
}

export function encodeAck(ack: Ack): Record<string, unknown> {
  const problem = check(ack);
  if (problem !== undefined) throw new ValidationError('PW_ERR_INVALID_ARGUMENT', `Cannot build an ack: ${problem}`);
  const body = { v: 1, k: ack.keyId, c: ack.counters.map(wireCounter) };
  const refused = ack.refused ?? [];
  return refused.length === 0 ? body : { ...body, r: refused.map((r) => ({ c: wireCounter(r.counter), e: r.code, n: r.readings })) };
}

export function decodeAck(value: unknown): Ack {
  const fail = (what: string): never => {
    throw new DecodeError('PW_ERR_ACK_INVALID', `Cannot decode ack: ${what}`);
  };
  if (!isMap(value)) return fail('expected a map');
  if (value['v'] !== 1) return fail(`version ${JSON.stringify(value['v'])}, expected 1`);
  const { k, c, r } = value;
  if (typeof k !== 'number') return fail('the key id (k) is not a number');
  if (!Array.isArray(c) || c.length > protocolLimits.ackCounters) {
    return fail(`the counters (c) are not a list of at most ${protocolLimits.ackCounters}`);
  }
  if (r !== undefined && (!Array.isArray(r) || r.length > c.length)) {
    return fail('the refusals (r) are not a list of at most one per counter');
  }
  const counterOf = (item: unknown, what: string): bigint => {
    if (typeof item === 'bigint' && item > 0n) return item;
    if (typeof item === 'number' && Number.isSafeInteger(item) && item > 0) return BigInt(item);
    return fail(`${what} is not a positive integer`);
  };
  const counters = c.map((item: unknown, i): bigint => counterOf(item, `counter ${i}`));
  const refused = (r ?? []).map((item: unknown, i): AckRefusal => {
    if (!isMap(item)) return fail(`refusal ${i} is not a map`);
    const { e, n } = item;
    if (typeof e !== 'string') return fail(`refusal ${i} has no PW_ERR_ code (e)`);
    if (typeof n !== 'number') return fail(`refusal ${i} has no count of readings (n)`);
    return { counter: counterOf(item['c'], `the counter of refusal ${i}`), code: e, readings: n };
  });
  const ack: Ack = r === undefined ? { keyId: k, counters } : { keyId: k, counters, refused };
  const problem = check(ack);
  return problem === undefined ? ack : fail(problem);
}
