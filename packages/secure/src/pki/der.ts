// A small, total DER reader and writer (ITU-T X.690 §8 and §10) for the few structures phasewire
// handles byte by byte: ECDSA signatures, PKCS#7 certs-only messages and a couple of extension
// values. Certificates themselves go through @peculiar/x509. Every read checks its bound first,
// so any input gives a value or a DecodeError, never a read past the end or a huge allocation.
import { DecodeError } from '@phasewire/core';

/** Universal tags used here (X.690 §8.1.2, X.680 §8.4). */
export const derTag = {
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  null: 0x05,
  objectIdentifier: 0x06,
  sequence: 0x30,
  set: 0x31,
} as const;

/** Context-specific, constructed [n] (X.690 §8.1.2.2, class bits 10, P/C bit 1). */
export const contextTag = (n: number): number => 0xa0 | n;

/** One tag-length-value element located in a buffer. */
export interface Tlv {
  readonly tag: number;
  /** The value bytes (a view into the input). */
  readonly value: Uint8Array;
  /** The whole element, header included (a view into the input). */
  readonly element: Uint8Array;
  /** Offset just after the element in the input. */
  readonly end: number;
}

/** Longest length field accepted: 4 bytes, so no element claims more than 4 GiB (X.690 §8.1.3.5). */
const maxLengthOctets = 4;

function fail(what: string, found: string, expected: string): never {
  throw new DecodeError('PW_ERR_DER', `Cannot decode DER ${what}: ${found}; expected ${expected}`);
}

/** Reads the element starting at `offset`; single-byte tags only (all that phasewire reads). */
export function readTlv(input: Uint8Array, offset = 0, what = 'element'): Tlv {
  if (offset + 2 > input.length) fail(what, `${input.length - offset} byte(s) left at offset ${offset}`, 'a tag and a length');
  const tag = input[offset] ?? 0;
  if ((tag & 0x1f) === 0x1f) fail(what, `multi-byte tag 0x${tag.toString(16)} at offset ${offset}`, 'a single-byte tag');
  const first = input[offset + 1] ?? 0;
  let length: number;
  let header = 2;
  if (first < 0x80) {
    length = first;
  } else {
    const octets = first & 0x7f;
    if (octets === 0) fail(what, `indefinite length at offset ${offset}`, 'a definite length (X.690 §10.1)');
    if (octets > maxLengthOctets) fail(what, `a ${octets}-byte length field at offset ${offset}`, `at most ${maxLengthOctets}`);
    if (offset + 2 + octets > input.length) fail(what, 'a length field cut short', 'the whole length field');
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + (input[offset + 2 + i] ?? 0);
    if (length < 0x80 || (input[offset + 2] ?? 0) === 0) {
      fail(what, `a non-minimal length at offset ${offset}`, 'the shortest length form (X.690 §10.1)');
    }
    header += octets;
  }
  const start = offset + header;
  if (start + length > input.length) {
    fail(what, `length ${length} at offset ${offset} with ${input.length - start} byte(s) left`, 'the value to fit in the input');
  }
  return { tag, value: input.subarray(start, start + length), element: input.subarray(offset, start + length), end: start + length };
}

/** Reads one element with the given tag that must fill `input` exactly. */
export function readWhole(input: Uint8Array, tag: number, what: string): Tlv {
  const tlv = readTlv(input, 0, what);
  if (tlv.tag !== tag) fail(what, `tag 0x${tlv.tag.toString(16)}`, `tag 0x${tag.toString(16)}`);
  if (tlv.end !== input.length) fail(what, `${input.length - tlv.end} byte(s) after the element`, 'nothing after it');
  return tlv;
}

/** Splits the value of a constructed element into its children, at most `limit` of them. */
export function readChildren(value: Uint8Array, what: string, limit = 1024): Tlv[] {
  const children: Tlv[] = [];
  let offset = 0;
  while (offset < value.length) {
    if (children.length === limit) fail(what, `more than ${limit} elements`, `at most ${limit}`);
    const child = readTlv(value, offset, what);
    children.push(child);
    offset = child.end;
  }
  return children;
}

/** Reads a child and checks its tag. */
export function expectTag(tlv: Tlv | undefined, tag: number, what: string): Tlv {
  if (tlv === undefined) fail(what, 'nothing', `tag 0x${tag.toString(16)}`);
  if (tlv.tag !== tag) fail(what, `tag 0x${tlv.tag.toString(16)}`, `tag 0x${tag.toString(16)}`);
  return tlv;
}

function encodeLength(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

/** Concatenates byte arrays. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Encodes one element from its tag and the concatenation of `contents`. */
export function encodeTlv(tag: number, ...contents: Uint8Array[]): Uint8Array {
  const value = concatBytes(contents);
  return concatBytes([Uint8Array.of(tag), encodeLength(value.length), value]);
}

/**
 * Encodes a non-negative INTEGER from its unsigned big-endian magnitude: leading zeros removed,
 * one zero added when the top bit is set, so the value stays positive (X.690 §8.3.2).
 */
export function encodeUnsignedInteger(magnitude: Uint8Array): Uint8Array {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const trimmed = magnitude.length === 0 ? Uint8Array.of(0) : magnitude.subarray(start);
  const pad = (trimmed[0] ?? 0) >= 0x80;
  return encodeTlv(derTag.integer, pad ? Uint8Array.of(0) : new Uint8Array(0), trimmed);
}

/** The magnitude of a non-negative INTEGER value, checked for minimal encoding (X.690 §8.3.2). */
export function decodeUnsignedInteger(value: Uint8Array, what: string): Uint8Array {
  if (value.length === 0) fail(what, 'an empty INTEGER', 'at least one byte');
  const first = value[0] ?? 0;
  if (first >= 0x80) fail(what, 'a negative INTEGER', 'a non-negative one');
  if (value.length > 1 && first === 0 && (value[1] ?? 0) < 0x80) fail(what, 'a non-minimal INTEGER', 'no redundant leading zero');
  return first === 0 && value.length > 1 ? value.subarray(1) : value;
}

/** Encodes an OBJECT IDENTIFIER from dotted text (X.690 §8.19). */
export function encodeOid(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map(Number);
  const [first = 0, second = 0, ...rest] = arcs;
  const bytes: number[] = [];
  for (const arc of [first * 40 + second, ...rest]) {
    const groups: number[] = [arc % 128];
    for (let rest7 = Math.floor(arc / 128); rest7 > 0; rest7 = Math.floor(rest7 / 128)) groups.unshift(0x80 | (rest7 % 128));
    bytes.push(...groups);
  }
  return encodeTlv(derTag.objectIdentifier, Uint8Array.from(bytes));
}

/** True when two byte arrays hold the same bytes. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
