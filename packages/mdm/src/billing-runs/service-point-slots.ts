// One service point's intervals for its bill, from the interval table of its batch: each slot of the
// period plan takes the value of the meter installed over that interval, so a meter exchanged inside
// the period bills as one service point (meter A's intervals before the exchange, meter B's after).
// An interval covers (end − 15 min, end]; it belongs to the installation whose span [from, to) holds
// its start. Slots outside every installation, or outside the account's supply, stay empty (missing).
// An interval is a register's difference, so a register that was reset or rolled over (a meter
// exchanged without its reads split, a firmware reset) gives one negative interval; it is no energy
// anyone used, and billing it credited the customer (−506 kWh on a January bill): such an interval is
// missing, as `slotData` refuses it on the direct path. So is one so large that the period's sum would
// not be exact (above 2^53 mWh ÷ the period's intervals: 3 GWh a quarter hour in a month, a register
// jump no meter measures): the engine refuses that sum, and one such meter stopped the whole bill run.
import type { Effective, IntervalTable, MeterInstallation } from '@phasewire/store';
import type { SlotData } from '../billing/determinants.ts';
import type { PeriodPlan } from '../billing/period-plan.ts';
import { qualityCodes } from '../types.ts';

const missingCode = qualityCodes.indexOf('missing') + 1;

/** Columns of the table a bill reads, in this order: active import, active export, reactive import, reactive export. */
export const billedColumns = 4;

export function servicePointSlots(
  plan: PeriodPlan,
  table: IntervalTable,
  meterRow: ReadonlyMap<string, number>,
  installations: readonly MeterInstallation[],
  supplied: Effective,
): SlotData {
  const n = plan.slotCount;
  const data = {
    importMwh: new Float64Array(n), exportMwh: new Float64Array(n), reactiveImportMvarh: new Float64Array(n),
    reactiveExportMvarh: new Float64Array(n), quality: new Uint8Array(n),
  };
  const targets = [data.importMwh, data.exportMwh, data.reactiveImportMvarh, data.reactiveExportMvarh];
  // Slot k of the plan is cell (k + offset) of the table's series.
  const offset = (plan.from - table.range.from) / plan.intervalMs;
  const width = table.quantities.length;
  const unusable: number[] = [];
  const most = Math.floor(Number.MAX_SAFE_INTEGER / Math.max(1, n));
  for (const installation of installations) {
    const row = meterRow.get(installation.meter);
    if (row === undefined) continue;
    const start = Math.max(installation.from, supplied.from, plan.from);
    const end = Math.min(installation.to ?? Infinity, supplied.to ?? Infinity, plan.to);
    const first = Math.max(0, Math.ceil((start - plan.from) / plan.intervalMs));
    const last = Math.min(n, Math.ceil((end - plan.from) / plan.intervalMs));
    for (let column = 0; column < billedColumns; column++) {
      const base = (row * width + column) * table.length + offset;
      const target = targets[column] as Float64Array;
      for (let k = first; k < last; k++) {
        const value = table.values[base + k] ?? Number.NaN;
        if (column === 0) data.quality[k] = (table.qualities[base + k] ?? 4) + 1;
        // NaN (absent) fails both comparisons and is 0. Negative, or above the most (Infinity too): unusable, made missing below.
        const milli = Math.round(value * 1000);
        if (milli >= 0 && milli <= most) {
          target[k] = milli;
        } else {
          target[k] = 0;
          if (milli === milli) unusable.push(k); // not NaN: a value, and an unusable one
        }
      }
    }
  }
  for (const k of unusable) {
    data.quality[k] = missingCode;
    for (const target of targets) target[k] = 0;
  }
  return data;
}
