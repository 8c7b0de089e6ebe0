// The work of a billing cycle, from the accounts model: one item per account and service point
// supplied under it during the cycle's period, with the tariff versions in effect and the meters
// installed, each over the part of the period it covers. Pure: the model in, items out, in
// (account, service point) order, so every run and every resumed run sees the same list.
import { ValidationError } from '@phasewire/core';
import { overlaps, type AccountRecord, type Effective, type MeterInstallation, type ServicePointLink, type TariffAssignment,
  type TariffVersionRecord } from '@phasewire/store';
import { parseTariff } from '../billing/parse-tariff.ts';
import { addDays } from '../billing/local-time.ts';
import { planPeriod, type PeriodPlan } from '../billing/period-plan.ts';
import type { BillingPeriod, Tariff } from '../billing/types.ts';

export const cyclePattern = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** The accounts model as the store holds it. */
export interface AccountsModel {
  readonly accounts: readonly AccountRecord[];
  readonly links: readonly ServicePointLink[];
  readonly installations: readonly MeterInstallation[];
  readonly assignments: readonly TariffAssignment[];
  readonly tariffVersions: readonly TariffVersionRecord[];
}

export interface WorkItem {
  readonly account: string;
  readonly servicePoint: string;
  readonly tariffs: readonly Tariff[];
  readonly plan: PeriodPlan;
  /** The installations of the service point that overlap the period (and the link), in time order. */
  readonly installations: readonly MeterInstallation[];
  /** The part of the period the service point is under the account. */
  readonly supplied: Effective;
}

/** An item that cannot be billed, and why (no tariff, no version in effect): audited, counted as skipped. */
export interface SkippedItem {
  readonly account: string;
  readonly servicePoint: string;
  readonly reason: string;
}

export function checkCycle(cycle: string): void {
  if (!cyclePattern.test(cycle))
    throw new ValidationError('PW_ERR_BILLING_REQUEST', `Cannot run billing cycle ${JSON.stringify(cycle)}: expected YYYY-MM`);
}

/** The period of a monthly cycle starting on `day`: `2026-03` with day 15 is 2026-03-15 to 2026-04-15 (local dates). */
export function periodOfCycle(cycle: string, day: number): BillingPeriod {
  checkCycle(cycle);
  const start = `${cycle}-${String(day).padStart(2, '0')}`;
  const next = addDays(`${cycle}-01`, 31).slice(0, 7);
  return { start, end: `${next}-${String(day).padStart(2, '0')}` };
}

/** The versions of every tariff, parsed again from their stored documents (rows read back are validated). */
export function tariffsById(versions: readonly TariffVersionRecord[]): Map<string, Tariff[]> {
  const byId = new Map<string, Tariff[]>();
  for (const v of versions) {
    const tariff = parseTariff(JSON.parse(v.document) as unknown, `stored tariff ${v.tariffId} version ${v.version}`);
    byId.set(v.tariffId, [...(byId.get(v.tariffId) ?? []), tariff]);
  }
  return byId;
}

/** Records grouped by a key, in their order (an index made once: a filter per account was quadratic in the fleet). */
function groupBy<T>(records: readonly T[], key: (record: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const r of records) {
    const k = key(r);
    const group = groups.get(k);
    if (group === undefined) groups.set(k, [r]);
    else group.push(r);
  }
  return groups;
}

interface AssignedPlan { readonly plan?: PeriodPlan; readonly versions?: readonly Tariff[]; readonly reason: string }

/** The tariff an account is billed on over a period, from the assignments near it; a reason when there is none, or two. */
function assignedPlan(candidates: readonly TariffAssignment[], tariffs: ReadonlyMap<string, Tariff[] | Error>, period: BillingPeriod,
  plans: Map<string, PeriodPlan>): AssignedPlan {
  if (candidates.length === 0) return { reason: 'no tariff assigned in the period' };
  const planned: { assignment: TariffAssignment; plan: PeriodPlan; versions: Tariff[] }[] = [];
  let reason = '';
  for (const assignment of candidates) {
    const versions = tariffs.get(assignment.tariffId);
    if (versions === undefined || versions instanceof Error) {
      reason = versions?.message ?? `tariff ${assignment.tariffId} has no stored version`;
      continue;
    }
    try {
      // Accounts on the same tariff and cycle day share one plan of the period (a plan is data, read only).
      const planKey = `${assignment.tariffId}\u0000${period.start}\u0000${period.end}`;
      let plan = plans.get(planKey);
      if (plan === undefined) {
        plan = planPeriod(versions, period);
        plans.set(planKey, plan);
      }
      if (overlaps(assignment, { from: plan.from, to: plan.to })) planned.push({ assignment, plan, versions });
    } catch (error) {
      reason = (error as Error).message;
    }
  }
  const [first, second] = planned;
  if (first === undefined) return { reason: reason || 'no tariff assigned in the period' };
  // A change of tariff inside a period is not prorated (a change inside one tariff is a new version, which is).
  if (second !== undefined) {
    return { reason: `the account is assigned tariff ${first.assignment.tariffId} and tariff ${second.assignment.tariffId} within `
      + `${period.start} to ${period.end}: expected one tariff a period (a mid-period change is a new version of the tariff)` };
  }
  return { plan: first.plan, versions: first.versions, reason };
}

/**
 * The versions of every tariff that parses; a tariff one of whose stored versions does not (a file stored before the parser
 * grew stricter) maps to the error, so that its accounts are skipped with it and every other account is billed.
 */
function billableTariffs(versions: readonly TariffVersionRecord[]): Map<string, Tariff[] | Error> {
  const byId = new Map<string, Tariff[] | Error>();
  for (const [id, group] of groupBy(versions, (v) => v.tariffId)) {
    try {
      byId.set(id, tariffsById(group).get(id) ?? []);
    } catch (error) {
      byId.set(id, error as Error);
    }
  }
  return byId;
}

export function workItems(model: AccountsModel, cycle: string): { items: WorkItem[]; skipped: SkippedItem[] } {
  const tariffs = billableTariffs(model.tariffVersions);
  const linksOf = groupBy(model.links, (l) => l.account);
  const assignmentsOf = groupBy(model.assignments, (a) => a.account);
  const installationsOf = groupBy(model.installations, (i) => i.servicePoint);
  const plans = new Map<string, PeriodPlan>();
  const items: WorkItem[] = [];
  const skipped: SkippedItem[] = [];
  for (const account of [...model.accounts].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    const period = periodOfCycle(cycle, account.cycle.day);
    const links = linksOf.get(account.id) ?? [];
    if (links.length === 0) continue;
    // The period's local instants depend on the tariff's zone: the assignments near the period in UTC terms (a day either side)
    // are the candidates, and the one whose span overlaps the period in its own tariff's local time is billed. Taking the first
    // candidate billed a month on the tariff that ended at its first local midnight.
    const roughFrom = Date.parse(`${period.start}T00:00:00Z`) - 86_400_000;
    const roughTo = Date.parse(`${period.end}T00:00:00Z`) + 86_400_000;
    const candidates = (assignmentsOf.get(account.id) ?? []).filter((a) => overlaps(a, { from: roughFrom, to: roughTo }));
    const { plan, versions, reason } = assignedPlan(candidates, tariffs, period, plans);
    const span = plan === undefined ? { from: roughFrom, to: roughTo } : { from: plan.from, to: plan.to };
    for (const link of [...links].sort((a, b) => (a.servicePoint < b.servicePoint ? -1 : 1))) {
      if (!overlaps(link, span)) continue;
      if (plan === undefined || versions === undefined) {
        skipped.push({ account: account.id, servicePoint: link.servicePoint, reason });
        continue;
      }
      const supplied = { from: Math.max(link.from, plan.from), to: Math.min(link.to ?? Infinity, plan.to) };
      const installations = (installationsOf.get(link.servicePoint) ?? []).filter((i) => overlaps(i, supplied))
        .sort((a, b) => a.from - b.from);
      items.push({ account: account.id, servicePoint: link.servicePoint, tariffs: versions, plan, installations, supplied });
    }
  }
  return { items, skipped };
}
