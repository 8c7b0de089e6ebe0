// Coalescing: the fewest reads that cover a profile's points. Points are grouped by function
// code and sorted by address; a read grows while the next point starts exactly where the read
// ends and the read stays within the profile's block limit. Gaps are never bridged, because
// real meters answer exception 0x02 to a read that touches an unmapped register.
import type { ObisCode } from '@phasewire/core';
import { decodePoint, readRaw } from './point-codec.ts';
import { registersOf, type DeviceProfile, type ProfilePoint, type ReadFunction } from './profile-types.ts';

export interface PlannedRead {
  readonly functionCode: ReadFunction;
  readonly address: number;
  readonly count: number;
  readonly points: readonly ProfilePoint[];
}

interface Span {
  readonly functionCode: ReadFunction;
  readonly address: number;
  readonly count: number;
  readonly point?: ProfilePoint;
}

/** The reads that cover every point and scale register of `profile`, in function-then-address order. */
export function planReads(profile: Pick<DeviceProfile, 'points' | 'maxRegistersPerRead'>): PlannedRead[] {
  const spans: Span[] = profile.points.map((point) => ({ functionCode: point.functionCode, address: point.address, count: registersOf(point
    .type), point }));
  const seen = new Set(spans.map((s) => `${s.functionCode}:${s.address}`));
  for (const point of profile.points) {
    const sr = point.scaleRegister;
    if (sr !== undefined && !seen.has(`${sr.functionCode}:${sr.address}`)) {
      seen.add(`${sr.functionCode}:${sr.address}`);
      spans.push({ functionCode: sr.functionCode, address: sr.address, count: 1 });
    }
  }
  spans.sort((a, b) => a.functionCode - b.functionCode || a.address - b.address);
  const reads: { functionCode: ReadFunction; address: number; count: number; points: ProfilePoint[] }[] = [];
  for (const span of spans) {
    const last = reads.at(-1);
    const fits = last !== undefined && last.functionCode === span.functionCode && last.address + last.count === span.address
      && last.count + span.count <= profile.maxRegistersPerRead;
    if (fits) {
      last.count += span.count;
      if (span.point !== undefined) last.points.push(span.point);
    } else {
      reads.push({ functionCode: span.functionCode, address: span.address, count: span.count, points: span.point === undefined ? [] : [span
        .point] });
    }
  }
  return reads;
}

/** The registers read, by function code and address. */
export type RegisterImage = ReadonlyMap<string, number>;

/** Collects read results into an image keyed "function:address". */
export function registerImage(results: readonly { readonly read: PlannedRead; readonly values: ArrayLike<number> }[]): Map<string, number> {
  const image = new Map<string, number>();
  for (const { read, values } of results) {
    for (let i = 0; i < read.count; i++) image.set(`${read.functionCode}:${read.address + i}`, values[i] ?? 0);
  }
  return image;
}

/** Every point's value from a register image (points whose registers are missing are left out). */
export function decodeImage(points: readonly ProfilePoint[], image: RegisterImage): Map<ObisCode, number> {
  const values = new Map<ObisCode, number>();
  for (const point of points) {
    const words: number[] = [];
    for (let i = 0; i < registersOf(point.type); i++) {
      const word = image.get(`${point.functionCode}:${point.address + i}`);
      if (word === undefined) break;
      words.push(word);
    }
    if (words.length < registersOf(point.type)) continue;
    const sr = point.scaleRegister;
    const exponentWord = sr === undefined ? 0 : image.get(`${sr.functionCode}:${sr.address}`);
    if (exponentWord === undefined) continue;
    const exponent = sr === undefined ? 0 : readRaw('int16', [exponentWord], 'ABCD');
    values.set(point.obis, decodePoint(point, words, exponent));
  }
  return values;
}
