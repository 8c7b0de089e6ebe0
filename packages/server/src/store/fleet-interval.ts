// One interval across the fleet, as a table: a row per meter, a column per quantity. The fleet view
// (phase imbalance of every meter, say) reads 10,000 meters × 6 quantities at once; one array of
// values instead of 60,000 reading objects is what keeps that query within its 10 ms.
import type { MeterId, ObisCode } from '@phasewire/core';

export interface FleetInterval {
  readonly at: number;
  readonly quantities: readonly ObisCode[];
  /** Every meter with at least one of the quantities at `at`, in no particular order. */
  readonly meters: readonly MeterId[];
  /** `values[m * quantities.length + q]`: meter m's reading of quantity q, null when it has none. */
  readonly values: readonly (number | null)[];
}

export class FleetIntervalBuilder {
  readonly #at: number;
  readonly #quantities: readonly ObisCode[];
  /** Meter → row, built only when a meter may already have a row. */
  #rows: Map<MeterId, number> | undefined;
  readonly #meters: MeterId[];
  #values: (number | null)[];

  /**
   * `meters` and `values` start the table with rows a source filled in place (one meter per row,
   * `values.length === meters.length * quantities.length`); the builder takes them over.
   */
  constructor(at: number, quantities: readonly ObisCode[], meters: MeterId[] = [], values: (number | null)[] = []) {
    this.#at = at;
    this.#quantities = quantities;
    this.#meters = meters;
    this.#values = values;
  }

  /** Makes room for `rows` more rows at once (one allocation instead of one per value). */
  reserve(rows: number): void {
    const needed = (this.#meters.length + rows) * this.#quantities.length;
    if (needed <= this.#values.length) return;
    // One allocation of the final size: growing a large array by push reallocates and copies it
    // many times (measured 3× slower for the fleet query's 60,000 values).
    const grown = new Array<number | null>(needed).fill(null);
    for (let i = 0; i < this.#values.length; i++) grown[i] = this.#values[i] ?? null;
    this.#values = grown;
  }

  /** A new row for a meter that has none yet (the caller knows: one row per meter in a source). */
  newRow(meter: MeterId): number {
    const row = this.#meters.length;
    this.#meters.push(meter);
    this.#rows?.set(meter, row);
    for (let i = this.#values.length; i < (row + 1) * this.#quantities.length; i++) this.#values.push(null);
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
    return { at: this.#at, quantities: this.#quantities, meters: this.#meters, values: this.#values.length === used ? this.#values : this.#values.slice(0, used) };
  }
}

/** The value of one meter and quantity in a fleet interval, or undefined. */
export function fleetValue(fleet: FleetInterval, meter: MeterId, quantity: ObisCode): number | null | undefined {
  const row = fleet.meters.indexOf(meter);
  const column = fleet.quantities.indexOf(quantity);
  if (row < 0 || column < 0) return undefined;
  return fleet.values[row * fleet.quantities.length + column];
}
