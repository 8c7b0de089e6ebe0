// The billing state: the accounts model, tariff versions, bill runs, bills and the billing audit
// log, behind one port with a SQLite and a PostgreSQL adapter that pass one conformance suite
// (src/testing/billing-conformance.ts). The store keeps documents as the billing code hands them over
// (a tariff version's validated JSON, a bill's JSON) and knows nothing of rating: packages/mdm parses
// what it reads back. docs/billing.md ("Accounts, runs and corrections") explains the model.
//
// Everything that relates two things is effective-dated: a half-open span [from, to) of instants (ms
// since the epoch), `to` null while it lasts. A meter exchange is two installations of one service
// point, the old meter's ending where the new one's begins.
import type { MeterId } from '@phasewire/core';

/** A half-open span [from, to) of instants; `to` null: open-ended. */
export interface Effective {
  readonly from: number;
  readonly to: number | null;
}

/** How often an account is billed: monthly, the period starting on `day` (1–28) of each month, local to the tariff. */
export interface BillingCycle {
  readonly kind: 'monthly';
  readonly day: number;
}

export interface AccountRecord {
  readonly id: string;
  readonly name: string;
  readonly cycle: BillingCycle;
}

export interface ServicePointRecord {
  readonly id: string;
  readonly name: string;
}

/** A meter installed at a service point for a span of time. */
export interface MeterInstallation extends Effective {
  readonly servicePoint: string;
  readonly meter: MeterId;
}

/** A service point supplied under an account for a span of time. */
export interface ServicePointLink extends Effective {
  readonly account: string;
  readonly servicePoint: string;
}

/** The tariff an account is billed on for a span of time; the version is resolved by date (tariff versions' effective days). */
export interface TariffAssignment extends Effective {
  readonly account: string;
  readonly tariffId: string;
}

/** One tariff version as uploaded: the validated document (JSON text) and the fields the store indexes. */
export interface TariffVersionRecord {
  readonly tariffId: string;
  readonly version: number;
  /** `YYYY-MM-DD`, local to the tariff's time zone. */
  readonly effectiveFrom: string;
  readonly effectiveTo: string | null;
  readonly document: string;
  readonly uploadedBy: string;
  readonly uploadedAt: number;
}

export type BillRunState = 'running' | 'finished';

/**
 * The one run record of a billing cycle. A run goes through the cycle's work items (one per account
 * and service point) in passes: the first pass bills, a later one (re-running the cycle) re-rates and
 * changes only what changed. `done` counts the items of the current pass already committed.
 */
export interface BillRunRecord {
  /** `YYYY-MM`. */
  readonly cycle: string;
  readonly pass: number;
  readonly state: BillRunState;
  readonly total: number;
  readonly done: number;
  readonly startedBy: string;
  readonly startedAt: number;
  readonly finishedAt: number | null;
  /** Counts of the pass: bills created, re-rated, held, corrections made, items unchanged. */
  readonly counts: BillRunCounts;
}

export interface BillRunCounts {
  readonly created: number;
  readonly held: number;
  readonly rerated: number;
  readonly corrected: number;
  readonly unchanged: number;
  readonly skipped: number;
}

/**
 * - `bill`: the bill of a period (first, or the rebill of a correction);
 * - `cancellation`: cancels an issued bill, every amount negated;
 * - `difference`: rebill minus the bill it replaces, line by line.
 */
export type BillKind = 'bill' | 'cancellation' | 'difference';

/** `draft`: rated, may still be re-rated; `held`: below the completeness limit, for review; `issued`: final, never changed. */
export type BillStatus = 'draft' | 'held' | 'issued';

export interface BillRecord {
  /** `<cycle>:<account>:<service point>:<n>`: n counts the documents of that period. */
  readonly id: string;
  readonly cycle: string;
  readonly account: string;
  readonly servicePoint: string;
  readonly kind: BillKind;
  readonly status: BillStatus;
  /** For a cancellation and a difference: the bill it cancels or corrects; for a rebill: the bill it replaces. */
  readonly replaces: string | null;
  /** Documents made by one correction share it (the rebill's id); null otherwise. */
  readonly correction: string | null;
  readonly currency: string;
  /** Total in minor units. */
  readonly totalMinor: number;
  /** What the bill was rated from (the billing code's text): a re-rate with the same fingerprint changes nothing. */
  readonly fingerprint: string;
  /** The bill document (JSON text): lines, determinants and the intervals' trace. */
  readonly document: string;
  readonly createdAt: number;
  readonly issuedAt: number | null;
  readonly issuedBy: string | null;
}

export interface AuditDraft {
  readonly actor: string;
  /** `tariff.upload`, `account.put`, `run.start`, `bill.create`, `bill.issue`, `bill.correct`, … */
  readonly action: string;
  /** What it was done to: a tariff id and version, an account, a cycle, a bill id. */
  readonly subject: string;
  /** Details as JSON text. */
  readonly detail: string;
}

export interface AuditRecord extends AuditDraft {
  readonly seq: number;
  /** Store clock. */
  readonly at: number;
}

/** One work item of a run: an account's service point in the cycle. */
export interface RunItemKey {
  readonly account: string;
  readonly servicePoint: string;
}

/**
 * Everything one step of billing changes, written in one transaction: bills inserted, draft or held
 * bills replaced (never an issued one), a run item marked done with the run's progress, and the
 * audit entries that say what happened.
 */
export interface BillingCommit {
  readonly insert: readonly BillRecord[];
  readonly replace: readonly BillRecord[];
  readonly item?: { readonly cycle: string; readonly pass: number; readonly key: RunItemKey; readonly outcome: keyof BillRunCounts };
  readonly audit: readonly AuditDraft[];
}

export interface BillQuery {
  readonly cycle?: string;
  readonly account?: string;
  readonly status?: BillStatus;
  readonly limit: number;
  /** Continue after this id (ids ascending). */
  readonly after?: string;
}

export interface AuditQuery {
  readonly subject?: string;
  readonly afterSeq?: number;
  readonly limit: number;
}

export interface BillingStore {
  putTariffVersion(version: TariffVersionRecord): Promise<void>;
  /** Versions of one tariff (or every tariff), by id then version. */
  tariffVersions(tariffId?: string): Promise<readonly TariffVersionRecord[]>;

  putAccount(account: AccountRecord, actor: string): Promise<void>;
  accounts(): Promise<readonly AccountRecord[]>;
  putServicePoint(servicePoint: ServicePointRecord, actor: string): Promise<void>;
  servicePoints(): Promise<readonly ServicePointRecord[]>;
  /** Refused when the meter is installed elsewhere, or the service point has another meter, at an overlapping time. */
  addInstallation(installation: MeterInstallation, actor: string): Promise<void>;
  /** Ends an open installation at `to` (a meter exchange ends the old meter's where the new one's begins). */
  endInstallation(servicePoint: string, meter: MeterId, to: number, actor: string): Promise<void>;
  installations(servicePoint?: string): Promise<readonly MeterInstallation[]>;
  /** Refused when the service point is linked to an account at an overlapping time. */
  addServicePointLink(link: ServicePointLink, actor: string): Promise<void>;
  servicePointLinks(account?: string): Promise<readonly ServicePointLink[]>;
  /** Refused when the account has a tariff at an overlapping time. */
  addTariffAssignment(assignment: TariffAssignment, actor: string): Promise<void>;
  tariffAssignments(account?: string): Promise<readonly TariffAssignment[]>;

  /**
   * Opens the run of a cycle: creates it (pass 1), resumes it when it is running (the pass and its
   * progress kept), or starts the next pass of a finished one. `total` is the number of work items.
   */
  openRun(cycle: string, total: number, actor: string): Promise<BillRunRecord>;
  run(cycle: string): Promise<BillRunRecord | undefined>;
  runs(): Promise<readonly BillRunRecord[]>;
  /** Work items of the run's current pass already committed. */
  runItemsDone(cycle: string, pass: number): Promise<readonly RunItemKey[]>;
  finishRun(cycle: string, pass: number, actor: string): Promise<BillRunRecord>;

  /** Writes one step of billing in one transaction (BillingCommit); refuses to replace an issued bill. */
  commitBilling(commit: BillingCommit): Promise<void>;
  /** Writes several steps in one transaction (a bill run commits a batch of items so: one fsync, not one per item). */
  commitBillingBatch(commits: readonly BillingCommit[]): Promise<void>;
  bills(query: BillQuery): Promise<readonly BillRecord[]>;
  bill(id: string): Promise<BillRecord | undefined>;
  /** Every document of one account's service point in one cycle, in id order. */
  periodBills(cycle: string, key: RunItemKey): Promise<readonly BillRecord[]>;
  /** Issues a draft or held bill (and the other documents of its correction); refused for an issued one. */
  issueBill(id: string, actor: string): Promise<BillRecord>;

  audit(query: AuditQuery): Promise<readonly AuditRecord[]>;
  close(): Promise<void>;
}

export const emptyRunCounts: BillRunCounts = { created: 0, held: 0, rerated: 0, corrected: 0, unchanged: 0, skipped: 0 };

/** Whether two effective spans share an instant. */
export const overlaps = (a: Effective, b: Effective): boolean =>
  a.from < (b.to ?? Infinity) && b.from < (a.to ?? Infinity);
