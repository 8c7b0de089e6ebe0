// The weekly report of one meter from the meter store: the readings of the week (phase voltages and
// their angles, line voltages, voltage THD, frequency) read per quantity, joined on their time, and
// handed to weeklyPqReport. The unbalance of each reading is the VUF u2/u1 (IEC 61000-4-30 §5.7.1)
// from the phase magnitudes and angles, or from the three line magnitudes when no angle was sent.
import { polarDeg, Q, ValidationError, vuf, vufFromLineMagnitudes } from '@phasewire/core';
import type { MeterId, ObisCode, Reading } from '@phasewire/core';
import type { MeterStore } from '@phasewire/store';
import type { WeekSpan } from './iso-week.ts';
import type { PqReading, Triple } from './ten-minute.ts';
import { weeklyPqReport, type WeeklyPqReport } from './weekly-report.ts';

/** Every quantity the report reads, in one place (the benchmark reads the same rows plainly). */
export const weeklyPqQuantities: readonly ObisCode[] = [
  Q.voltageL1, Q.voltageL2, Q.voltageL3, Q.angleVoltageL2, Q.angleVoltageL3, Q.voltageL1L2, Q.voltageL2L3, Q.voltageL3L1,
  Q.voltageThdL1, Q.voltageThdL2, Q.voltageThdL3, Q.frequency,
];

const finite = (x: number | undefined): number | null => (x === undefined || Number.isNaN(x) ? null : x);

/** VUF from phase magnitudes and the lags of U L2 and U L3 behind U L1, else from the line magnitudes; null without either. */
function unbalanceOf(phase: Triple, a2: number | null, a3: number | null, line: Triple): number | null {
  const [u1, u2, u3] = phase;
  // The catalogue gives how far U L2 and U L3 lag U L1, so their phasors turn back by that angle.
  if (u1 !== null && u2 !== null && u3 !== null && a2 !== null && a3 !== null) {
    const value = vuf([polarDeg(u1, 0), polarDeg(u2, -a2), polarDeg(u3, -a3)]).value;
    return Number.isFinite(value) ? value : null;
  }
  const [l12, l23, l31] = line;
  if (l12 === null || l23 === null || l31 === null) return null;
  const value = vufFromLineMagnitudes([l12, l23, l31]).value;
  return Number.isFinite(value) ? value : null;
}

/**
 * Joins per-quantity series on their time into the report's readings, in time order: one column of
 * values per quantity over the distinct times (NaN where a quantity was not sent), not a map per
 * reading, so a week of 1-minute readings joins in a few milliseconds.
 */
export function pqReadings(series: readonly (readonly Reading[])[]): PqReading[] {
  const index = new Map<number, number>();
  for (const readings of series) for (const r of readings) if (!index.has(r.at)) index.set(r.at, index.size);
  const n = index.size;
  const columns = new Map<ObisCode, Float64Array>();
  for (const readings of series) {
    for (const r of readings) {
      let column = columns.get(r.quantity);
      if (column === undefined) columns.set(r.quantity, column = new Float64Array(n).fill(Number.NaN));
      column[index.get(r.at) ?? 0] = r.value;
    }
  }
  const col = (q: ObisCode): Float64Array | undefined => columns.get(q);
  const [v1, v2, v3, a2, a3, l12, l23, l31, t1, t2, t3, f] = weeklyPqQuantities.map(col);
  const out: PqReading[] = [];
  for (const [at, k] of index) {
    const voltages: Triple = [finite(v1?.[k]), finite(v2?.[k]), finite(v3?.[k])];
    out.push({
      at,
      voltages,
      unbalance: unbalanceOf(voltages, finite(a2?.[k]), finite(a3?.[k]), [finite(l12?.[k]), finite(l23?.[k]), finite(l31?.[k])]),
      thd: [finite(t1?.[k]), finite(t2?.[k]), finite(t3?.[k])],
      frequency: finite(f?.[k]),
    });
  }
  return out.sort((a, b) => a.at - b.at);
}

export interface WeeklyPqOptions {
  readonly meter: MeterId;
  readonly week: WeekSpan;
  readonly declaredVoltage: number;
  readonly nominalFrequency: number;
}

/**
 * Readings of one quantity a week may hold: one a second. A week of 1-million readings takes some
 * 10 s and 1 GB to join (measured), so a denser one (10 million: a meter stuck sending bursts) is
 * refused before the next quantity is read, not left to run the server out of memory.
 */
export const maxWeeklyReadingsPerSecond = 1;

export async function weeklyPqFromStore(store: MeterStore, options: WeeklyPqOptions): Promise<WeeklyPqReport> {
  const { meter, week } = options;
  // A reading is named by its end: the week's readings end in (from, to], the store reads [from, to).
  const range = { from: week.from + 1, to: week.to + 1 };
  const most = Math.ceil((week.to - week.from) / 1000 * maxWeeklyReadingsPerSecond);
  // One quantity after the other, so a dense one is refused with at most one quantity's rows in memory.
  const series: (readonly Reading[])[] = [];
  for (const quantity of weeklyPqQuantities) {
    const readings = await store.readings(meter, quantity, range);
    if (readings.length > most) {
      throw new ValidationError('PW_ERR_INVALID_ARGUMENT', `Cannot compute the power-quality week ${week.label} of meter ${meter}: `
        + `expected at most ${most} readings of ${quantity} (one a second), found ${readings.length}`);
    }
    series.push(readings);
  }
  return weeklyPqReport({ meter, week, declaredVoltage: options.declaredVoltage, nominalFrequency: options.nominalFrequency,
    readings: pqReadings(series) });
}
