// Interval data of many meters over one range, as one table of typed arrays: what a bill run reads
// in one pass for a batch of meters (MeterStore.intervalTable). Each value is what a single-meter
// `intervals` query calls `value` (final, else validated, else raw) with its quality, so the two can
// never disagree; the table only avoids one query, one object per interval and one array per series.
//
// Both stores fill it through IntervalTableBuilder: register reads on the grid, in step units and in any
// order, go into the value cells (the read at the end of each interval, plus one before the range);
// one forward pass turns consecutive reads into interval energies; the written stages are laid over.
// A store whose reads of each series come in time order (SQLite's chunks) builds it `ordered`: each
// energy is taken as its read arrives, in the one pass that reads them. A register a meter has no
// value of is flagged `empty` and left unfilled; a caller done with a table hands it back (`reuse`).
import type { MeterId, ObisCode } from '@phasewire/core';
import { intervalMs, type TimeRange } from './periods.ts';
import { intervalQualities, type IntervalOverlay, type IntervalQuality } from './quality.ts';

export interface IntervalTableQuery {
  /** On the 15-minute grid: intervals ending in (from, to]. */
  readonly range: TimeRange;
  /** Energy registers (1-0:1.8.0, 1-0:2.8.0, 1-0:3.8.0, 1-0:4.8.0 for billing). */
  readonly quantities: readonly ObisCode[];
  /** The meters, in the order their rows should have. */
  readonly meters: readonly MeterId[];
  /**
   * A table the caller is done with (the previous batch of a bill run): its buffers are reused when they are large
   * enough, and it must not be read again. Fresh buffers of tens of MB cost more in page faults than filling them.
   */
  readonly reuse?: IntervalTable;
}

export interface IntervalTable {
  readonly range: TimeRange;
  readonly quantities: readonly ObisCode[];
  readonly meters: readonly MeterId[];
  /** Intervals per series; interval i ends at range.from + (i + 1) × 15 min. */
  readonly length: number;
  /**
   * Cell (meter m, quantity q, interval i) at ((m × quantities.length) + q) × length + i: the value to use, NaN when missing.
   * Except in a series flagged in `empty`: its cells are not filled (their values unspecified, their qualities 'missing').
   */
  readonly values: Float64Array;
  /** The cell's quality as its index in intervalQualities. */
  readonly qualities: Uint8Array;
  /**
   * Series m × quantities.length + q: 1 when the series holds no value at all (no read, no stage), as for a register a meter
   * does not have. Its cells are left unfilled: a bill run reads two registers of four for most meters, and filling the
   * others with NaN was a quarter of building the table.
   */
  readonly empty: Uint8Array;
}

const measuredCode = intervalQualities.indexOf('measured');
const missingCode = intervalQualities.indexOf('missing');

/** The cells of one meter and quantity: views into the table, no copy (an empty series: NaN values, 'missing' qualities). */
export function intervalSeries(table: IntervalTable, meter: number, quantity: number): { values: Float64Array; qualities: Uint8Array } {
  const series = meter * table.quantities.length + quantity;
  const start = series * table.length;
  if (table.empty[series] === 1) {
    return { values: new Float64Array(table.length).fill(Number.NaN), qualities: new Uint8Array(table.length).fill(missingCode) };
  }
  return { values: table.values.subarray(start, start + table.length), qualities: table.qualities.subarray(start, start + table.length) };
}

export const qualityOfCode = (code: number): IntervalQuality => intervalQualities[code] ?? 'missing';

export class IntervalTableBuilder {
  readonly #query: IntervalTableQuery;
  readonly #length: number;
  readonly #width: number;
  /**
   * Unordered (the default): before deltas() the reads in steps, a cell's quality byte 1 where a read was given. Ordered:
   * the cells up to each series' last read are final (energies and qualities) as soon as the read is given.
   */
  readonly #values: Float64Array;
  readonly #qualities: Uint8Array;
  /** The read at range.from of each series (the start of its first interval), in steps; NaN when absent. Unordered only. */
  readonly #before: Float64Array;
  /** 1 for a series that was given any read or stage; the others are the table's `empty` series. */
  readonly #read: Uint8Array;
  readonly #steps: readonly number[];
  readonly #ordered: boolean;
  /** Ordered: the position (0 … length) and value of each series' last read; −1 before the first. */
  readonly #lastPosition: Float64Array;
  readonly #lastRead: Float64Array;
  #outOfOrder = false;

  /**
   * `steps`: resolution steps per unit of each quantity, in query order. `ordered`: each series' reads will come in time
   * order, so each interval's energy is taken as its read arrives, in one pass; a read out of order sets `outOfOrder`, and the
   * caller builds the table again unordered.
   */
  constructor(query: IntervalTableQuery, steps: readonly number[], options: { readonly ordered?: boolean } = {}) {
    this.#query = query;
    this.#length = Math.max(0, (query.range.to - query.range.from) / intervalMs);
    this.#width = query.quantities.length;
    this.#ordered = options.ordered ?? false;
    const series = query.meters.length * this.#width;
    const cells = series * this.#length;
    const old = query.reuse;
    if (old !== undefined && old.values.buffer.byteLength >= cells * 8 && old.qualities.buffer.byteLength >= cells) {
      // Values need no clearing: unordered, a cell's quality byte says whether it was read (cleared here); ordered, every cell
      // of a series read is written, and the cells of the others are not part of the table.
      this.#values = new Float64Array(old.values.buffer, 0, cells);
      this.#qualities = new Uint8Array(old.qualities.buffer, 0, cells);
      if (!this.#ordered) this.#qualities.fill(0);
    } else {
      this.#values = new Float64Array(cells);
      this.#qualities = new Uint8Array(cells);
    }
    this.#before = new Float64Array(this.#ordered ? 0 : series).fill(Number.NaN);
    this.#read = new Uint8Array(series);
    this.#steps = steps;
    this.#lastPosition = new Float64Array(this.#ordered ? series : 0).fill(-1);
    this.#lastRead = new Float64Array(this.#ordered ? series : 0);
  }

  /** Ordered: a read came before one already given for its series; the table must be built again unordered. */
  get outOfOrder(): boolean {
    return this.#outOfOrder;
  }

  /** A register read (steps) of meter index m and quantity index q at `at`; reads off the grid or outside [from, to] are ignored. */
  read(m: number, q: number, at: number, steps: number): void {
    const position = (at - this.#query.range.from) / intervalMs;
    if (!Number.isInteger(position) || position < 0 || position > this.#length) return;
    const series = m * this.#width + q;
    if (this.#ordered) {
      this.#stream(series, position, steps);
    } else if (position === 0) {
      this.#before[series] = steps;
    } else {
      const cell = series * this.#length + position - 1;
      this.#values[cell] = steps;
      this.#qualities[cell] = 1;
    }
    this.#read[series] = 1;
  }

  /** Ordered: the read at `position` of a series; fills the cells since its last read. */
  #stream(series: number, position: number, value: number): void {
    const last = this.#lastPosition[series] as number;
    if (position <= last) {
      this.#outOfOrder = true;
      return;
    }
    const base = series * this.#length - 1;
    // Positions never read since the last read are missing intervals, and so is the one after them.
    for (let p = Math.max(last + 1, 1); p < position; p++) {
      this.#values[base + p] = Number.NaN;
      this.#qualities[base + p] = missingCode;
    }
    if (position >= 1) {
      const previous = position === last + 1 ? this.#lastRead[series] as number : Number.NaN;
      const delta = (value - previous) / (this.#steps[series % this.#width] ?? 1);
      this.#values[base + position] = delta;
      this.#qualities[base + position] = delta === delta ? measuredCode : missingCode;
    }
    this.#lastPosition[series] = position;
    this.#lastRead[series] = value;
  }

  /**
   * `count` reads of one series at once (times `at`, values in steps), as read() each; `step`, when every read follows the
   * previous by the same time, lets an ordered 15-minute run go straight into its cells.
   */
  reads(m: number, q: number, at: Float64Array, steps: Float64Array, count: number, step: number): void {
    if (count === 0) return;
    const first = ((at[0] as number) - this.#query.range.from) / intervalMs;
    if (!this.#ordered || step !== intervalMs || !Number.isInteger(first)) {
      for (let i = 0; i < count; i++) this.read(m, q, at[i] as number, steps[i] as number);
      return;
    }
    // Read i lands at position first + i; positions 1 … length are cells, 0 is the read before the range.
    const begin = Math.max(0, -first);
    const end = Math.min(count, this.#length + 1 - first);
    if (begin >= end) return;
    const series = m * this.#width + q;
    this.#read[series] = 1;
    this.#stream(series, first + begin, steps[begin] as number);
    if (this.#outOfOrder) return;
    const values = this.#values;
    const qualities = this.#qualities;
    const unit = this.#steps[q] ?? 1;
    const base = series * this.#length + first - 1;
    let previous = steps[begin] as number;
    for (let i = begin + 1; i < end; i++) {
      const value = steps[i] as number;
      const delta = (value - previous) / unit;
      values[base + i] = delta;
      qualities[base + i] = delta === delta ? measuredCode : missingCode;
      previous = value;
    }
    this.#lastPosition[series] = first + end - 1;
    this.#lastRead[series] = previous;
  }

  /** Turns the reads into interval energies in the quantity's unit; call once, after every read. */
  deltas(): void {
    const length = this.#length;
    const values = this.#values;
    const qualities = this.#qualities;
    for (let series = 0; series < this.#read.length; series++) {
      const base = series * length;
      if (this.#read[series] !== 1) {
        qualities.fill(missingCode, base, base + length);
        continue;
      }
      if (this.#ordered) {
        // The intervals after the last read are missing.
        const last = Math.max(0, this.#lastPosition[series] as number);
        values.fill(Number.NaN, base + last, base + length);
        qualities.fill(missingCode, base + last, base + length);
        continue;
      }
      const steps = this.#steps[series % this.#width] ?? 1;
      let previous = this.#before[series] ?? Number.NaN;
      for (let c = base; c < base + length; c++) {
        const current = qualities[c] === 1 ? values[c] as number : Number.NaN;
        const delta = (current - previous) / steps;
        values[c] = delta;
        qualities[c] = delta === delta ? measuredCode : missingCode;
        previous = current;
      }
    }
  }

  /** Lays the written stages of one interval over its raw value (after deltas()). */
  stage(m: number, q: number, end: number, overlay: IntervalOverlay): void {
    const stage = overlay.final ?? overlay.validated;
    const i = (end - this.#query.range.from) / intervalMs - 1;
    if (stage === undefined || !Number.isInteger(i) || i < 0 || i >= this.#length) return;
    const series = m * this.#width + q;
    if (this.#read[series] !== 1) {
      // The first stage of an empty series: its other cells become what they are, missing.
      this.#values.fill(Number.NaN, series * this.#length, (series + 1) * this.#length);
      this.#read[series] = 1;
    }
    const cell = series * this.#length + i;
    this.#values[cell] = stage.value ?? Number.NaN;
    this.#qualities[cell] = intervalQualities.indexOf(stage.quality);
  }

  build(): IntervalTable {
    return { range: this.#query.range, quantities: this.#query.quantities, meters: this.#query.meters, length: this.#length,
      values: this.#values, qualities: this.#qualities, empty: this.#read.map((read) => 1 - read) };
  }
}
