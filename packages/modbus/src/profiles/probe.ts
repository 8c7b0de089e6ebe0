// Identify probes: what a device answers to its model's probe, and whether an answer matches.
import { ByteReader } from '../byte-reader.ts';
import { ByteWriter } from '../byte-writer.ts';
import { bytesToRegisters, registersToBytes } from '../registers.ts';
import { readRaw } from './point-codec.ts';
import type { IdentifyProbe, ProbeExpectation } from './profile-types.ts';

/** The text of `words` read as ASCII, two characters per register, up to the first NUL, trailing spaces trimmed. */
export function registersText(words: ArrayLike<number>): string {
  const bytes = new ByteReader(registersToBytes(words)).bytes(words.length * 2);
  let text = '';
  for (const byte of bytes) {
    if (byte === 0) break;
    text += String.fromCharCode(byte);
  }
  return text.trimEnd();
}

/** Whether a register probe's answer matches its expectation. */
export function registersMatch(probe: IdentifyProbe & { kind: 'register' }, words: ArrayLike<number>): boolean {
  if (probe.expect.kind === 'responds') return true;
  if (probe.type === 'ascii') return textMatches(probe.expect, registersText(words));
  if (probe.expect.kind !== 'equals') return false;
  const value = readRaw(probe.type, words, probe.order);
  return probe.expect.values.includes(value);
}

/** Whether a text (ASCII registers or a device-id object) matches, ignoring case (vendors vary it between firmware). */
export function textMatches(expect: ProbeExpectation, text: string): boolean {
  return expect.kind === 'responds' || (expect.kind === 'text' && text.toLowerCase().startsWith(expect.prefix.toLowerCase()));
}

/** How specific a probe is: scan tries specific probes first, so "responds" only decides when nothing else matched. */
export function probeSpecificity(probe: IdentifyProbe): number {
  return probe.expect.kind === 'responds' ? 0 : 1;
}

/** The registers a genuine device of the model holds at a register probe's address (for slaves that serve a profile). */
export function probeRegisters(probe: IdentifyProbe & { kind: 'register' }): number[] {
  if (probe.type === 'ascii') {
    const text = probe.expect.kind === 'text' ? probe.expect.prefix : '';
    return Array.from({ length: probe.count }, (_, i) => (((text.charCodeAt(2 * i) || 0) & 0xff) << 8) | ((text.charCodeAt(2 * i + 1) ||
      0) & 0xff));
  }
  const value = probe.expect.kind === 'equals' ? probe.expect.values[0] ?? 0 : 0;
  const writer = new ByteWriter(8, probe.order);
  switch (probe.type) {
    case 'int16': writer.int16(value); break;
    case 'uint16': writer.uint16(value); break;
    case 'int32': writer.int32(value); break;
    case 'uint32': writer.uint32(value); break;
    case 'float32': writer.float32(value); break;
    case 'int64': writer.int64(BigInt(value)); break;
    case 'uint64': writer.uint64(BigInt(value)); break;
    case 'float64': writer.float64(value); break;
  }
  return [...bytesToRegisters(writer.toBytes())];
}
