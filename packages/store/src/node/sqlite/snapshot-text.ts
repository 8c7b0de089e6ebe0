// The values of one recent snapshot (one meter at one time) as a short ASCII string, the form they
// take in the time-ordered `reading_recent` table until compaction. Text rather than a blob because
// node:sqlite hands back each blob as a new ArrayBuffer (measured: ~2.5 µs per row, against ~0.4 µs
// for a short ASCII string), and the fleet query reads 10,000 of these rows at once.
//
// Each value is its quantity id and its value as a whole number of resolution steps (scaling.ts),
// both as variable-length numbers: continuation characters 0x20–0x3F carry 5 bits each, low bits
// first, and a final character 0x40–0x7F carries 6 bits. A value that is not a whole number of steps
// is written as its shortest round-tripping decimal text, prefixed by its length.
import { StoreError } from '@phasewire/core';
import { scaledInteger } from '../../scaling.ts';
import { unzigzag, zigzag } from './byte-codec.ts';

const continuationBase = 0x20;
const finalBase = 0x40;

function putUint(out: number[], value: number): void {
  let v = value;
  // Above 2^31 the bit operators would truncate: peel 5 bits at a time by division first.
  while (v >= 0x8000_0000) {
    out.push(continuationBase + (v % 32));
    v = Math.floor(v / 32);
  }
  while (v >= 64) {
    out.push(continuationBase + (v & 31));
    v >>>= 5;
  }
  out.push(finalBase + v);
}

/** One snapshot's values: quantity ids with the value and the quantity's steps per unit. */
/** Reused: encoding allocates only the string it returns. */
const codes: number[] = [];

export function encodeSnapshotText(ids: readonly number[], values: readonly number[], steps: readonly number[]): string {
  codes.length = 0;
  for (let i = 0; i < ids.length; i++) {
    const value = values[i] ?? 0;
    const scaled = scaledInteger(value, steps[i] ?? 1);
    const id = ids[i] ?? 0;
    if (scaled !== null) {
      putUint(codes, id * 2);
      putUint(codes, zigzag(scaled));
    } else {
      putUint(codes, id * 2 + 1);
      const text = String(value);
      putUint(codes, text.length);
      for (let c = 0; c < text.length; c++) codes.push(text.charCodeAt(c));
    }
  }
  return String.fromCharCode(...codes);
}

/** Reads the values of a snapshot string; `stepsOf` gives a quantity id's steps per unit. */
export function decodeSnapshotText(text: string, stepsOf: (id: number) => number, visit: (id: number, value: number) => void): void {
  const ids: number[] = [];
  const values: number[] = [];
  const count = decodeSnapshotInto(text, stepsOf, ids, values);
  for (let k = 0; k < count; k++) visit(ids[k] ?? 0, values[k] ?? 0);
}

/** Read position of the decoder (decoding is synchronous and never re-entered). */
let cursor = 0;

function corrupt(text: string, problem: string): never {
  throw new StoreError('PW_ERR_STORE_CORRUPT',
    `Cannot decode a stored recent snapshot: ${problem} at character ${cursor} of ${text.length}`);
}

/** Reads one number at `cursor`. Integer arithmetic while the bits fit in 31, doubles beyond. */
function readUint(text: string): number {
  let value = 0;
  let shift = 0;
  for (let n = 0; n < 11; n++) {
    const c = text.charCodeAt(cursor++);
    if (c >= finalBase && c < 0x80) {
      const result = shift <= 25 ? value + ((c - finalBase) << shift) : value + (c - finalBase) * 2 ** shift;
      return result <= Number.MAX_SAFE_INTEGER ? result : corrupt(text, 'a number is larger than 2^53');
    }
    if (!(c >= continuationBase && c < finalBase))
      return corrupt(text, Number.isNaN(c) ? 'it ends early' : `character ${c} is not part of a number`);
    value = shift <= 25 ? value + ((c - continuationBase) << shift) : value + (c - continuationBase) * 2 ** shift;
    shift += 5;
  }
  return corrupt(text, 'a number is too long');
}

/**
 * Reads the values of a snapshot string into `ids` and `values` (overwritten from index 0); returns
 * how many. The fleet query decodes 10,000 rows at once: no closure, no allocation per row.
 */
export function decodeSnapshotInto(text: string, stepsOf: (id: number) => number, ids: number[], values: number[]): number {
  cursor = 0;
  let count = 0;
  const length = text.length;
  while (cursor < length) {
    const tag = readUint(text);
    const id = tag >>> 1;
    let value: number;
    if ((tag & 1) === 0) {
      const z = readUint(text);
      value = unzigzag(z) / stepsOf(id);
    } else {
      const size = readUint(text);
      if (cursor + size > length) corrupt(text, 'a decimal ends early');
      value = Number(text.slice(cursor, cursor + size));
      cursor += size;
      if (!Number.isFinite(value)) corrupt(text, 'a decimal is not a finite number');
    }
    ids[count] = id;
    values[count] = value;
    count++;
  }
  return count;
}

/**
 * Reads the values of the quantities with a column (`columns[id]`) into `out[base + column]`,
 * skipping the others and stopping once `wanted` values are found; returns how many were found. The
 * fleet query's inner loop: it writes straight into the result table, so a row costs no scratch
 * arrays, and a row whose wanted quantities come first is read only up to them.
 */
export function decodeSnapshotColumns(
  text: string,
  stepsOf: (id: number) => number,
  columns: readonly (number | undefined)[],
  wanted: number,
  out: Float64Array,
  base: number,
): number {
  cursor = 0;
  let found = 0;
  const length = text.length;
  while (cursor < length) {
    const tag = readUint(text);
    const id = tag >>> 1;
    const column = columns[id];
    if ((tag & 1) === 0) {
      const z = readUint(text);
      if (column === undefined) continue;
      out[base + column] = unzigzag(z) / stepsOf(id);
    } else {
      const size = readUint(text);
      if (cursor + size > length) corrupt(text, 'a decimal ends early');
      const start = cursor;
      cursor += size;
      if (column === undefined) continue;
      const value = Number(text.slice(start, cursor));
      if (!Number.isFinite(value)) corrupt(text, 'a decimal is not a finite number');
      out[base + column] = value;
    }
    if (++found === wanted) break;
  }
  return found;
}
