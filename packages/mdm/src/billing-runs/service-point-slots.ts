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
  const fresh = reuse === undefined || reuse.quality.length !== n;
  const data = fresh ? emptySlotData(n) : reuse;
  const zero = fresh ? [true, true, true, true, true] : zeroed.get(data) ?? [false, false, false, false, false];
  zeroed.set(data, zero);
  // Slots of an unusable interval (negative, infinite, too large), found while placing and made missing after it.
  const unusable: number[] = [];
  const most = Math.floor(Number.MAX_SAFE_INTEGER / Math.max(1, n));
  if (installations.length === 1) {
    placeOne(plan, table, meterRow.get(installations[0]?.meter ?? ''), installations[0] as MeterInstallation, supplied, data, zero,
      { most, unusable });
    markMissing(data, unusable);
    return data;
  }
  if (!fresh) clearSlotData(data);
  const targets = [data.importMwh, data.exportMwh, data.reactiveImportMvarh, data.reactiveExportMvarh];
  const quality = data.quality;
  const { values, qualities, empty } = table;
  // Slot k of the plan is cell (k + offset) of the table's series.
  const offset = (plan.from - table.range.from) / plan.intervalMs;
  const width = table.quantities.length;
  for (const installation of installations) {
    const row = meterRow.get(installation.meter);
    if (row === undefined) continue;
    const { first, last } = slotsOf(plan, installation, supplied);
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
        // NaN (absent) fails both comparisons and is 0. Negative, or above the most (Infinity too): unusable, made missing below.
        const milli = Math.round((values[base + k] as number) * 1000);
        if (milli >= 0 && milli <= most) {
          target[k] = milli;
        } else {
          target[k] = 0;
          if (milli === milli) unusable.push(k); // not NaN: a value, and an unusable one
        }
      }
    }
  }
  zero.fill(false);
  markMissing(data, unusable);
  return data;
}

/** Marks the slots of unusable intervals missing, every register of them 0 (zeros keep a buffer's known-zero arrays so). */
function markMissing(data: SlotData, unusable: readonly number[]): void {
  if (unusable.length === 0) return;
  const targets = [data.importMwh, data.exportMwh, data.reactiveImportMvarh, data.reactiveExportMvarh];
  for (const k of unusable) {
    data.quality[k] = missingSlot;
    for (const target of targets) target[k] = 0;
  }
}

/** Which arrays of a slot buffer (four energies, then quality) are known to hold only zeros: those need no clearing. */
const zeroed = new WeakMap<SlotData, boolean[]>();

/** The plan's slots [first, last) one installation supplies. */
function slotsOf(plan: PeriodPlan, installation: MeterInstallation, supplied: Effective): { first: number; last: number } {
  const start = Math.max(installation.from, supplied.from, plan.from);
  const end = Math.min(installation.to ?? Infinity, supplied.to ?? Infinity, plan.to);
  return {
    first: Math.max(0, Math.ceil((start - plan.from) / plan.intervalMs)),
    last: Math.min(plan.slotCount, Math.ceil((end - plan.from) / plan.intervalMs)),
  };
}

/**
 * The common case, one meter over the period: every slot of every array is written once (values, or zeros outside the
 * installation and for a register the meter has none of), so a reused buffer needs no clearing first; quality and import
 * in one loop.
 */
function placeOne(plan: PeriodPlan, table: IntervalTable, row: number | undefined, installation: MeterInstallation,
  supplied: Effective, data: SlotData, zero: boolean[], check: { most: number; unusable: number[] }): void {
  const { most, unusable } = check;
  const n = plan.slotCount;
  const { first, last } = slotsOf(plan, installation, supplied);
  const targets = [data.importMwh, data.exportMwh, data.reactiveImportMvarh, data.reactiveExportMvarh];
  const quality = data.quality;
  const { values, qualities, empty } = table;
  const offset = (plan.from - table.range.from) / plan.intervalMs;
  const width = table.quantities.length;
  for (let column = 0; column < billedColumns; column++) {
    const target = targets[column] as Float64Array;
    const series = row === undefined ? -1 : row * width + column;
    if (row === undefined || empty[series] === 1) {
      if (zero[column] !== true) target.fill(0);
      zero[column] = true;
      if (column === 0) {
        // A meter the table has no row of gives no interval (0); one without this register, missing intervals.
        quality.fill(0);
        if (row !== undefined) quality.fill(missingSlot, first, Math.max(first, last));
        zero[4] = false;
      }
      continue;
    }
    const base = series * table.length + offset;
    target.fill(0, 0, first);
    target.fill(0, Math.max(first, last), n);
    if (column === 0) {
      quality.fill(0, 0, first);
      quality.fill(0, Math.max(first, last), n);
      for (let k = first; k < last; k++) {
        quality[k] = (qualities[base + k] as number) + 1;
        const milli = Math.round((values[base + k] as number) * 1000);
        if (milli >= 0 && milli <= most) {
          target[k] = milli;
        } else {
          target[k] = 0;
          if (milli === milli) unusable.push(k);
        }
      }
      zero[4] = false;
    } else {
      for (let k = first; k < last; k++) {
        const milli = Math.round((values[base + k] as number) * 1000);
        if (milli >= 0 && milli <= most) {
          target[k] = milli;
        } else {
          target[k] = 0;
          if (milli === milli) unusable.push(k);
        }
      }
    }
    zero[column] = false;
  }
}
