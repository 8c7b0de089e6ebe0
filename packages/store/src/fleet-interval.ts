// One interval across the fleet, as a table: a row per meter, a column per quantity. The fleet view
// (phase imbalance of every meter, say) reads 10,000 meters × 6 quantities at once; one typed array
// of doubles instead of 60,000 reading objects (or 60,000 boxed numbers in a plain array, each a heap
// object of its own) is what keeps that query within its 10 ms.
import type { MeterId, ObisCode } from '@phasewire/core';

export interface FleetInterval {
  readonly at: number;
  readonly quantities: readonly ObisCode[];
  /** Every meter with at least one of the quantities at `at`, in no particular order. */
  readonly meters: readonly MeterId[];
  /**
   * `values[m * quantities.length + q]`: meter m's reading of quantity q, NaN when it has none (a
   * stored reading is always finite: the store refuses NaN and infinities on the way in).
   */
  readonly values: Float64Array;
}

/** A table of `cells` values, none of them set. */
function emptyCells(cells: number): Float64Array {
  return new Float64Array(cells).fill(Number.NaN);
}

export class FleetIntervalBuilder {
  readonly #at: number;
  readonly #quantities: readonly ObisCode[];
  /** Meter → row, built only when a meter may already have a row. */
  #rows: Map<MeterId, number> | undefined;
  readonly #meters: MeterId[];
  /** Room for more rows than are used: rows past `#meters.length` are NaN. */
  #values: Float64Array;

  /**
   * `meters` and `values` start the table with rows a source filled in place (one meter per row,
   * `values.length >= meters.length * quantities.length`, unused cells NaN); the builder takes them over.
   */
  constructor(at: number, quantities: readonly ObisCode[], meters: MeterId[] = [], values: Float64Array = new Float64Array(0)) {
    this.#at = at;
    this.#quantities = quantities;
    this.#meters = meters;
    this.#values = values;
  }

  /** Makes room for `rows` more rows at once (one allocation instead of one per growth step). */
  reserve(rows: number): void {
    this.#grow((this.#meters.length + rows) * this.#quantities.length);
  }

  #grow(needed: number): void {
    if (needed <= this.#values.length) return;
    const grown = emptyCells(Math.max(needed, this.#values.length * 2));
    grown.set(this.#values);
    this.#values = grown;
  }

  /** A new row for a meter that has none yet (the caller knows: one row per meter in a source). */
  newRow(meter: MeterId): number {
    const row = this.#meters.length;
    this.#grow((row + 1) * this.#quantities.length);
    this.#meters.push(meter);
    this.#rows?.set(meter, row);
    return row;
  }

  /** The row of a meter, added when new. */
  row(meter: MeterId): number {
    this.#rows ??= new Map(this.#meters.map((m, i) => [m, i]));
    return this.#rows.get(meter) ?? this.newRow(meter);
  }

  /** Sets the value in `row` of the quantity in `column` (its index in the quantities). */
  setAt(row: number, column: number, value: number): void {
    this.#values[row * this.#quantities.length + column] = value;
  }

  set(meter: MeterId, column: number, value: number): void {
    this.setAt(this.row(meter), column, value);
  }

  build(): FleetInterval {
    const used = this.#meters.length * this.#quantities.length;
    // A view of the used rows, not a copy.
    return { at: this.#at, quantities: this.#quantities, meters: this.#meters,
      values: this.#values.length === used ? this.#values : this.#values.subarray(0, used) };
  }
}

/**
 * The value of one meter and quantity in a fleet interval: null when the meter has no reading of it,
 * undefined when the meter or quantity is not in the table.
 */
export function fleetValue(fleet: FleetInterval, meter: MeterId, quantity: ObisCode): number | null | undefined {
  const row = fleet.meters.indexOf(meter);
  const column = fleet.quantities.indexOf(quantity);
  if (row < 0 || column < 0) return undefined;
  const value = fleet.values[row * fleet.quantities.length + column];
  return value === undefined || Number.isNaN(value) ? null : value;
}
