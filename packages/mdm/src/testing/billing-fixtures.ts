// Tariffs and interval series for billing tests and the rating benchmark: a tariff from the few
// fields a test cares about, and one meter's intervals over a period from a function of each
// interval's local date and minute (so a test says "1 kW all day" or "3 kW at 12:00" in local time).
import { readFileSync } from 'node:fs';
import { localDateTime } from '../billing/local-time.ts';
import { parseTariff } from '../billing/parse-tariff.ts';
import { planPeriod } from '../billing/period-plan.ts';
import type { BillingPeriod, IntervalInput, Tariff } from '../billing/types.ts';

/** A tariff of the given fields over these defaults: id `test`, version 1, EUR, Etc/UTC, from 2026-01-01, half-up. */
export function testTariff(fields: Readonly<Record<string, unknown>>): Tariff {
  return parseTariff({
    id: 'test', version: 1, name: 'Test tariff', currency: 'EUR', timeZone: 'Etc/UTC', effectiveFrom: '2026-01-01', ...fields,
  }, 'test tariff');
}

/** One of the sample tariffs of packages/mdm/tariffs/. */
export function sampleTariff(name: 'commercial-tou-berlin' | 'residential-tiered-new-york' | 'industrial-reactive-berlin'): Tariff {
  const url = new URL(`../../tariffs/${name}.json`, import.meta.url);
  return parseTariff(JSON.parse(readFileSync(url, 'utf8')), `${name}.json`);
}

/** Where an interval is: its end, its index in the period, and its start as local date and wall-clock minute. */
export interface IntervalPlace {
  readonly end: number;
  readonly slot: number;
  readonly date: string;
  readonly minute: number;
}

/**
 * One meter's intervals over the period: `make` gives each interval's values (import Wh and the
 * rest; quality `validated` unless it says), or null to leave the interval out.
 */
export function intervalSeries(
  tariff: Tariff | readonly Tariff[],
  period: BillingPeriod,
  make: (place: IntervalPlace) => Omit<IntervalInput, 'end' | 'quality'> & { readonly quality?: IntervalInput['quality'] } | null,
  intervalMs = 900_000,
): IntervalInput[] {
  const plan = planPeriod(tariff, period, intervalMs);
  const timeZone = plan.parts[0]?.tariff.timeZone ?? 'Etc/UTC';
  const intervals: IntervalInput[] = [];
  for (let slot = 0; slot < plan.slotCount; slot++) {
    const end = plan.from + (slot + 1) * intervalMs;
    const local = localDateTime(end - intervalMs, timeZone);
    const values = make({ end, slot, date: local.date, minute: local.minute });
    if (values !== null) intervals.push({ quality: 'validated', ...values, end });
  }
  return intervals;
}
