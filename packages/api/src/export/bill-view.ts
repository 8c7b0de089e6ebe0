// What a customer sees of a bill beside its lines: the period's load curve (average kW of each
// 15-minute interval), the time-of-use windows it was billed in (spans of the tariff's buckets other
// than the default one), and the demand peak. The PDF bill draws it; the dashboard's bill page reads
// it from the API. Pure: the ToU windows come from the billing engine's period plan, so the shading
// is the same classification rating used, DST days included.
import type { Bill, Tariff } from '@phasewire/mdm';
import { planPeriod } from '@phasewire/mdm';

export interface LoadPoint {
  /** End of the interval (ms). */
  readonly end: number;
  /** Average kW over the interval; null when the interval has no value. */
  readonly kw: number | null;
}

/** A run of consecutive intervals in one ToU bucket (not the default bucket): [from, to). */
export interface TouSpan {
  readonly from: number;
  readonly to: number;
  readonly bucket: string;
}

export interface DemandPeak {
  /** End of the demand window of the maximum. */
  readonly at: number;
  readonly kw: number;
  readonly windowMinutes: number;
  readonly componentId: string;
}

export interface BillView {
  readonly from: number;
  readonly to: number;
  readonly curve: readonly LoadPoint[];
  readonly touSpans: readonly TouSpan[];
  readonly peak: DemandPeak | null;
}

/** The highest demand determinant of the bill's parts, with its time. */
export function demandPeak(bill: Bill): DemandPeak | null {
  let peak: DemandPeak | null = null;
  for (const part of bill.determinants.parts) {
    for (const demand of part.demands) {
      const kw = Number(demand.quantity);
      if (demand.at !== null && (peak === null || kw > peak.kw))
        peak = { at: demand.at, kw, windowMinutes: demand.windowMinutes, componentId: demand.componentId };
    }
  }
  return peak;
}

/** The ToU windows of the period as spans, from the tariff versions the bill was rated on. */
export function touSpans(tariffs: readonly Tariff[], bill: Bill): TouSpan[] {
  const plan = planPeriod(tariffs, bill.period, bill.determinants.intervalMs);
  const spans: TouSpan[] = [];
  for (let slot = 0; slot < plan.slotCount; slot += 1) {
    const part = plan.parts[plan.partOf[slot] ?? 0];
    const schedule = part?.tariff.schedule;
    if (part === undefined || schedule === undefined) continue;
    const bucket = part.buckets[plan.bucketOf[slot] ?? 0] ?? schedule.defaultBucket;
    if (bucket === schedule.defaultBucket) continue;
    const from = plan.from + slot * plan.intervalMs;
    const last = spans.at(-1);
    if (last?.bucket === bucket && last.to === from) spans[spans.length - 1] = { ...last, to: from + plan.intervalMs };
    else spans.push({ from, to: from + plan.intervalMs, bucket });
  }
  return spans;
}

/** The load curve, ToU spans and peak of a bill, from the intervals it was rated on (Wh of active import by interval end). */
export function billView(
  tariffs: readonly Tariff[],
  bill: Bill,
  intervals: readonly { readonly end: number; readonly importWh: number | null }[],
): BillView {
  const { from, to, intervalMs } = bill.determinants;
  const perHour = 3_600_000 / intervalMs;
  const byEnd = new Map(intervals.map((i) => [i.end, i.importWh]));
  const curve: LoadPoint[] = [];
  for (let end = from + intervalMs; end <= to; end += intervalMs) {
    const wh = byEnd.get(end) ?? null;
    curve.push({ end, kw: wh === null ? null : (wh * perHour) / 1000 });
  }
  return { from, to, curve, touSpans: touSpans(tariffs, bill), peak: demandPeak(bill) };
}
