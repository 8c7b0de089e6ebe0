// Billing determinants: what a bill is rated on, from one meter's final intervals over a period.
// Each interval is placed in its slot of the period plan (so the order the intervals come in does
// not matter, and an interval twice is refused rather than counted twice); energies are taken to
// the nearest mWh and summed as integers, exact in a float64 up to 9 TWh. Then, per part of the
// period (the days one tariff version applies): energy per ToU bucket, totals, the maximum demand
// of each demand component, and the quality behind them. Each determinant says where its intervals
// are (`trace`), and `traceIntervals` resolves it to the interval ends.
import { ValidationError } from '@phasewire/core';
import { qualityCodes, type QualityCode } from '../types.ts';
import { scaled, toDecimal } from './decimal.ts';
import { planPeriod, type PeriodPlan, type PlanPart } from './period-plan.ts';
import type {
  BillingPeriod, DemandComponent, DemandDeterminant, Determinant, Determinants, IntervalInput, PartDeterminants, QualityShares, Tariff,
} from './types.ts';

export const defaultIntervalMs = 900_000;
const hourMs = 3_600_000;
const missingCode = qualityCodes.indexOf('missing') + 1;
/** 1 + the index of each quality in qualityCodes: the code a slot keeps. A Map: "toString" is not a quality. */
const qualityIndex: ReadonlyMap<string, number> = new Map(qualityCodes.map((code, k) => [code, k + 1]));

/** One meter's intervals placed in the slots of a period: integer mWh (mvarh), 0 where absent. */
export interface SlotData {
  readonly importMwh: Float64Array;
  readonly exportMwh: Float64Array;
  readonly reactiveImportMvarh: Float64Array;
  readonly reactiveExportMvarh: Float64Array;
  /** 0: no interval given; else 1 + the index of its quality in qualityCodes. */
  readonly quality: Uint8Array;
}

const bad = (message: string): never => {
  throw new ValidationError('PW_ERR_BILLING_INPUT', message);
};

/**
 * Zeroed slot data for n slots, its five arrays views of one buffer: an ArrayBuffer is allocated
 * outside the JS heap, and one allocation a meter instead of five is most of what placing costs.
 */
export function emptySlotData(n: number): SlotData {
  const buffer = new ArrayBuffer(n * 33);
  return {
    importMwh: new Float64Array(buffer, 0, n), exportMwh: new Float64Array(buffer, n * 8, n),
    reactiveImportMvarh: new Float64Array(buffer, n * 16, n), reactiveExportMvarh: new Float64Array(buffer, n * 24, n),
    quality: new Uint8Array(buffer, n * 32, n),
  };
}

/** `data` with every slot zeroed again (its arrays are views of one buffer when emptySlotData made it). */
export function clearSlotData(data: SlotData): SlotData {
  for (const array of [data.importMwh, data.exportMwh, data.reactiveImportMvarh, data.reactiveExportMvarh, data.quality]) array.fill(0);
  return data;
}

/** Refuses an energy that is not a finite number of at least 0 (NaN fails both comparisons of the caller). */
function refuseEnergy(value: number, what: string, end: number): never {
  return bad(`Cannot bill the interval ending ${new Date(end).toISOString()}: ${what} is ${value}, expected a finite number of at least 0`);
}

/** Energy in whole mWh (mvarh), 0 when absent: exact integers in a float64, summed without rounding. */
const milli = (value: number | undefined, what: string, end: number): number =>
  (value === undefined ? 0 : value >= 0 && value <= Number.MAX_VALUE ? Math.round(value * 1000) : refuseEnergy(value, what, end));

function refuseSlot(plan: PeriodPlan, end: number): never {
  return bad(`Cannot bill the interval ending ${end} in ${plan.period.start} to ${plan.period.end}: expected an end on the `
    + `${plan.intervalMs} ms grid in (${plan.from}, ${plan.to}]`);
}

function codeOf(interval: IntervalInput): number {
  return qualityIndex.get(interval.quality) ?? bad(`Cannot bill the interval ending ${interval.end}: quality `
    + `${JSON.stringify(interval.quality)}, expected one of ${qualityCodes.join(', ')}`);
}

/** Places intervals in their slots; refuses one off the grid, outside the period, or given twice. */
export function slotData(plan: PeriodPlan, intervals: readonly IntervalInput[]): SlotData {
  const n = plan.slotCount;
  const { from, intervalMs } = plan;
  const { importMwh, exportMwh, reactiveImportMvarh, reactiveExportMvarh, quality } = emptySlotData(n);
  // Intervals mostly share a few quality strings: the last one's code saves a Map lookup per interval (0: none yet, as codeOf
  // never returns 0, so a quality of "" or a missing one is still looked up and refused).
  let lastQuality = '';
  let lastCode = 0;
  for (let i = 0; i < intervals.length; i++) {
    const interval = intervals[i] as IntervalInput;
    const end = interval.end;
    const k = (end - from) / intervalMs - 1;
    if (!(k >= 0 && k < n && Number.isInteger(k))) refuseSlot(plan, end);
    if (quality[k] !== 0) bad(`Cannot bill the interval ending ${new Date(end).toISOString()} twice: expected each end once`);
    let code = lastCode;
    if (lastCode === 0 || interval.quality !== lastQuality) {
      code = codeOf(interval);
      lastQuality = interval.quality;
      lastCode = code;
    }
    quality[k] = code;
    if (code === missingCode) continue;
    importMwh[k] = milli(interval.importWh, 'importWh', end);
    exportMwh[k] = milli(interval.exportWh, 'exportWh', end);
    reactiveImportMvarh[k] = milli(interval.reactiveImportVarh, 'reactiveImportVarh', end);
    reactiveExportMvarh[k] = milli(interval.reactiveExportVarh, 'reactiveExportVarh', end);
  }
  return { importMwh, exportMwh, reactiveImportMvarh, reactiveExportMvarh, quality };
}

/**
 * Whole thousandths as a decimal text in the unit (1234567 → "1234.567", trailing zeros dropped, as toDecimal writes it). A
 * safe integer is split by integer arithmetic, exact in a float64, so the hot path of a bill run takes no bigint; anything
 * else goes the exact rational way.
 */
export function kilo(milliUnits: number): string {
  if (!Number.isSafeInteger(milliUnits)) return toDecimal(scaled(milliUnits, 6), 6);
  const magnitude = Math.abs(milliUnits);
  const fraction = magnitude % 1_000_000;
  const whole = String((magnitude - fraction) / 1_000_000);
  const text = fraction === 0 ? whole : `${whole}.${String(fraction).padStart(6, '0').replace(/0+$/u, '')}`;
  return milliUnits < 0 ? `-${text}` : text;
}

function qualityOf(counts: Record<QualityCode, number>, expected: number): QualityShares {
  return {
    expected, counts,
    estimatedShare: expected === 0 ? 0 : counts.estimated / expected,
    editedShare: expected === 0 ? 0 : counts.edited / expected,
    completeness: expected === 0 ? 0 : (expected - counts.missing) / expected,
  };
}

const emptyCounts = (): Record<QualityCode, number> => ({ measured: 0, validated: 0, estimated: 0, edited: 0, missing: 0, suspect: 0 });

function averagePf(kwh: number, kvarh: number): number | null {
  return kwh === 0 && kvarh === 0 ? null : kwh / Math.hypot(kwh, kvarh);
}

/** Whether a component's maximum is the part's largest single slot (a window of one interval, every bucket), found in its main loop. */
const isSlotDemand = (plan: PeriodPlan, component: DemandComponent): boolean =>
  component.buckets === undefined && component.windowMinutes * 60_000 === plan.intervalMs;

/** The maximum demand of one component over a part: 15 min one slot, 30 min two slots ending on the half hour, all with values. */
function demandOf(plan: PeriodPlan, part: PlanPart, index: number, component: DemandComponent, data: SlotData): DemandDeterminant {
  const per = (component.windowMinutes * 60_000) / plan.intervalMs;
  const windowMs = per * plan.intervalMs;
  // The buckets the component counts, as a mask over the part's bucket indexes (a typed-array read, not a Set lookup per slot).
  let wanted: Uint8Array | undefined;
  if (component.buckets !== undefined) {
    wanted = new Uint8Array(Math.max(part.buckets.length, 1));
    for (const b of component.buckets) {
      const at = part.buckets.indexOf(b);
      if (at >= 0) wanted[at] = 1;
    }
  }
  const { importMwh, quality } = data;
  const { bucketOf, from, intervalMs } = plan;
  let best = -1;
  let bestEnd = 0;
  const last = part.firstSlot + part.slotCount;
  // Windows end on the clock (every 15 min, or on the half hour): find the first such slot once, then step a window at a time
  // (a float64 remainder per slot costs more than all the rest of the loop).
  let first = part.firstSlot + per - 1;
  while (first < last && (from + (first + 1) * intervalMs) % windowMs !== 0) first++;
  for (let k = first; k < last; k += per) {
    const end = from + (k + 1) * intervalMs;
    let energy = 0;
    let complete = true;
    for (let j = k - per + 1; j <= k; j++) {
      const q = quality[j] as number;
      if (q === 0 || q === missingCode || (wanted !== undefined && wanted[bucketOf[j] as number] !== 1)) {
        complete = false;
        break;
      }
      energy += importMwh[j] as number;
    }
    if (complete && energy > best) {
      best = energy;
      bestEnd = end;
    }
  }
  return demandDeterminant(plan, part, index, component, best, bestEnd);
}

/** The determinant of a demand component from its largest window energy (mWh, −1 for none) and that window's end. */
function demandDeterminant(plan: PeriodPlan, part: PlanPart, index: number, component: DemandComponent, best: number, bestEnd: number):
  DemandDeterminant {
  const per = (component.windowMinutes * 60_000) / plan.intervalMs;
  const windowMs = per * plan.intervalMs;
  const buckets = component.buckets === undefined ? {} : { buckets: component.buckets };
  // kW = mWh in the window × (1 h / window) / 10^6.
  const kw = best < 0 ? '0' : kilo(best * (hourMs / windowMs));
  const ends = best < 0 ? [] : Array.from({ length: per }, (_, j) => bestEnd - (per - 1 - j) * plan.intervalMs);
  return {
    id: `p${index}.demand.${component.id}`, quantity: kw, unit: 'kW', componentId: component.id, windowMinutes: component.windowMinutes,
    at: best < 0 ? null : bestEnd, trace: { from: part.from, to: part.to, ...buckets, ends },
  };
}

/** A part's determinants, and its energy sums in mWh (import, export, reactive import, reactive export) for the period's totals. */
function partDeterminants(
  plan: PeriodPlan, part: PlanPart, index: number, data: SlotData,
): { readonly determinants: PartDeterminants; readonly sums: readonly number[] } {
  const nb = Math.max(part.buckets.length, 1);
  const bucketImport = new Float64Array(nb);
  const bucketExport = new Float64Array(nb);
  const qualityCounts = new Float64Array(qualityCodes.length + 1);
  const { importMwh, exportMwh, reactiveImportMvarh, reactiveExportMvarh, quality } = data;
  const bucketOf = plan.bucketOf;
  let imp = 0;
  let exp = 0;
  let rqi = 0;
  let rqe = 0;
  // The largest slot with a value: the maximum of every demand component over one interval and all buckets, found in this loop.
  let peak = -1;
  let peakSlot = 0;
  const last = part.firstSlot + part.slotCount;
  // The hot loop of rating, one pass for energies, ToU buckets, quality and the slot peak: typed arrays only (the `as number`
  // always holds inside the bounds).
  for (let k = part.firstSlot; k < last; k++) {
    const b = bucketOf[k] as number;
    const i = importMwh[k] as number;
    const e = exportMwh[k] as number;
    imp += i;
    exp += e;
    rqi += reactiveImportMvarh[k] as number;
    rqe += reactiveExportMvarh[k] as number;
    bucketImport[b] = (bucketImport[b] as number) + i;
    bucketExport[b] = (bucketExport[b] as number) + e;
    const q = quality[k] as number;
    qualityCounts[q] = (qualityCounts[q] as number) + 1;
    if (i > peak && q !== 0 && q !== missingCode) {
      peak = i;
      peakSlot = k;
    }
  }
  // Non-negative integers summed in a float64 stay exact while the sum is a safe integer; past it they round silently.
  for (const [what, value] of [['import', imp], ['export', exp], ['reactive import', rqi], ['reactive export', rqe]] as const) {
    if (!Number.isSafeInteger(value)) {
      bad(`Cannot bill ${part.start} to ${part.end}: its ${what} sums to ${value} mWh (mvarh), expected at most `
        + `${Number.MAX_SAFE_INTEGER} (9 TWh), the most that is summed exactly`);
    }
  }
  const counts = emptyCounts();
  for (const [c, code] of qualityCodes.entries()) counts[code] = qualityCounts[c + 1] ?? 0;
  counts.missing += qualityCounts[0] ?? 0;
  const p = `p${index}`;
  const span = { from: part.from, to: part.to };
  const energy = (id: string, milliUnits: number, unit: 'kWh' | 'kvarh'): Determinant =>
    ({ id: `${p}.${id}`, quantity: kilo(milliUnits), unit, trace: span });
  const perBucket = (kind: string, sums: Float64Array): Determinant[] => part.buckets.map((bucket, b) =>
    ({ id: `${p}.${kind}.${bucket}`, quantity: kilo(sums[b] ?? 0), unit: 'kWh', trace: { ...span, buckets: [bucket] } }));
  const demands = part.tariff.components.filter((c): c is DemandComponent => c.kind === 'demand')
    .map((c) => (isSlotDemand(plan, c) ? demandDeterminant(plan, part, index, c, peak, plan.from + (peakSlot + 1) * plan.intervalMs)
      : demandOf(plan, part, index, c, data)));
  const determinants: PartDeterminants = {
    tariffId: part.tariff.id, tariffVersion: part.tariff.version, start: part.start, end: part.end, from: part.from, to: part.to,
    days: part.days, importKwh: energy('import', imp, 'kWh'), exportKwh: energy('export', exp, 'kWh'),
    reactiveImportKvarh: energy('reactiveImport', rqi, 'kvarh'), reactiveExportKvarh: energy('reactiveExport', rqe, 'kvarh'),
    buckets: perBucket('bucket', bucketImport), exportBuckets: perBucket('exportBucket', bucketExport), demands,
    averagePf: averagePf(imp, rqi), quality: qualityOf(counts, part.slotCount),
  };
  return { determinants, sums: [imp, exp, rqi, rqe] };
}

/** Determinants of a period from placed slot data (what rateBill and a bill run's batch code call). */
export function determinantsOf(plan: PeriodPlan, data: SlotData): Determinants {
  const rated = plan.parts.map((part, index) => partDeterminants(plan, part, index, data));
  const parts = rated.map((r) => r.determinants);
  const counts = emptyCounts();
  for (const part of parts) for (const code of qualityCodes) counts[code] += part.quality.counts[code];
  const total = (which: number): number => rated.reduce((sum, r) => sum + (r.sums[which] ?? 0), 0);
  const imp = total(0);
  const rqi = total(2);
  if (![imp, total(1), rqi, total(3)].every(Number.isSafeInteger)) {
    bad(`Cannot bill ${plan.period.start} to ${plan.period.end}: its energy sums to more than ${Number.MAX_SAFE_INTEGER} mWh (9 TWh), `
      + 'expected at most that, the most that is summed exactly');
  }
  return {
    period: plan.period, from: plan.from, to: plan.to, intervalMs: plan.intervalMs, parts,
    importKwh: kilo(imp), exportKwh: kilo(total(1)), reactiveImportKvarh: kilo(rqi),
    reactiveExportKvarh: kilo(total(3)), averagePf: averagePf(imp, rqi),
    quality: qualityOf(counts, plan.slotCount),
  };
}

/**
 * The determinants of one meter for a period on a tariff (one version, or the versions that apply
 * across the period). Pure; independent of the order of `intervals`.
 */
export function computeDeterminants(
  tariffs: Tariff | readonly Tariff[],
  period: BillingPeriod,
  intervals: readonly IntervalInput[],
  options: { readonly intervalMs?: number } = {},
): Determinants {
  const plan = planPeriod(tariffs, period, options.intervalMs ?? defaultIntervalMs);
  return determinantsOf(plan, slotData(plan, intervals));
}

/** The interval ends behind a determinant of `determinants` (by its id), in time order. */
export function traceIntervals(tariffs: Tariff | readonly Tariff[], determinants: Determinants, id: string): number[] {
  const plan = planPeriod(tariffs, determinants.period, determinants.intervalMs);
  for (const [index, part] of determinants.parts.entries()) {
    const all: readonly Determinant[] = [part.importKwh, part.exportKwh, part.reactiveImportKvarh, part.reactiveExportKvarh,
      ...part.buckets, ...part.exportBuckets, ...part.demands];
    const found = all.find((d) => d.id === id);
    if (found === undefined) continue;
    if (found.trace.ends !== undefined) return [...found.trace.ends];
    const planPart = plan.parts[index] as PlanPart;
    const wanted = found.trace.buckets?.map((b) => planPart.buckets.indexOf(b));
    const ends: number[] = [];
    for (let k = planPart.firstSlot; k < planPart.firstSlot + planPart.slotCount; k++) {
      if (wanted === undefined || wanted.includes(plan.bucketOf[k] ?? 0)) ends.push(plan.from + (k + 1) * plan.intervalMs);
    }
    return ends;
  }
  return bad(`Cannot trace determinant ${id}: expected an id of the bill's determinants (p0.import, p0.bucket.<bucket>, …)`);
}
