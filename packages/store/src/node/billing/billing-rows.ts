// What the SQLite and PostgreSQL billing stores share: the checks a write must pass before it is
// made (so both refuse the same things with the same codes) and the mapping of rows to records.
import { ValidationError, type MeterId } from '@phasewire/core';
import {
  emptyRunCounts, overlaps, type AccountRecord, type BillRecord, type BillRunCounts, type BillRunRecord, type BillRunState,
  type BillingCycle, type Effective, type MeterInstallation, type ServicePointLink, type TariffAssignment, type TariffVersionRecord,
} from '../../billing-state.ts';

export const cyclePattern = /^\d{4}-(0[1-9]|1[0-2])$/;

export function checkCycle(cycle: string): void {
  if (!cyclePattern.test(cycle)) throw new ValidationError('PW_ERR_BILLING_REQUEST', `Cannot use billing cycle ${JSON.stringify(cycle)}: `
    + 'expected YYYY-MM');
}

/** Account, service point and tariff ids: no colon, so that a bill id (`cycle:account:service point:n`) splits back. */
export const billingIdPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function checkId(id: string, what: string): void {
  if (!billingIdPattern.test(id)) throw new ValidationError('PW_ERR_BILLING_REQUEST', `Cannot store ${what} ${JSON.stringify(id)}: `
    + 'expected 1 to 64 letters, digits, dots, dashes or underscores, starting with a letter or digit');
}

export function checkSpan(span: Effective, what: string): void {
  if (!Number.isSafeInteger(span.from) || (span.to !== null && (!Number.isSafeInteger(span.to) || span.to <= span.from)))
    throw new ValidationError('PW_ERR_BILLING_REQUEST', `Cannot store ${what}: its span [${span.from}, ${span.to ?? 'open'}) `
      + 'is not whole milliseconds ending after it starts');
}

export function checkCycleDay(cycle: BillingCycle): void {
  if (!Number.isInteger(cycle.day) || cycle.day < 1 || cycle.day > 28)
    throw new ValidationError('PW_ERR_BILLING_REQUEST', `Cannot use billing cycle ${JSON.stringify(cycle)}: expected monthly with a day `
      + 'of 1 to 28');
}

/** Refuses `span` when it overlaps one of `existing` (each described for the message). */
export function refuseOverlap(span: Effective, existing: readonly Effective[], what: string, describe: (e: Effective) => string): void {
  const clash = existing.find((e) => overlaps(e, span));
  if (clash !== undefined)
    throw new ValidationError('PW_ERR_BILLING_OVERLAP', `Cannot store ${what} from ${new Date(span.from).toISOString()}: it overlaps `
      + describe(clash));
}

const spanText = (e: Effective): string =>
  `[${new Date(e.from).toISOString()}, ${e.to === null ? 'open' : new Date(e.to).toISOString()})`;

export function checkInstallation(i: MeterInstallation, bySp: readonly MeterInstallation[], byMeter: readonly MeterInstallation[]): void {
  checkSpan(i, `the installation of meter ${i.meter}`);
  refuseOverlap(i, bySp, `meter ${i.meter} at service point ${i.servicePoint}`,
    (e) => `meter ${(e as MeterInstallation).meter} there ${spanText(e)}`);
  refuseOverlap(i, byMeter, `meter ${i.meter} at service point ${i.servicePoint}`,
    (e) => `its installation at service point ${(e as MeterInstallation).servicePoint} ${spanText(e)}`);
}

export function checkLink(link: ServicePointLink, existing: readonly ServicePointLink[]): void {
  checkSpan(link, `the link of service point ${link.servicePoint}`);
  refuseOverlap(link, existing, `service point ${link.servicePoint} under account ${link.account}`,
    (e) => `its link to account ${(e as ServicePointLink).account} ${spanText(e)}`);
}

export function checkAssignment(a: TariffAssignment, existing: readonly TariffAssignment[]): void {
  checkSpan(a, `the tariff assignment of account ${a.account}`);
  refuseOverlap(a, existing, `tariff ${a.tariffId} for account ${a.account}`,
    (e) => `tariff ${(e as TariffAssignment).tariffId} ${spanText(e)}`);
}

/** A tariff version may be stored again only with the same document (an upload retried). */
export function checkTariffVersion(v: TariffVersionRecord, stored: TariffVersionRecord | undefined): boolean {
  if (!Number.isSafeInteger(v.version) || v.version < 1)
    throw new ValidationError('PW_ERR_BILLING_REQUEST', `Cannot store tariff ${v.tariffId} version ${v.version}: `
      + 'expected a whole number from 1');
  if (stored === undefined) return true;
  if (stored.document === v.document) return false;
  throw new ValidationError('PW_ERR_BILLING_REQUEST', `Cannot store tariff ${v.tariffId} version ${v.version}: that version is already `
    + 'stored with another document; upload a new version instead');
}

/** Refuses to replace an issued bill (BillingCommit.replace) or to insert over a stored one with another document. */
export function refuseIssuedChange(bill: BillRecord, stored: BillRecord | undefined, kind: 'replace' | 'insert'): boolean {
  if (kind === 'insert') {
    if (stored === undefined) return true;
    if (stored.document === bill.document && stored.status === bill.status) return false;
    throw new ValidationError('PW_ERR_BILLING_IMMUTABLE', `Cannot insert bill ${bill.id}: a bill with that id is already stored`);
  }
  if (stored === undefined) throw new ValidationError('PW_ERR_BILLING_NOT_FOUND', `Cannot replace bill ${bill.id}: it is not stored`);
  if (stored.status === 'issued')
    throw new ValidationError('PW_ERR_BILLING_IMMUTABLE', `Cannot change bill ${bill.id}: it was issued `
      + `${new Date(stored.issuedAt ?? 0).toISOString()} by ${stored.issuedBy ?? '?'}; a change after issue is a correction`);
  return true;
}

/** The run record after openRun: new, resumed, or the next pass of a finished run. */
export function openedRun(stored: BillRunRecord | undefined, cycle: string, total: number, actor: string, now: number): BillRunRecord {
  if (stored?.state === 'running') return stored;
  return { cycle, pass: (stored?.pass ?? 0) + 1, state: 'running', total, done: 0, startedBy: actor, startedAt: now, finishedAt: null,
    counts: emptyRunCounts };
}

export interface RunRow {
  readonly cycle: string;
  readonly pass: number;
  readonly state: string;
  readonly total: number;
  readonly started_by: string;
  readonly started_at: number;
  readonly finished_at: number | null;
}

/** A run row with its pass's item outcomes counted. */
export function runOfRow(row: RunRow, outcomes: readonly { outcome: string; n: number }[]): BillRunRecord {
  const counts: Record<keyof BillRunCounts, number> = { ...emptyRunCounts };
  let done = 0;
  for (const o of outcomes) {
    if (o.outcome in counts) counts[o.outcome as keyof BillRunCounts] += o.n;
    done += o.n;
  }
  return { cycle: row.cycle, pass: row.pass, state: row.state as BillRunState, total: row.total, done,
    startedBy: row.started_by, startedAt: row.started_at, finishedAt: row.finished_at === null ? null : row.finished_at,
    counts };
}

export const billColumns = 'id, cycle, account, service_point, kind, status, replaces, correction, currency, total_minor, fingerprint, '
  + 'document, created_at, issued_at, issued_by';

export interface BillRow {
  readonly id: string; readonly cycle: string; readonly account: string; readonly service_point: string; readonly kind: string;
  readonly status: string; readonly replaces: string | null; readonly correction: string | null; readonly currency: string;
  readonly total_minor: number; readonly fingerprint: string; readonly document: string; readonly created_at: number;
  readonly issued_at: number | null; readonly issued_by: string | null;
}

export const billValues = (b: BillRecord): (string | number | null)[] =>
  [b.id, b.cycle, b.account, b.servicePoint, b.kind, b.status, b.replaces, b.correction, b.currency, b.totalMinor, b.fingerprint,
    b.document, b.createdAt, b.issuedAt, b.issuedBy];

export const billOfRow = (r: BillRow): BillRecord => ({
  id: r.id, cycle: r.cycle, account: r.account, servicePoint: r.service_point, kind: r.kind as BillRecord['kind'],
  status: r.status as BillRecord['status'], replaces: r.replaces, correction: r.correction, currency: r.currency,
  totalMinor: r.total_minor, fingerprint: r.fingerprint, document: r.document, createdAt: r.created_at,
  issuedAt: r.issued_at === null ? null : r.issued_at, issuedBy: r.issued_by,
});

export const accountOfRow = (r: { id: string; name: string; cycle: string }): AccountRecord =>
  ({ id: r.id, name: r.name, cycle: JSON.parse(r.cycle) as BillingCycle });

export const spanOf = (r: { from_at: number; to_at: number | null }): Effective =>
  ({ from: r.from_at, to: r.to_at === null ? null : r.to_at });

export const installationOfRow = (r: { service_point: string; meter: string; from_at: number; to_at: number | null }): MeterInstallation =>
  ({ servicePoint: r.service_point, meter: r.meter as MeterId, ...spanOf(r) });

export const tariffVersionOfRow = (r: { tariff_id: string; version: number; effective_from: string; effective_to: string | null;
  document: string; uploaded_by: string; uploaded_at: number }): TariffVersionRecord =>
  ({ tariffId: r.tariff_id, version: r.version, effectiveFrom: r.effective_from, effectiveTo: r.effective_to,
    document: r.document, uploadedBy: r.uploaded_by, uploadedAt: r.uploaded_at });

export const notFound = (what: string): ValidationError => new ValidationError('PW_ERR_BILLING_NOT_FOUND', `Cannot find ${what}`);
