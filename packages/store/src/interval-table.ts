// Interval data of many meters over one range, as one table of typed arrays: what a bill run reads
// in one pass for a batch of meters (MeterStore.intervalTable). Each value is what a single-meter
// `intervals` query calls `value` (final, else validated, else raw) with its quality, so the two can
// never disagree; the table only avoids one query, one object per interval and one array per series.
//
// Both stores fill it the same way: register reads on the grid, in step units and in any order, go
// into the value cells (the read at the end of each interval, plus one before the range); one
// forward pass turns consecutive reads into interval energies; the written stages are laid over.
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
}

export interface IntervalTable {
  readonly range: TimeRange;
  readonly quantities: readonly ObisCode[];
  readonly meters: readonly MeterId[];
  /** Intervals per series; interval i ends at range.from + (i + 1) × 15 min. */
  readonly length: number;
  /** Cell (meter m, quantity q, interval i) at ((m × quantities.length) + q) × length + i: the value to use, NaN when missing. */
  readonly values: Float64Array;
  /** The cell's quality as its index in intervalQualities. */
  readonly qualities: Uint8Array;
}

const measuredCode = intervalQualities.indexOf('measured');
const missingCode = intervalQualities.indexOf('missing');

/** The cells of one meter and quantity: views into the table, no copy. */
export function intervalSeries(table: IntervalTable, meter: number, quantity: number): { values: Float64Array; qualities: Uint8Array } {
  const start = (meter * table.quantities.length + quantity) * table.length;
  return { values: table.values.subarray(start, start + table.length), qualities: table.qualities.subarray(start, start + table.length) };
}

export const qualityOfCode = (code: number): IntervalQuality => intervalQualities[code] ?? 'missing';

export class IntervalTableBuilder {
  readonly #query: IntervalTableQuery;
  readonly #length: number;
  readonly #values: Float64Array;
  readonly #qualities: Uint8Array;
  /** The read at range.from of each series (the start of its first interval), in steps; NaN when absent. */
  readonly #before: Float64Array;
  readonly #steps: readonly number[];

  /** `steps`: resolution steps per unit of each quantity, in query order. */
  constructor(query: IntervalTableQuery, steps: readonly number[]) {
    this.#query = query;
    this.#length = Math.max(0, (query.range.to - query.range.from) / intervalMs);
    const cells = query.meters.length * query.quantities.length * this.#length;
    this.#values = new Float64Array(cells).fill(Number.NaN);
    this.#qualities = new Uint8Array(cells);
    this.#before = new Float64Array(query.meters.length * query.quantities.length).fill(Number.NaN);
    this.#steps = steps;
  }

  /** A register read (steps) of meter index m and quantity index q at `at`; reads off the grid or outside [from, to] are ignored. */
  read(m: number, q: number, at: number, steps: number): void {
    const position = (at - this.#query.range.from) / intervalMs;
    if (!Number.isInteger(position) || position < 0 || position > this.#length) return;
    const series = m * this.#query.quantities.length + q;
    if (position === 0) this.#before[series] = steps;
    else this.#values[series * this.#length + position - 1] = steps;
  }

  /** Turns the reads into interval energies in the quantity's unit; call once, after every read. */
  deltas(): void {
    const length = this.#length;
    const width = this.#query.quantities.length;
    for (let series = 0; series < this.#before.length; series++) {
      const steps = this.#steps[series % width] ?? 1;
      let previous = this.#before[series] ?? Number.NaN;
      const base = series * length;
      for (let i = 0; i < length; i++) {
        const current = this.#values[base + i] ?? Number.NaN;
        const delta = (current - previous) / steps;
        this.#values[base + i] = delta;
        this.#qualities[base + i] = Number.isNaN(delta) ? missingCode : measuredCode;
        previous = current;
      }
    }
  }

  /** Lays the written stages of one interval over its raw value (after deltas()). */
  stage(m: number, q: number, end: number, overlay: IntervalOverlay): void {
    const stage = overlay.final ?? overlay.validated;
    const i = (end - this.#query.range.from) / intervalMs - 1;
    if (stage === undefined || !Number.isInteger(i) || i < 0 || i >= this.#length) return;
    const cell = (m * this.#query.quantities.length + q) * this.#length + i;
    this.#values[cell] = stage.value ?? Number.NaN;
    this.#qualities[cell] = intervalQualities.indexOf(stage.quality);
  }

  build(): IntervalTable {
    return { range: this.#query.range, quantities: this.#query.quantities, meters: this.#query.meters, length: this.#length,
      values: this.#values, qualities: this.#qualities };
  }
}
