// The bounds of the meter ↔ head-end protocol (docs/protocol.md). Both ends decode with the same
// numbers, so a body one end sends is never one the other refuses for its size.

export const protocolLimits = {
  /** A command id: 1 to 64 characters of A-Z a-z 0-9 _ - (it is logged, stored and put in URLs). */
  commandIdLength: 64,
  /** Counters in one ack body. */
  ackCounters: 4096,
  /** A key id is an unsigned 32-bit field of the envelope header (docs/security-envelope.md). */
  maxKeyId: 0xffff_ffff,
  /** A status payload, JSON text: `{"state":"offline","model":…,"link":"cellular"}` fits easily. */
  statusBytes: 256,
  /** An event's kind as the head-end records it. */
  eventKindLength: 64,
  /** A PW_ERR_ code carried in a body (a refusal in an ack, a command response). */
  errorCodeLength: 64,
} as const;

export const commandIdPattern = /^[A-Za-z0-9_-]{1,64}$/;
/** A stable error code as carried on the wire (core's errors.ts names them). */
export const wireErrorCodePattern = /^PW_ERR_[A-Z0-9_]{1,57}$/;

export const isMap = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
export const isTime = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/** A counter as CBOR carries it: an integer up to 2^53 − 1, a bignum above. */
export const wireCounter = (counter: bigint): number | bigint => (counter <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(counter) : counter);
