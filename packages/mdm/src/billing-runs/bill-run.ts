// A bill run: every work item of a billing cycle (work-items.ts), in batches of service points whose
// meters' intervals are read in one pass (MeterStore.intervalTable), rated by the billing engine, and
// committed item by item, each item's documents, its progress mark and its audit entries in one
// transaction. So a run killed anywhere resumes where it stopped (items already committed in the
// pass are skipped), and running a cycle again creates nothing when nothing changed: a re-rated
// bill with the fingerprint of the one in force is left alone; a draft or held bill that changed is
// replaced; an issued bill that changed gets a correction (bill-documents.ts). docs/billing.md.
import { PhasewireError, Q, ValidationError, type Clock, type ObisCode } from '@phasewire/core';
import type { AuditDraft, BillRecord, BillRunCounts, BillRunRecord, BillingCommit, BillingStore, IntervalTable, MeterStore,
  RunItemKey } from '@phasewire/store';
import { determinantsOf, type SlotData } from '../billing/determinants.ts';
import { defaultCompletenessLimit, rateDeterminants } from '../billing/rate-bill.ts';
import { billRecord, correction, currentBill, statusOf, type BillDocument, type PeriodKey } from './bill-documents.ts';
import { servicePointSlots } from './service-point-slots.ts';
import { checkCycle, workItems, type AccountsModel, type WorkItem } from './work-items.ts';

/** The registers a bill reads, in the order servicePointSlots expects. */
export const billedQuantities: readonly ObisCode[] =
  [Q.activeEnergyImport, Q.activeEnergyExport, Q.reactiveEnergyImport, Q.reactiveEnergyExport];

export interface BillRunOptions {
  /** Who started the run (audit). */
  readonly actor: string;
  /** A bill whose completeness is below this share is held for review (default 0.98). */
  readonly completenessLimit?: number;
  /** Service points whose intervals are read in one query (default 500). */
  readonly batchSize?: number;
  /** Called after each committed item with the run's progress (an API's progress feed, a test's kill switch). */
  readonly onProgress?: (done: number, total: number) => void;
  /** Called once the run is opened (created, resumed or started again), before any item. */
  readonly onOpened?: (run: BillRunRecord) => void;
}

export interface BillRunDeps {
  readonly billing: BillingStore;
  readonly meters: Pick<MeterStore, 'intervalTable'>;
  readonly clock: Clock;
}

export async function loadAccountsModel(billing: BillingStore): Promise<AccountsModel> {
  const [accounts, links, installations, assignments, tariffVersions] = await Promise.all([billing.accounts(), billing.servicePointLinks(),
    billing.installations(), billing.tariffAssignments(), billing.tariffVersions()]);
  return { accounts, links, installations, assignments, tariffVersions };
}

const keyOf = (item: RunItemKey): string => `${item.account}\u0000${item.servicePoint}`;

/** Reads the intervals of a batch's meters over the union of its periods (`reuse`: the previous batch's table, done with). */
async function batchTable(meters: Pick<MeterStore, 'intervalTable'>, batch: readonly WorkItem[], reuse?: IntervalTable):
  Promise<IntervalTable> {
  const names = [...new Set(batch.flatMap((item) => item.installations.map((i) => i.meter)))].sort();
  const from = Math.min(...batch.map((item) => item.plan.from));
  const to = Math.max(...batch.map((item) => item.plan.to));
  return meters.intervalTable({ range: { from, to }, quantities: billedQuantities, meters: names,
    ...(reuse === undefined ? {} : { reuse }) });
}

/** Row of each meter in a table, made once per table (once per item was quadratic in the batch size). */
const rowsOfTable = new WeakMap<IntervalTable, ReadonlyMap<string, number>>();

function meterRows(table: IntervalTable): ReadonlyMap<string, number> {
  let rows = rowsOfTable.get(table);
  if (rows === undefined) {
    rows = new Map(table.meters.map((m, row) => [m as string, row]));
    rowsOfTable.set(table, rows);
  }
  return rows;
}

/** Slot buffers handed from one rated item to the next (rating is synchronous: nothing keeps them). */
const slotScratch: { data?: SlotData } = {};

/** Rates one item from its batch's table. */
export function rateItem(item: WorkItem, table: IntervalTable, completenessLimit: number): BillDocument {
  const data = servicePointSlots(item.plan, table, meterRows(table), item.installations, item.supplied, slotScratch.data);
  slotScratch.data = data;
  const bill = rateDeterminants(item.tariffs, determinantsOf(item.plan, data), { completenessLimit });
  return { account: item.account, servicePoint: item.servicePoint, meters: item.installations, bill };
}

/**
 * What one item's new rating changes among the documents of its period: the commit to make and the
 * outcome to count. Creates nothing when the rating equals the bill in force.
 */
export function decide(key: PeriodKey, documents: readonly BillRecord[], doc: BillDocument, now: number, actor: string):
  { commit: Pick<BillingCommit, 'insert' | 'replace' | 'audit'>; outcome: keyof BillRunCounts } {
  const current = currentBill(documents);
  const next = documents.length + 1;
  const status = statusOf(doc.bill);
  const fresh = billRecord(key, next, doc, status, now, actor);
  const audit = (action: string, records: readonly BillRecord[]) => records.map((r) => ({ actor, action, subject: `bill:${r.id}`,
    detail: JSON.stringify({ kind: r.kind, status: r.status, totalMinor: r.totalMinor, currency: r.currency, replaces: r.replaces,
      hold: doc.bill.hold?.message ?? null }) }));
  if (current === undefined) {
    return { commit: { insert: [fresh], replace: [], audit: audit('bill.create', [fresh]) },
      outcome: status === 'held' ? 'held' : 'created' };
  }
  if (current.fingerprint === fresh.fingerprint) return { commit: { insert: [], replace: [], audit: [] }, outcome: 'unchanged' };
  if (current.status !== 'issued') {
    const replaced: BillRecord = { ...fresh, id: current.id, replaces: current.replaces, correction: current.correction };
    return { commit: { insert: [], replace: [replaced], audit: audit('bill.rerate', [replaced]) }, outcome: 'rerated' };
  }
  const documentsOfCorrection = correction(key, next, current, doc, now, actor);
  return { commit: { insert: documentsOfCorrection, replace: [], audit: audit('bill.correct', documentsOfCorrection) },
    outcome: 'corrected' };
}

/** Codes of an error rating one item throws on its own data or tariff (not the store's, not a bug): the item is skipped. */
const unratableCodes: ReadonlySet<string> = new Set(['PW_ERR_BILLING_INPUT', 'PW_ERR_INVALID_ARGUMENT', 'PW_ERR_TARIFF_NOT_EFFECTIVE']);
const unratable = (error: unknown): error is PhasewireError => error instanceof PhasewireError && unratableCodes.has(error.code);

/** The audit entry of an item a run skips, with the reason. */
function skipEntry(cycle: string, key: RunItemKey, reason: string, actor: string): AuditDraft {
  return { actor, action: 'bill.skip', subject: `run:${cycle}`,
    detail: JSON.stringify({ account: key.account, servicePoint: key.servicePoint, reason }) };
}

/** Runs (or resumes, or runs again) the bill run of `cycle`; resolves with the finished run. */
export async function runBillingCycle(deps: BillRunDeps, cycle: string, options: BillRunOptions): Promise<BillRunRecord> {
  checkCycle(cycle);
  const { billing } = deps;
  const limit = options.completenessLimit ?? defaultCompletenessLimit;
  const { items, skipped } = workItems(await loadAccountsModel(billing), cycle);
  const run = await billing.openRun(cycle, items.length + skipped.length, options.actor);
  options.onOpened?.(run);
  const done = new Set((await billing.runItemsDone(cycle, run.pass)).map(keyOf));
  let progress = done.size;
  const total = items.length + skipped.length;
  for (const s of skipped) {
    if (done.has(keyOf(s))) continue;
    await billing.commitBilling({ insert: [], replace: [], item: { cycle, pass: run.pass, key: s, outcome: 'skipped' },
      audit: [skipEntry(cycle, s, s.reason, options.actor)] });
    options.onProgress?.(++progress, total);
  }
  const pending = items.filter((item) => !done.has(keyOf(item)));
  // The cycle's documents, read once: only this run writes the items it has not done yet.
  const documents = new Map<string, BillRecord[]>();
  if (pending.length > 0) {
    for (const bill of await billing.bills({ cycle, limit: Number.MAX_SAFE_INTEGER })) {
      const key = keyOf(bill);
      documents.set(key, [...(documents.get(key) ?? []), bill]);
    }
  }
  const batchSize = options.batchSize ?? 500;
  let table: IntervalTable | undefined;
  for (let start = 0; start < pending.length; start += batchSize) {
    const batch = pending.slice(start, start + batchSize);
    const batchData: IntervalTable = await batchTable(deps.meters, batch, table);
    table = batchData;
    const now = deps.clock.now();
    // A batch is one transaction: a kill loses at most the batch, which the resumed run does again.
    const commits = batch.map((item): BillingCommit => {
      const key = { cycle, account: item.account, servicePoint: item.servicePoint };
      let doc: BillDocument;
      try {
        doc = rateItem(item, batchData, limit);
      } catch (error) {
        // Data or a tariff this one item cannot be rated on (an amount beyond a safe integer of minor units) skips the item
        // with its reason; it stopped the whole run, every account after it unbilled.
        if (!unratable(error)) throw error;
        return { insert: [], replace: [], item: { cycle, pass: run.pass, key: item, outcome: 'skipped' },
          audit: [skipEntry(cycle, item, error.message, options.actor)] };
      }
      const { commit, outcome } = decide(key, documents.get(keyOf(item)) ?? [], doc, now, options.actor);
      return { ...commit, item: { cycle, pass: run.pass, key: item, outcome } };
    });
    await billing.commitBillingBatch(commits);
    for (let k = 0; k < batch.length; k++) options.onProgress?.(++progress, total);
  }
  return billing.finishRun(cycle, run.pass, options.actor);
}

/**
 * Rates one account's service point in a cycle again outside a run (late data, an edit after
 * issue): nothing when the rating is unchanged, a replacement of a bill not yet issued, or a
 * correction of an issued one. Resolves with the outcome and the documents written.
 */
export async function rebillPeriod(deps: BillRunDeps, cycle: string, key: RunItemKey, options: BillRunOptions):
  Promise<{ outcome: keyof BillRunCounts; documents: readonly BillRecord[] }> {
  checkCycle(cycle);
  const { items } = workItems(await loadAccountsModel(deps.billing), cycle);
  const item = items.find((i) => i.account === key.account && i.servicePoint === key.servicePoint);
  if (item === undefined)
    throw new ValidationError('PW_ERR_BILLING_NOT_FOUND', `Cannot rebill ${key.account}/${key.servicePoint} in ${cycle}: the service `
      + 'point is not billed under that account in the cycle (no link, or no tariff in effect)');
  const doc = rateItem(item, await batchTable(deps.meters, [item]), options.completenessLimit ?? defaultCompletenessLimit);
  const { commit, outcome } = decide({ cycle, ...key }, await deps.billing.periodBills(cycle, key), doc, deps.clock.now(), options.actor);
  if (commit.insert.length + commit.replace.length > 0) await deps.billing.commitBilling(commit);
  return { outcome, documents: [...commit.insert, ...commit.replace] };
}
