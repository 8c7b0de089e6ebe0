// What an export reads from the meter store: the interval data of each energy register of a meter
// over a span, with the final value and quality VEE and editors left (MeterStore.intervals resolves
// the stages: final, else validated, else raw).
import type { MeterId, ObisCode } from '@phasewire/core';
import { intervalMs, type IntervalValue, type MeterStore, type TimeRange } from '@phasewire/store';
import { registerReadingTypes } from './espi-codes.ts';

export const activeEnergyImport = '1-0:1.8.0' as ObisCode;

/** The range widened to the 15-minute grid: every interval that overlaps it. */
export const gridRange = (range: TimeRange): TimeRange =>
  ({ from: Math.floor(range.from / intervalMs) * intervalMs, to: Math.ceil(range.to / intervalMs) * intervalMs });

export interface RegisterIntervals {
  readonly quantity: ObisCode;
  readonly intervals: readonly IntervalValue[];
}

/**
 * The intervals of the meter's energy registers in the range: active import always, the other
 * registers (export, reactive) when they hold at least one value there.
 */
export async function registerIntervals(store: MeterStore, meter: MeterId, range: TimeRange): Promise<RegisterIntervals[]> {
  const grid = gridRange(range);
  const series: RegisterIntervals[] = [];
  for (const quantity of registerReadingTypes.keys()) {
    const intervals = await store.intervals(meter, quantity, grid);
    if (quantity === activeEnergyImport || intervals.some((i) => i.value !== null)) series.push({ quantity, intervals });
  }
  return series;
}
