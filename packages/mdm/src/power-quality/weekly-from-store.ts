// The weekly report of one meter from the meter store: the readings of the week (phase voltages and
// their angles, line voltages, voltage THD, frequency) read per quantity, joined on their time, and
// handed to weeklyPqReport. The unbalance of each reading is the VUF u2/u1 (IEC 61000-4-30 §5.7.1)
// from the phase magnitudes and angles, or from the three line magnitudes when no angle was sent.
import { polarDeg, Q, vuf, vufFromLineMagnitudes } from '@phasewire/core';
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

type Row = Map<ObisCode, number>;

function unbalanceOf(row: Row): number | null {
  const [u1, u2, u3, a2, a3] = [Q.voltageL1, Q.voltageL2, Q.voltageL3, Q.angleVoltageL2, Q.angleVoltageL3].map((q) => row.get(q));
  // The catalogue gives how far U L2 and U L3 lag U L1, so their phasors turn back by that angle.
  if (u1 !== undefined && u2 !== undefined && u3 !== undefined && a2 !== undefined && a3 !== undefined) {
    const value = vuf([polarDeg(u1, 0), polarDeg(u2, -a2), polarDeg(u3, -a3)]).value;
    return Number.isFinite(value) ? value : null;
  }
  const [l12, l23, l31] = [Q.voltageL1L2, Q.voltageL2L3, Q.voltageL3L1].map((q) => row.get(q));
  if (l12 === undefined || l23 === undefined || l31 === undefined) return null;
  const value = vufFromLineMagnitudes([l12, l23, l31]).value;
  return Number.isFinite(value) ? value : null;
}

/** Joins per-quantity series on their time into the report's readings. */
export function pqReadings(series: readonly (readonly Reading[])[]): PqReading[] {
  const rows = new Map<number, Row>();
  for (const readings of series) {
    for (const r of readings) {
      let row = rows.get(r.at);
      if (row === undefined) rows.set(r.at, row = new Map<ObisCode, number>());
      row.set(r.quantity, r.value);
    }
  }
  const three = (row: Row, a: ObisCode, b: ObisCode, c: ObisCode): Triple => [row.get(a) ?? null, row.get(b) ?? null, row.get(c) ?? null];
  return [...rows].sort((x, y) => x[0] - y[0]).map(([at, row]) => ({
    at,
    voltages: three(row, Q.voltageL1, Q.voltageL2, Q.voltageL3),
    unbalance: unbalanceOf(row),
    thd: three(row, Q.voltageThdL1, Q.voltageThdL2, Q.voltageThdL3),
    frequency: row.get(Q.frequency) ?? null,
  }));
}

export interface WeeklyPqOptions {
  readonly meter: MeterId;
  readonly week: WeekSpan;
  readonly declaredVoltage: number;
  readonly nominalFrequency: number;
}

export async function weeklyPqFromStore(store: MeterStore, options: WeeklyPqOptions): Promise<WeeklyPqReport> {
  const { meter, week } = options;
  // A reading is named by its end: the week's readings end in (from, to], the store reads [from, to).
  const range = { from: week.from + 1, to: week.to + 1 };
  const series = await Promise.all(weeklyPqQuantities.map((q) => store.readings(meter, q, range)));
  return weeklyPqReport({ meter, week, declaredVoltage: options.declaredVoltage, nominalFrequency: options.nominalFrequency,
    readings: pqReadings(series) });
}
