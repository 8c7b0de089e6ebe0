// The payload envelope's wire format, version 1 (docs/security-envelope.md is the byte-by-byte
// description). A pure codec: the header encoder, and a total decoder that splits received bytes
// into header, ciphertext and tag or throws a DecodeError, checking every bound before it reads.
import { DecodeError, ValidationError } from '@phasewire/core';

/** Format version carried in byte 0; a receiver refuses any other. */
export const envelopeVersion = 1;
/** Bytes before the ciphertext: version, direction, type, flags, key id, counter, body length. */
export const envelopeHeaderLength = 20;
/** AES-GCM tag length, always the full 128 bits (NIST SP 800-38D §5.2.1.2; ECOSYSTEM.md trap 9). */
export const envelopeTagLength = 16;
/** The envelope's own overhead around the body. */
export const envelopeOverhead = envelopeHeaderLength + envelopeTagLength;
/** Default bound of a body (the CBOR bytes): a gateway batch of a few hundred readings fits. */
export const defaultMaxBodyBytes = 64 * 1024;
/** The header's length field is a uint32, but no configuration may go past 16 MiB. */
export const maxBodyBytesCeiling = 16 * 1024 * 1024;
/** Validates a configured body bound. */
export function checkMaxBodyBytes(value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > maxBodyBytesCeiling) {
    throw new ValidationError('PW_ERR_INVALID_ARGUMENT', `Cannot bound envelope bodies at ${value} bytes: `
      + `expected an integer from 0 to ${maxBodyBytesCeiling}`);
  }
  return value;
}

/** Largest invocation counter: the 8-byte field of the nonce (NIST SP 800-38D §8.2.1). */
export const maxInvocationCounter = 0xffff_ffff_ffff_ffffn;
/** Largest key id: a uint32. */
export const maxKeyId = 0xffff_ffff;

/** Uplink: device to head-end. Downlink: head-end to device. */
export type Direction = 'uplink' | 'downlink';

export const directionCodes = { uplink: 0x01, downlink: 0x02 } as const satisfies Record<Direction, number>;

/** What the body is; bound into the associated data, so it cannot be swapped in transit. */
export type MessageType = 'readings' | 'event' | 'status' | 'command' | 'command-response' | 'firmware' | 'key-rotation' | 'ack';

export const messageTypeCodes = {
  readings: 0x01,
  event: 0x02,
  status: 0x03,
  command: 0x04,
  'command-response': 0x05,
  firmware: 0x06,
  'key-rotation': 0x07,
  /** The head-end's receipt: these uplink counters are committed and may leave the device's queue. */
  ack: 0x08,
} as const satisfies Record<MessageType, number>;

// Lookups by code as arrays indexed by the byte: a received header is decoded per message, and an
// array read is cheaper than a Map lookup. Codes without a name read as undefined.
const directionByCode: readonly (Direction | undefined)[] = codeTable(directionCodes);
const messageTypeByCode: readonly (MessageType | undefined)[] = codeTable(messageTypeCodes);

function codeTable<Name extends string>(codes: Readonly<Record<Name, number>>): (Name | undefined)[] {
  const table: (Name | undefined)[] = new Array<Name | undefined>(256).fill(undefined);
  for (const [name, code] of Object.entries(codes) as [Name, number][]) table[code] = name;
  return table;
}

export interface EnvelopeHeader {
  readonly direction: Direction;
  readonly messageType: MessageType;
  /** The key generation that sealed the body (uint32, at least 1). */
  readonly keyId: number;
  /** Strictly increasing per (device, direction, key id); the nonce's invocation field. */
  readonly counter: bigint;
  /** Length of the body, which is also the length of the ciphertext (GCM adds no padding). */
  readonly bodyLength: number;
}

/**
 * A received envelope split into its parts. The views share the received bytes, whose first 20
 * bytes are the header exactly as received (the first part of the associated data).
 */
export interface DecodedEnvelope {
  readonly header: EnvelopeHeader;
  readonly ciphertext: Uint8Array;
  readonly tag: Uint8Array;
}

/** Writes the 20-byte header at `offset` of `target`. The caller has validated the fields. */
export function encodeHeader(header: EnvelopeHeader, target: Uint8Array, offset = 0): void {
  writeHeader(new DataView(target.buffer, target.byteOffset + offset, envelopeHeaderLength),
    header.direction, header.messageType, header.keyId, header.counter, header.bodyLength);
}

/** The header writer itself, on a view the caller may keep (the sender reuses one per device). */
export function writeHeader(
  view: DataView,
  direction: Direction,
  messageType: MessageType,
  keyId: number,
  counter: bigint,
  bodyLength: number,
): void {
  view.setUint8(0, envelopeVersion);
  view.setUint8(1, directionCodes[direction]);
  view.setUint8(2, messageTypeCodes[messageType]);
  view.setUint8(3, 0);
  view.setUint32(4, keyId);
  view.setBigUint64(8, counter);
  view.setUint32(16, bodyLength);
}

/**
 * Splits `bytes` into header, ciphertext and tag. Total: any input gives a DecodedEnvelope or a
 * DecodeError (PW_ERR_ENVELOPE_TRUNCATED, _MALFORMED or _TOO_LARGE), and every length is checked
 * against `maxBodyBytes` before anything is read past the header or allocated.
 */
export function decodeEnvelope(bytes: Uint8Array, maxBodyBytes: number = defaultMaxBodyBytes): DecodedEnvelope {
  const header = decodeEnvelopeHeader(bytes, maxBodyBytes);
  return { header, ciphertext: envelopeCiphertext(bytes, header.bodyLength), tag: envelopeTag(bytes, header.bodyLength) };
}

/**
 * The checks and the header of decodeEnvelope() without the views of ciphertext and tag: once it
 * has returned, `bytes` is exactly 20 + bodyLength + 16 bytes long. The receiver decodes with it
 * and makes the views only for an envelope that passed its other cheap checks.
 */
export function decodeEnvelopeHeader(bytes: Uint8Array, maxBodyBytes: number = defaultMaxBodyBytes): EnvelopeHeader {
  const length = bytes.length;
  if (length > maxBodyBytes + envelopeOverhead) {
    throw new DecodeError('PW_ERR_ENVELOPE_TOO_LARGE',
      `Cannot open payload envelope: ${length} bytes received, expected at most ${maxBodyBytes + envelopeOverhead} `
      + `(a ${maxBodyBytes}-byte body plus ${envelopeOverhead} bytes of header and tag)`);
  }
  if (length < envelopeHeaderLength) {
    throw new DecodeError('PW_ERR_ENVELOPE_TRUNCATED',
      `Cannot open payload envelope: ${length} bytes received, expected at least the ${envelopeHeaderLength}-byte header`);
  }
  // The header is read byte by byte: no DataView per message, and the length check above makes
  // every index below 20 present (the `?? 0` only satisfies the type checker).
  const version = bytes[0] ?? 0;
  if (version !== envelopeVersion) {
    throw new DecodeError('PW_ERR_ENVELOPE_MALFORMED', `Cannot open payload envelope: version ${version}, expected ${envelopeVersion}`);
  }
  const directionCode = bytes[1] ?? 0;
  const direction = directionByCode[directionCode];
  if (direction === undefined) {
    throw new DecodeError('PW_ERR_ENVELOPE_MALFORMED',
      `Cannot open payload envelope: direction code 0x${hex(directionCode)}, expected 0x01 (uplink) or 0x02 (downlink)`);
  }
  const typeCode = bytes[2] ?? 0;
  const messageType = messageTypeByCode[typeCode];
  if (messageType === undefined) {
    throw new DecodeError('PW_ERR_ENVELOPE_MALFORMED',
      `Cannot open payload envelope: message type code 0x${hex(typeCode)} is not in the message type table`);
  }
  const flags = bytes[3] ?? 0;
  if (flags !== 0) {
    throw new DecodeError('PW_ERR_ENVELOPE_MALFORMED', `Cannot open payload envelope: flags byte 0x${hex(flags)}, `
      + 'expected 0x00 (reserved)');
  }
  const keyId = uint32At(bytes, 4);
  if (keyId === 0) throw new DecodeError('PW_ERR_ENVELOPE_MALFORMED', 'Cannot open payload envelope: key id 0, expected 1 or more');
  const counterHigh = uint32At(bytes, 8);
  const counterLow = uint32At(bytes, 12);
  if (counterHigh === 0 && counterLow === 0) {
    throw new DecodeError('PW_ERR_ENVELOPE_MALFORMED', 'Cannot open payload envelope: counter 0, expected 1 or more');
  }
  const bodyLength = uint32At(bytes, 16);
  if (bodyLength > maxBodyBytes) {
    throw new DecodeError('PW_ERR_ENVELOPE_TOO_LARGE',
      `Cannot open payload envelope: header declares a ${bodyLength}-byte body, expected at most ${maxBodyBytes}`);
  }
  const expected = envelopeHeaderLength + bodyLength + envelopeTagLength;
  if (length < expected) {
    throw new DecodeError('PW_ERR_ENVELOPE_TRUNCATED',
      `Cannot open payload envelope: ${length} bytes received, the header declares ${expected} `
      + `(${bodyLength}-byte body and ${envelopeTagLength}-byte tag)`);
  }
  if (length > expected) {
    throw new DecodeError('PW_ERR_ENVELOPE_MALFORMED',
      `Cannot open payload envelope: ${length - expected} bytes after the tag, the header declares ${expected} in all`);
  }
  return { direction, messageType, keyId, counter: uint64(counterHigh, counterLow), bodyLength };
}

// Plain Uint8Array views, not subarray(): a received Buffer's subarray() goes through Buffer's
// species constructor, and these run once per message.

/** The ciphertext of an envelope whose header has been decoded (a view of the same bytes). */
export function envelopeCiphertext(bytes: Uint8Array, bodyLength: number): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset + envelopeHeaderLength, bodyLength);
}

/** The 16-byte tag of an envelope whose header has been decoded (a view of the same bytes). */
export function envelopeTag(bytes: Uint8Array, bodyLength: number): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset + envelopeHeaderLength + bodyLength, envelopeTagLength);
}

/** Big-endian uint32 at `offset`; the caller has checked that four bytes are there. */
function uint32At(bytes: Uint8Array, offset: number): number {
  return (((bytes[offset] ?? 0) << 24) | ((bytes[offset + 1] ?? 0) << 16) | ((bytes[offset + 2] ?? 0) << 8)
    | (bytes[offset + 3] ?? 0)) >>> 0;
}

/** Below 2^53 one exact double makes one BigInt; above, the two halves are joined as BigInts. */
function uint64(high: number, low: number): bigint {
  return high < 0x20_0000 ? BigInt(high * 0x1_0000_0000 + low) : (BigInt(high) << 32n) | BigInt(low);
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}
