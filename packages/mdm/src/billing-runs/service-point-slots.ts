// One service point's intervals for its bill, from the interval table of its batch: each slot of the
// period plan takes the value of the meter installed over that interval, so a meter exchanged inside
// the period bills as one service point (meter A's intervals before the exchange, meter B's after).
// An interval covers (end − 15 min, end]; it belongs to the installation whose span [from, to) holds
// its start. Slots outside every installation, or outside the account's supply, stay empty (missing).
import type { Effective, IntervalTable, MeterInstallation } from '@phasewire/store';
import { clearSlotData, emptySlotData, type SlotData } from '../billing/determinants.ts';
import { qualityCodes } from '../types.ts';
import type { PeriodPlan } from '../billing/period-plan.ts';

/** Columns of the table a bill reads, in this order: active import, active export, reactive import, reactive export. */
export const billedColumns = 4;
/** A slot's code for a missing interval (1 + its index in qualityCodes, as determinants.ts codes them). */
const missingSlot = qualityCodes.indexOf('missing') + 1;

export function servicePointSlots(
  plan: PeriodPlan,
  table: IntervalTable,
  meterRow: ReadonlyMap<string, number>,
  installations: readonly MeterInstallation[],
  supplied: Effective,
  reuse?: SlotData,
): SlotData {
  const n = plan.slotCount;
  // A caller rating many service points one after the other hands back the last one's slots: a fresh buffer per meter was
  // more than placing the values.
  const data = reuse !== undefined && reuse.quality.length === n ? clearSlotData(reuse) : emptySlotData(n);
  const targets = [data.importMwh, data.exportMwh, data.reactiveImportMvarh, data.reactiveExportMvarh];
  const quality = data.quality;
  const { values, qualities, empty } = table;
  // Slot k of the plan is cell (k + offset) of the table's series.
  const offset = (plan.from - table.range.from) / plan.intervalMs;
  const width = table.quantities.length;
  for (const installation of installations) {
    const row = meterRow.get(installation.meter);
    if (row === undefined) continue;
    const start = Math.max(installation.from, supplied.from, plan.from);
    const end = Math.min(installation.to ?? Infinity, supplied.to ?? Infinity, plan.to);
    const first = Math.max(0, Math.ceil((start - plan.from) / plan.intervalMs));
    const last = Math.min(n, Math.ceil((end - plan.from) / plan.intervalMs));
    for (let column = 0; column < billedColumns; column++) {
      const series = row * width + column;
      const base = series * table.length + offset;
      // A register the meter has no value of (most have no export or reactive export) leaves its slots at 0.
      if (empty[series] === 1) {
        if (column === 0) quality.fill(missingSlot, first, Math.max(first, last));
        continue;
      }
      const target = targets[column] as Float64Array;
      if (column === 0) for (let k = first; k < last; k++) quality[k] = (qualities[base + k] as number) + 1;
      for (let k = first; k < last; k++) {
        const value = values[base + k] as number;
        target[k] = value === value ? Math.round(value * 1000) : 0;
      }
    }
  }
  return data;
}
