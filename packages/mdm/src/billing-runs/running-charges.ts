// Running charges: what an account's service point has cost so far in its current (open) billing
// period, rated by the same engine from the same intervals as a bill run, but never stored as a bill.
// The period so far runs from the cycle's first local day to the end of the local day that holds
// `asOf` (so per-day charges count the days begun, and a ToU calendar sees whole days); the intervals
// after `asOf` are not there yet and count as missing: the result is an estimate of an open period.
import type { MeterId } from '@phasewire/core';
import type { BillingStore, IntervalTable, MeterStore } from '@phasewire/store';
import { addDays, localDateTime } from '../billing/local-time.ts';
import { planPeriod } from '../billing/period-plan.ts';
import type { BillingPeriod } from '../billing/types.ts';
import { billedQuantities, loadAccountsModel, rateItem } from './bill-run.ts';
import type { BillDocument } from './bill-documents.ts';
import { periodOfCycle, workItems, type AccountsModel, type WorkItem } from './work-items.ts';

/** The open period of one account's service point at `asOf`, ready to rate. */
export interface RunningItem {
  /** The cycle (`YYYY-MM`) whose period holds `asOf`. */
  readonly cycle: string;
  /** The whole period of the cycle. */
  readonly period: BillingPeriod;
  /** The period so far: its first day to the end of the day of `asOf`. */
  readonly soFar: BillingPeriod;
  readonly asOf: number;
  /** The work item of the period so far (plan and supply clipped to it). */
  readonly item: WorkItem;
}

const monthOf = (t: number, months: number): string => {
  const d = new Date(t);
  const m = d.getUTCFullYear() * 12 + d.getUTCMonth() + months;
  return `${String(Math.floor(m / 12))}-${String((m % 12) + 1).padStart(2, '0')}`;
};

/**
 * The open period of the account at `asOf` for each of its service points (one item per service
 * point, in order); empty when the account has no tariff, no service point, or no version in effect.
 */
export function runningItems(model: AccountsModel, account: string, asOf: number): RunningItem[] {
  const record = model.accounts.find((a) => a.id === account);
  if (record === undefined) return [];
  const own: AccountsModel = { ...model, accounts: [record] };
  // The period holding asOf starts in asOf's month or the one before (cycle day 1–28, any time zone).
  for (const cycle of [monthOf(asOf, 0), monthOf(asOf, -1)]) {
    const items = workItems(own, cycle).items.filter((i) => i.plan.from < asOf && asOf <= i.plan.to);
    if (items.length === 0) continue;
    const period = periodOfCycle(cycle, record.cycle.day);
    return items.map((item) => {
      const zone = item.tariffs[0]?.timeZone ?? 'UTC';
      // The interval ending at asOf belongs to the day of its start.
      const day = addDays(localDateTime(asOf - 1, zone).date, 1);
      const soFar = { start: period.start, end: day < period.end ? day : period.end };
      const plan = planPeriod(item.tariffs, soFar);
      const supplied = { from: Math.max(item.supplied.from, plan.from), to: Math.min(item.supplied.to ?? Infinity, plan.to, asOf) };
      return { cycle, period, soFar, asOf, item: { ...item, plan, supplied } };
    });
  }
  return [];
}

/** Rates an open period from its meters' interval table (read over `item.plan`'s range). */
export function rateRunning(running: RunningItem, table: IntervalTable, completenessLimit: number): BillDocument {
  return rateItem(running.item, table, completenessLimit);
}

/** The running charges of one account: its open period rated so far, per service point. */
export interface RunningCharges {
  readonly account: string;
  readonly cycle: string;
  readonly period: BillingPeriod;
  readonly soFar: BillingPeriod;
  readonly asOf: number;
  readonly tariffId: string;
  readonly servicePoints: readonly BillDocument[];
}

/**
 * Rates the account's open period up to the latest reading of its meters (at most `now`): a fleet on
 * simulated time, or a meter behind on its data, is rated up to what it has sent. Undefined when the
 * account is unknown or has no open period (no service point, no tariff, no version in effect).
 */
export async function runningCharges(
  deps: { readonly billing: BillingStore; readonly meters: Pick<MeterStore, 'intervalTable' | 'latest'> },
  account: string, now: number, completenessLimit: number,
): Promise<RunningCharges | undefined> {
  const model = await loadAccountsModel(deps.billing);
  const points = new Set(model.links.filter((l) => l.account === account).map((l) => l.servicePoint));
  const meters = [...new Set(model.installations.filter((i) => points.has(i.servicePoint)).map((i) => i.meter))];
  const latest = (await Promise.all(meters.map((m: MeterId) => deps.meters.latest(m)))).flat().map((r) => r.at);
  const asOf = Math.min(now, latest.length === 0 ? now : Math.max(...latest));
  const items = runningItems(model, account, asOf);
  const first = items[0];
  if (first === undefined) return undefined;
  const from = Math.min(...items.map((r) => r.item.plan.from));
  const to = Math.max(...items.map((r) => r.item.plan.to));
  const names = [...new Set(items.flatMap((r) => r.item.installations.map((i) => i.meter)))].sort();
  const table = await deps.meters.intervalTable({ range: { from, to }, quantities: billedQuantities, meters: names });
  return { account, cycle: first.cycle, period: first.period, soFar: first.soFar, asOf, tariffId: first.item.tariffs[0]?.id ?? '',
    servicePoints: items.map((r) => rateRunning(r, table, completenessLimit)) };
}
