// Readings: what a meter measured, named by OBIS code. A Reading is one value, the unit of
// storage and of idempotent ingest, keyed by (meter, quantity, at). A Snapshot is every value a
// meter produced for one measurement window, the unit of transmission.
import type { MeterId } from './ids.ts';
import type { ObisCode } from './obis.ts';

export interface Reading {
  readonly meter: MeterId;
  readonly quantity: ObisCode;
  /** End of the measurement window, milliseconds since the Unix epoch (UTC). */
  readonly at: number;
  /** In the catalogue unit of the quantity. */
  readonly value: number;
}

export interface Snapshot {
  readonly meter: MeterId;
  readonly at: number;
  readonly values: ReadonlyMap<ObisCode, number>;
}

/** Flattens a snapshot into readings, in the snapshot's quantity order. */
export function readingsOf(snapshot: Snapshot): Reading[] {
  const readings: Reading[] = [];
  for (const [quantity, value] of snapshot.values) {
    readings.push({ meter: snapshot.meter, quantity, at: snapshot.at, value });
  }
  return readings;
}
