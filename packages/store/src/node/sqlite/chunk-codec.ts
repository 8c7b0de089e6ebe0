// A chunk: up to `maxChunkReadings` readings of one meter and quantity within one UTC day, stored as
// one row keyed (meter, quantity, time of the first reading). Times are run-length coded deltas (a
// regular 15-minute series is one run), values whole numbers of resolution steps coded as
// differences from the previous value (first order) or from the previous difference (second order,
// which suits registers that grow by about the same amount each interval), whichever is shorter;
// a chunk with a value that is not a whole number of steps keeps every value as a double.
//
//   byte version = 1 · uint count · uint runs · runs × (uint delta ms, uint length) · byte mode · values
import { scaledInteger } from '../../scaling.ts';
import { ByteReader, ByteWriter, uintSize, zigzag } from './byte-codec.ts';

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

/** Decodes a chunk whose first reading is at `start`, appending to `into`. */
export function decodeChunk(data: Uint8Array, start: number, steps: number, what: string, into: SeriesPart): void {
  const r = new ByteReader(data, what);
  if (r.byte() !== version) r.fail('the chunk version is unknown');
  const count = r.uint();
  if (count < 1 || count > maxChunkReadings) r.fail(`the chunk holds ${count} readings, expected 1 to ${maxChunkReadings}`);
  const firstIndex = into.at.length;
  into.at.push(start);
  let at = start;
  const runs = r.uint();
  if (runs > count) r.fail(`${runs} time runs for ${count} readings`);
  for (let k = 0; k < runs; k++) {
    const delta = r.uint();
    const length = r.uint();
    if (delta < 1 || into.at.length - firstIndex + length > count) r.fail('a time run is empty-stepped or too long');
    // The last time is kept in a local: at.at(-1) per reading was most of a chunk's decoding.
    for (let j = 0; j < length; j++) {
      at += delta;
      into.at.push(at);
    }
  }
  if (into.at.length - firstIndex !== count) r.fail(`the time runs cover ${into.at.length - firstIndex} readings, expected ${count}`);
  const m = r.byte();
  if (m === mode.doubles) {
    for (let i = 0; i < count; i++) into.values.push(r.f64());
  } else if (m === mode.firstOrder || m === mode.secondOrder) {
    let value = r.int();
    let delta = 0;
    into.values.push(value / steps);
    for (let i = 1; i < count; i++) {
      const d = r.int();
      delta = m === mode.secondOrder && i > 1 ? delta + d : d;
      value += delta;
      into.values.push(value / steps);
    }
  } else {
    r.fail(`value mode ${m} is unknown`);
  }
  r.end();
}
