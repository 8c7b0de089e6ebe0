// What the SQLite store keeps in memory per meter to decide, without a lookup, whether an arriving
// reading can already be stored: the latest reading of each quantity (a newer one cannot be), the
// latest register read on the 15-minute grid (an in-order read closes its interval against it), and
// the latest interval end that VEE or an editor wrote per register (a newer interval has no stage to
// look up). The row in `meter_state` holds these as of the meter's last compaction or interval
// write; loading a meter adds what its recent snapshots say, so ingest never has to write the row.
import { scaledInteger } from '../../scaling.ts';
import { ByteReader, ByteWriter, unzigzag, zigzag } from './byte-codec.ts';

export interface TimedValue {
  at: number;
  /** In the quantity's unit. */
  value: number;
}

/**
 * A map keyed by quantity id. Ids are small dictionary integers, so an array serves: ingest looks a
 * value up for every reading, and an array index is cheaper than a hash lookup.
 */
export class IdMap<T> {
  readonly #values: (T | undefined)[] = [];
  #size = 0;

  get size(): number {
    return this.#size;
  }

  get(id: number): T | undefined {
    return this.#values[id];
  }

  set(id: number, value: T): void {
    if (this.#values[id] === undefined) this.#size++;
    this.#values[id] = value;
  }

  *[Symbol.iterator](): Generator<[number, T]> {
    for (let id = 0; id < this.#values.length; id++) {
      const value = this.#values[id];
      if (value !== undefined) yield [id, value];
    }
  }
}

/**
 * Latest (time, value) per quantity id in one array of doubles, pairs at [2·id, 2·id + 1], a time of
 * NaN for none. Ingest reads and raises one pair per reading for meters visited round-robin (10,000
 * of them between two visits of one), so a meter's pairs are one contiguous block of unboxed doubles
 * rather than an object per quantity scattered over the heap. A plain array, not a Float64Array:
 * small typed arrays keep their bytes off the heap, one allocation and one GC-tracked buffer per map.
 */
export class TimedMap {
  #pairs = TimedMap.#empty(16);
  #size = 0;

  static #empty(ids: number): number[] {
    // Built by push so the array stays packed doubles (no holes to check on every read).
    const pairs: number[] = [];
    for (let i = 0; i < 2 * ids; i++) pairs.push(Number.NaN);
    return pairs;
  }

  get size(): number {
    return this.#size;
  }

  /** The time of the latest value of `id`, NaN when there is none (every comparison with it is false). */
  atOf(id: number): number {
    return 2 * id < this.#pairs.length ? (this.#pairs[2 * id] ?? Number.NaN) : Number.NaN;
  }

  /** The latest value of `id`; meaningful only when atOf(id) is not NaN. */
  valueAt(id: number): number {
    return this.#pairs[2 * id + 1] ?? Number.NaN;
  }

  get(id: number): TimedValue | undefined {
    const at = this.atOf(id);
    return Number.isNaN(at) ? undefined : { at, value: this.valueAt(id) };
  }

  set(id: number, at: number, value: number): void {
    if (2 * id >= this.#pairs.length) {
      const grown = TimedMap.#empty(Math.max(this.#pairs.length, id + 1));
      for (let i = 0; i < this.#pairs.length; i++) grown[i] = this.#pairs[i] ?? Number.NaN;
      this.#pairs = grown;
    }
    if (Number.isNaN(this.#pairs[2 * id])) this.#size++;
    this.#pairs[2 * id] = at;
    this.#pairs[2 * id + 1] = value;
  }

  *[Symbol.iterator](): Generator<[number, TimedValue]> {
    const pairs = this.#pairs;
    for (let id = 0; 2 * id < pairs.length; id++) {
      const at = pairs[2 * id] ?? Number.NaN;
      if (!Number.isNaN(at)) yield [id, { at, value: pairs[2 * id + 1] ?? 0 }];
    }
  }
}

export interface MeterState {
  readonly latest: TimedMap;
  readonly latestOnGrid: TimedMap;
  readonly writtenUntil: IdMap<number>;
}

export const emptyMeterState = (): MeterState => ({ latest: new TimedMap(), latestOnGrid: new TimedMap(), writtenUntil: new IdMap() });

const version = 1;
/** Quantity ids are dictionary rows, one per OBIS code stored: a row naming a larger one is corrupt (and would size a TimedMap). */
const maxQuantityId = 65_535;

/** Raises the latest value of `id` in `map` to (at, value) when newer; returns whether it was. */
export function raise(map: TimedMap, id: number, at: number, value: number): boolean {
  // NaN (none yet) compares false, so the first value is taken.
  if (at <= map.atOf(id)) return false;
  map.set(id, at, value);
  return true;
}

function putValue(w: ByteWriter, value: number, steps: number): void {
  const scaled = scaledInteger(value, steps);
  if (scaled !== null && Math.abs(scaled) <= 2 ** 50) {
    w.uint(zigzag(scaled) * 2);
  } else {
    w.uint(1);
    w.f64(value);
  }
}

function getValue(r: ByteReader, steps: number): number {
  const tag = r.uint();
  if (tag === 1) return r.f64();
  if (tag % 2 !== 0) return r.fail(`value tag ${tag} is unknown`);
  return unzigzag(tag / 2) / steps;
}

function putTimed(w: ByteWriter, map: TimedMap, stepsOf: (id: number) => number): void {
  w.uint(map.size);
  for (const [id, { at, value }] of map) { w.uint(id); w.uint(at); putValue(w, value, stepsOf(id)); }
}

function getTimed(r: ByteReader, into: TimedMap, stepsOf: (id: number) => number): void {
  const size = r.uint();
  for (let i = 0; i < size; i++) {
    const id = r.uint();
    if (id > maxQuantityId) r.fail(`quantity id ${id} is beyond the dictionary's ${maxQuantityId}`);
    const at = r.uint();
    into.set(id, at, getValue(r, stepsOf(id)));
  }
}

/** Encodes into `w` (reset first) and returns a view of its bytes, valid until `w` is used again. */
export function encodeMeterState(state: MeterState, stepsOf: (id: number) => number, w: ByteWriter = new ByteWriter(256)): Uint8Array {
  w.reset();
  w.byte(version);
  putTimed(w, state.latest, stepsOf);
  putTimed(w, state.latestOnGrid, stepsOf);
  w.uint(state.writtenUntil.size);
  for (const [id, end] of state.writtenUntil) { w.uint(id); w.uint(end); }
  return w.view();
}

export function decodeMeterState(data: Uint8Array, stepsOf: (id: number) => number, what: string): MeterState {
  const r = new ByteReader(data, what);
  if (r.byte() !== version) r.fail('the state version is unknown');
  const state = emptyMeterState();
  getTimed(r, state.latest, stepsOf);
  getTimed(r, state.latestOnGrid, stepsOf);
  const written = r.uint();
  for (let i = 0; i < written; i++) state.writtenUntil.set(r.uint(), r.uint());
  r.end();
  return state;
}
