// A chunk: up to `maxChunkReadings` readings of one meter and quantity within one UTC day, stored as
// one row keyed (meter, quantity, time of the first reading). Times are run-length coded deltas (a
// regular 15-minute series is one run), values whole numbers of resolution steps coded as
// differences from the previous value (first order) or from the previous difference (second order,
// which suits registers that grow by about the same amount each interval), whichever is shorter;
// a chunk with a value that is not a whole number of steps keeps every value as a double.
//
//   byte version = 1 · uint count · uint runs · runs × (uint delta ms, uint length) · byte mode · values
import { scaledInteger } from '../../scaling.ts';
import { StoreError } from '@phasewire/core';
import { ByteWriter, uintSize, unzigzag, zigzag } from './byte-codec.ts';

const version = 1;
/** Readings per chunk: a day of 15-minute data in one row, rows well under SQLite's ~1 KB in-page limit. */
export const maxChunkReadings = 128;

const mode = { firstOrder: 0, secondOrder: 1, doubles: 2 } as const;

/** Readings of one series, in time order, values in the quantity's unit. */
export interface SeriesPart {
  readonly at: number[];
  readonly values: number[];
}

function orderCosts(scaled: readonly number[]): { first: number; second: number } {
  let first = 0;
  let second = 0;
  for (let i = 1; i < scaled.length; i++) {
    const d = (scaled[i] ?? 0) - (scaled[i - 1] ?? 0);
    first += uintSize(zigzag(d));
    second += i === 1 ? uintSize(zigzag(d)) : uintSize(zigzag(d - ((scaled[i - 1] ?? 0) - (scaled[i - 2] ?? 0))));
  }
  return { first, second };
}

/** Encodes readings [begin, end) of a series (at most maxChunkReadings, times strictly increasing). */
export function encodeChunk(series: SeriesPart, begin: number, end: number, steps: number): Uint8Array {
  const w = new ByteWriter(16 + (end - begin) * 3);
  w.byte(version);
  w.uint(end - begin);
  const runs: [number, number][] = [];
  for (let i = begin + 1; i < end; i++) {
    const delta = (series.at[i] ?? 0) - (series.at[i - 1] ?? 0);
    const last = runs.at(-1);
    if (last !== undefined && last[0] === delta) last[1]++;
    else runs.push([delta, 1]);
  }
  w.uint(runs.length);
  for (const [delta, length] of runs) { w.uint(delta); w.uint(length); }
  const scaled: number[] = [];
  for (let i = begin; i < end; i++) {
    const s = scaledInteger(series.values[i] ?? 0, steps);
    if (s === null) break;
    scaled.push(s);
  }
  if (scaled.length < end - begin) {
    w.byte(mode.doubles);
    for (let i = begin; i < end; i++) w.f64(series.values[i] ?? 0);
    return w.bytes();
  }
  const costs = orderCosts(scaled);
  const second = costs.second < costs.first;
  w.byte(second ? mode.secondOrder : mode.firstOrder);
  w.int(scaled[0] ?? 0);
  for (let i = 1; i < scaled.length; i++) {
    const d = (scaled[i] ?? 0) - (scaled[i - 1] ?? 0);
    w.int(second && i > 1 ? d - ((scaled[i - 1] ?? 0) - (scaled[i - 2] ?? 0)) : d);
  }
  return w.bytes();
}

/**
 * One chunk decoded without allocating (reused for every chunk of a read): its times, and its values
 * as whole numbers of resolution steps (`scaled`) or, for a chunk that keeps doubles, in the
 * quantity's unit.
 */
export class ChunkBuffer {
  readonly at = new Float64Array(maxChunkReadings);
  readonly values = new Float64Array(maxChunkReadings);
  count = 0;
  scaled = true;
  /** The time between readings when it is the same throughout the chunk (one run, or one reading), else 0. */
  step = 0;
}

function corrupt(what: string, problem: string, offset: number, length: number): never {
  throw new StoreError('PW_ERR_STORE_CORRUPT', `Cannot decode the stored ${what}: ${problem} at byte ${offset} of ${length}`);
}

/** Where the next varint starts (decodeChunkInto's cursor: a module variable, so reading one allocates nothing). */
let cursor = 0;

/** The LEB128 varint at `cursor` (at most 8 bytes, at most 2^53), advancing the cursor; ByteReader.uint without the object. */
function varint(data: Uint8Array, what: string): number {
  const n = data.length;
  let o = cursor;
  if (o >= n) corrupt(what, 'it ends early', o, n);
  let b = data[o++] as number;
  let value = b & 0x7f;
  let scale = 0x80;
  while (b >= 0x80) {
    if (scale > 2 ** 49) corrupt(what, 'a number is longer than 8 bytes', o, n);
    if (o >= n) corrupt(what, 'it ends early', o, n);
    b = data[o++] as number;
    value += (b & 0x7f) * scale;
    scale *= 0x80;
  }
  cursor = o;
  if (value > Number.MAX_SAFE_INTEGER) corrupt(what, 'a number is larger than 2^53', o, n);
  return value;
}

/** Decodes a chunk whose first reading is at `start` into `into` (replacing what it held). */
export function decodeChunkInto(data: Uint8Array, start: number, what: string, into: ChunkBuffer): void {
  const n = data.length;
  cursor = 0;
  if (n === 0) corrupt(what, 'it ends early', 0, n);
  if (data[cursor++] !== version) corrupt(what, 'the chunk version is unknown', cursor, n);
  const count = varint(data, what);
  if (count < 1 || count > maxChunkReadings) {
    corrupt(what, `the chunk holds ${count} readings, expected 1 to ${maxChunkReadings}`, cursor, n);
  }
  const at = into.at;
  at[0] = start;
  let t = start;
  let filled = 1;
  const runs = varint(data, what);
  if (runs > count) corrupt(what, `${runs} time runs for ${count} readings`, cursor, n);
  into.step = runs === 0 ? 0 : -1;
  for (let k = 0; k < runs; k++) {
    const delta = varint(data, what);
    const length = varint(data, what);
    if (delta < 1 || filled + length > count) corrupt(what, 'a time run is empty-stepped or too long', cursor, n);
    into.step = into.step === -1 ? delta : 0;
    for (let j = 0; j < length; j++) {
      t += delta;
      at[filled++] = t;
    }
  }
  if (filled !== count) corrupt(what, `the time runs cover ${filled} readings, expected ${count}`, cursor, n);
  if (cursor >= n) corrupt(what, 'it ends early', cursor, n);
  const m = data[cursor++];
  const values = into.values;
  if (m === mode.doubles) {
    if (cursor + count * 8 > n) corrupt(what, 'a double ends early', cursor, n);
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    for (let i = 0; i < count; i++) {
      const v = view.getFloat64(cursor, true);
      if (!Number.isFinite(v)) corrupt(what, 'a double is not finite', cursor, n);
      values[i] = v;
      cursor += 8;
    }
    into.scaled = false;
  } else if (m === mode.firstOrder || m === mode.secondOrder) {
    const second = m === mode.secondOrder;
    let value = unzigzag(varint(data, what));
    let delta = 0;
    values[0] = value;
    for (let i = 1; i < count; i++) {
      const d = unzigzag(varint(data, what));
      delta = second && i > 1 ? delta + d : d;
      value += delta;
      values[i] = value;
    }
    into.scaled = true;
  } else {
    corrupt(what, `value mode ${m} is unknown`, cursor, n);
  }
  if (cursor !== n) corrupt(what, 'bytes are left over', cursor, n);
  into.count = count;
}

const scratch = new ChunkBuffer();

/** Decodes a chunk whose first reading is at `start`, appending to `into` (values in the quantity's unit). */
export function decodeChunk(data: Uint8Array, start: number, steps: number, what: string, into: SeriesPart): void {
  decodeChunkInto(data, start, what, scratch);
  for (let i = 0; i < scratch.count; i++) {
    into.at.push(scratch.at[i] as number);
    const v = scratch.values[i] as number;
    into.values.push(scratch.scaled ? v / steps : v);
  }
}

/**
 * The sum of a chunk's stored values, each decoded (in resolution steps; a chunk of doubles in the
 * quantity's unit): a value aggregate over reading_chunk rows in SQL (a user function), which reads
 * every value the way the store does and does nothing else with it.
 */
export function chunkValueSum(data: Uint8Array): number {
  decodeChunkInto(data, 0, 'chunk', scratch);
  let sum = 0;
  for (let i = 0; i < scratch.count; i++) sum += scratch.values[i] as number;
  return sum;
}
