// The billing store over any SQL connection that runs the statements of billing-schema.ts: the SQLite
// and PostgreSQL adapters differ only in how they connect, run a statement and hold a transaction
// (sqlite-billing-store.ts, postgres-billing-store.ts), so every rule is written once, here. Writes
// that check before they change (overlaps, an issued bill) run in one transaction that the adapter
// makes exclusive (SQLite BEGIN IMMEDIATE, a PostgreSQL advisory lock), so two writers cannot both
// pass a check.
import { PhasewireError, StoreError, type Clock, type MeterId } from '@phasewire/core';
import type {
  AccountRecord, AuditDraft, AuditQuery, AuditRecord, BillQuery, BillRecord, BillRunRecord, BillingCommit, BillingStore,
  MeterInstallation, RunItemKey, ServicePointLink, ServicePointRecord, TariffAssignment, TariffVersionRecord,
} from '../../billing-state.ts';
import {
  accountOfRow, billColumns, billOfRow, billValues, checkAssignment, checkCycle, checkCycleDay, checkId, checkInstallation, checkLink,
  checkTariffVersion, installationOfRow, notFound, openedRun, refuseIssuedChange, runOfRow, spanOf, tariffVersionOfRow, type BillRow,
  type RunRow,
} from './billing-rows.ts';

export type SqlValue = string | number | null;

/** One connection inside a transaction, or the store's connection outside one. `?` marks a parameter. */
export interface SqlRunner {
  all<R>(sql: string, params?: readonly SqlValue[]): Promise<R[]>;
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
}

export interface SqlConnection extends SqlRunner {
  readonly kind: 'SQLite' | 'PostgreSQL';
  /** Runs `work` in one exclusive write transaction. */
  transaction<T>(work: (tx: SqlRunner) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

type Row = Record<string, SqlValue>;

export class SqlBillingStore implements BillingStore {
  readonly #sql: SqlConnection;
  readonly #clock: Clock;
  #closed = false;

  constructor(sql: SqlConnection, clock: Clock) {
    this.#sql = sql;
    this.#clock = clock;
  }

  async #do<T>(what: string, work: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new StoreError('PW_ERR_STORE_CLOSED', `Cannot use the ${this.#sql.kind} billing store: it was closed`);
    try {
      return await work();
    } catch (error) {
      if (error instanceof PhasewireError) throw error;
      throw new StoreError('PW_ERR_STORE_WRITE', `${what} in the ${this.#sql.kind} billing store failed: ${(error as Error).message}`,
        { cause: error });
    }
  }

  #write<T>(what: string, work: (tx: SqlRunner, now: number) => Promise<T>): Promise<T> {
    return this.#do(what, () => this.#sql.transaction((tx) => work(tx, this.#clock.now())));
  }

  #read<T>(what: string, work: (sql: SqlRunner) => Promise<T>): Promise<T> {
    return this.#do(what, () => work(this.#sql));
  }

  static async audit(tx: SqlRunner, now: number, entries: readonly AuditDraft[]): Promise<void> {
    for (const e of entries)
      await tx.run('INSERT INTO billing_audit (at, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)',
        [now, e.actor, e.action, e.subject, e.detail]);
  }

  putTariffVersion(v: TariffVersionRecord): Promise<void> {
    return this.#write(`Storing tariff ${v.tariffId} version ${v.version}`, async (tx, now) => {
      const stored = (await tx.all<Parameters<typeof tariffVersionOfRow>[0]>('SELECT * FROM tariff_version WHERE tariff_id = ? AND '
        + 'version = ?', [v.tariffId, v.version])).map(tariffVersionOfRow)[0];
      if (!checkTariffVersion(v, stored)) return;
      await tx.run('INSERT INTO tariff_version (tariff_id, version, effective_from, effective_to, document, uploaded_by, uploaded_at) '
        + 'VALUES (?, ?, ?, ?, ?, ?, ?)', [v.tariffId, v.version, v.effectiveFrom, v.effectiveTo, v.document, v.uploadedBy, v.uploadedAt]);
      await SqlBillingStore.audit(tx, now, [{ actor: v.uploadedBy, action: 'tariff.upload', subject: `tariff:${v.tariffId}`,
        detail: JSON.stringify({ version: v.version, effectiveFrom: v.effectiveFrom, effectiveTo: v.effectiveTo }) }]);
    });
  }

  tariffVersions(tariffId?: string): Promise<readonly TariffVersionRecord[]> {
    return this.#read('Listing tariff versions', async (sql) => (tariffId === undefined
      ? await sql.all<Parameters<typeof tariffVersionOfRow>[0]>('SELECT * FROM tariff_version ORDER BY tariff_id, version')
      : await sql.all<Parameters<typeof tariffVersionOfRow>[0]>('SELECT * FROM tariff_version WHERE tariff_id = ? ORDER BY version',
        [tariffId])).map(tariffVersionOfRow));
  }

  putAccount(account: AccountRecord, actor: string): Promise<void> {
    return this.#write(`Storing account ${account.id}`, async (tx, now) => {
      checkId(account.id, 'account');
      checkCycleDay(account.cycle);
      await tx.run('INSERT INTO account (id, name, cycle) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name, '
        + 'cycle = excluded.cycle', [account.id, account.name, JSON.stringify(account.cycle)]);
      await SqlBillingStore.audit(tx, now, [{ actor, action: 'account.put', subject: `account:${account.id}`,
        detail: JSON.stringify(account) }]);
    });
  }

  accounts(): Promise<readonly AccountRecord[]> {
    return this.#read('Listing accounts', async (sql) =>
      (await sql.all<{ id: string; name: string; cycle: string }>('SELECT id, name, cycle FROM account ORDER BY id')).map(accountOfRow));
  }

  putServicePoint(sp: ServicePointRecord, actor: string): Promise<void> {
    return this.#write(`Storing service point ${sp.id}`, async (tx, now) => {
      checkId(sp.id, 'service point');
      await tx.run('INSERT INTO service_point (id, name) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name',
        [sp.id, sp.name]);
      await SqlBillingStore.audit(tx, now, [{ actor, action: 'service-point.put', subject: `service-point:${sp.id}`,
        detail: JSON.stringify(sp) }]);
    });
  }

  servicePoints(): Promise<readonly ServicePointRecord[]> {
    return this.#read('Listing service points', async (sql) =>
      (await sql.all<ServicePointRecord>('SELECT id, name FROM service_point ORDER BY id')).map((r) => ({ id: r.id, name: r.name })));
  }

  static async #exists(tx: SqlRunner, table: 'account' | 'service_point', id: string, what: string): Promise<void> {
    if ((await tx.all(`SELECT 1 FROM ${table} WHERE id = ?`, [id])).length === 0) throw notFound(`${what} ${id}`);
  }

  static async #installations(sql: SqlRunner, where: string, params: readonly SqlValue[]): Promise<MeterInstallation[]> {
    return (await sql.all<{ service_point: string; meter: string; from_at: number; to_at: number | null }>(
      `SELECT service_point, meter, from_at, to_at FROM installation ${where} ORDER BY service_point, from_at`, params))
      .map(installationOfRow);
  }

  addInstallation(i: MeterInstallation, actor: string): Promise<void> {
    return this.#write(`Installing meter ${i.meter} at service point ${i.servicePoint}`, async (tx, now) => {
      await SqlBillingStore.#exists(tx, 'service_point', i.servicePoint, 'service point');
      checkInstallation(i, await SqlBillingStore.#installations(tx, 'WHERE service_point = ?', [i.servicePoint]),
        await SqlBillingStore.#installations(tx, 'WHERE meter = ?', [i.meter]));
      await tx.run('INSERT INTO installation (service_point, meter, from_at, to_at) VALUES (?, ?, ?, ?)', [i.servicePoint, i.meter, i.from,
        i.to]);
      await SqlBillingStore.audit(tx, now, [{ actor, action: 'installation.add', subject: `service-point:${i.servicePoint}`,
        detail: JSON.stringify(i) }]);
    });
  }

  endInstallation(servicePoint: string, meter: MeterId, to: number, actor: string): Promise<void> {
    return this.#write(`Ending the installation of meter ${meter}`, async (tx, now) => {
      const open = (await SqlBillingStore.#installations(tx, 'WHERE service_point = ? AND meter = ? AND to_at IS NULL',
        [servicePoint, meter]))[0];
      if (open === undefined) throw notFound(`an open installation of meter ${meter} at service point ${servicePoint}`);
      checkInstallation({ ...open, to }, [], []);
      await tx.run('UPDATE installation SET to_at = ? WHERE service_point = ? AND from_at = ?', [to, servicePoint, open.from]);
      await SqlBillingStore.audit(tx, now, [{ actor, action: 'installation.end', subject: `service-point:${servicePoint}`,
        detail: JSON.stringify({ meter, from: open.from, to }) }]);
    });
  }

  installations(servicePoint?: string): Promise<readonly MeterInstallation[]> {
    return this.#read('Listing installations', (sql) => (servicePoint === undefined ? SqlBillingStore.#installations(sql, '', [])
      : SqlBillingStore.#installations(sql, 'WHERE service_point = ?', [servicePoint])));
  }

  static async #links(sql: SqlRunner, where: string, params: readonly SqlValue[]): Promise<ServicePointLink[]> {
    return (await sql.all<{ account: string; service_point: string; from_at: number; to_at: number | null }>(
      `SELECT account, service_point, from_at, to_at FROM service_point_link ${where} ORDER BY account, service_point, from_at`, params))
      .map((r) => ({ account: r.account, servicePoint: r.service_point, ...spanOf(r) }));
  }

  addServicePointLink(link: ServicePointLink, actor: string): Promise<void> {
    return this.#write(`Linking service point ${link.servicePoint} to account ${link.account}`, async (tx, now) => {
      await SqlBillingStore.#exists(tx, 'account', link.account, 'account');
      await SqlBillingStore.#exists(tx, 'service_point', link.servicePoint, 'service point');
      checkLink(link, await SqlBillingStore.#links(tx, 'WHERE service_point = ?', [link.servicePoint]));
      await tx.run('INSERT INTO service_point_link (account, service_point, from_at, to_at) VALUES (?, ?, ?, ?)',
        [link.account, link.servicePoint, link.from, link.to]);
      await SqlBillingStore.audit(tx, now, [{ actor, action: 'service-point.link', subject: `account:${link.account}`,
        detail: JSON.stringify(link) }]);
    });
  }

  servicePointLinks(account?: string): Promise<readonly ServicePointLink[]> {
    return this.#read('Listing service point links', (sql) => (account === undefined ? SqlBillingStore.#links(sql, '', [])
      : SqlBillingStore.#links(sql, 'WHERE account = ?', [account])));
  }

  static async #assignments(sql: SqlRunner, account: string | undefined): Promise<TariffAssignment[]> {
    return (await sql.all<{ account: string; tariff_id: string; from_at: number; to_at: number | null }>(
      `SELECT account, tariff_id, from_at, to_at FROM tariff_assignment ${account === undefined ? '' : 'WHERE account = ?'} `
        + 'ORDER BY account, from_at', account === undefined ? [] : [account]))
      .map((r) => ({ account: r.account, tariffId: r.tariff_id, ...spanOf(r) }));
  }

  addTariffAssignment(a: TariffAssignment, actor: string): Promise<void> {
    return this.#write(`Assigning tariff ${a.tariffId} to account ${a.account}`, async (tx, now) => {
      await SqlBillingStore.#exists(tx, 'account', a.account, 'account');
      const versions = await tx.all('SELECT 1 FROM tariff_version WHERE tariff_id = ?', [a.tariffId]);
      if (versions.length === 0) throw notFound(`tariff ${a.tariffId}`);
      checkAssignment(a, await SqlBillingStore.#assignments(tx, a.account));
      await tx.run('INSERT INTO tariff_assignment (account, tariff_id, from_at, to_at) VALUES (?, ?, ?, ?)', [a.account, a.tariffId, a.from,
        a.to]);
      await SqlBillingStore.audit(tx, now, [{ actor, action: 'tariff.assign', subject: `account:${a.account}`,
        detail: JSON.stringify(a) }]);
    });
  }

  tariffAssignments(account?: string): Promise<readonly TariffAssignment[]> {
    return this.#read('Listing tariff assignments', (sql) => SqlBillingStore.#assignments(sql, account));
  }

  static async #run(sql: SqlRunner, cycle: string): Promise<BillRunRecord | undefined> {
    const row = (await sql.all<RunRow>('SELECT cycle, pass, state, total, started_by, started_at, finished_at FROM bill_run '
      + 'WHERE cycle = ?',
      [cycle]))[0];
    if (row === undefined) return undefined;
    const outcomes = await sql.all<{ outcome: string; n: number }>('SELECT outcome, count(*) AS n FROM bill_run_item WHERE cycle = ? AND '
      + 'pass = ? GROUP BY outcome', [cycle, row.pass]);
    return runOfRow(row, outcomes);
  }

  openRun(cycle: string, total: number, actor: string): Promise<BillRunRecord> {
    return this.#write(`Opening the bill run of ${cycle}`, async (tx, now) => {
      checkCycle(cycle);
      const stored = await SqlBillingStore.#run(tx, cycle);
      const run = openedRun(stored, cycle, total, actor, now);
      if (run === stored) {
        await tx.run('UPDATE bill_run SET total = ? WHERE cycle = ?', [total, cycle]);
        await SqlBillingStore.audit(tx, now, [{ actor, action: 'run.resume', subject: `run:${cycle}`,
          detail: JSON.stringify({ pass: run.pass, done: run.done, total }) }]);
        return { ...run, total };
      }
      await tx.run('INSERT INTO bill_run (cycle, pass, state, total, started_by, started_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, NULL) '
        + 'ON CONFLICT (cycle) DO UPDATE SET pass = excluded.pass, state = excluded.state, total = excluded.total, started_by = '
        + 'excluded.started_by, started_at = excluded.started_at, finished_at = NULL', [cycle, run.pass, run.state, total, actor, now]);
      await SqlBillingStore.audit(tx, now, [{ actor, action: 'run.start', subject: `run:${cycle}`,
        detail: JSON.stringify({ pass: run.pass, total }) }]);
      return run;
    });
  }

  run(cycle: string): Promise<BillRunRecord | undefined> {
    return this.#read(`Reading the bill run of ${cycle}`, (sql) => SqlBillingStore.#run(sql, cycle));
  }

  runs(): Promise<readonly BillRunRecord[]> {
    return this.#read('Listing bill runs', async (sql) => {
      const cycles = await sql.all<{ cycle: string }>('SELECT cycle FROM bill_run ORDER BY cycle DESC');
      const runs: BillRunRecord[] = [];
      for (const { cycle } of cycles) {
        const run = await SqlBillingStore.#run(sql, cycle);
        if (run !== undefined) runs.push(run);
      }
      return runs;
    });
  }

  runItemsDone(cycle: string, pass: number): Promise<readonly RunItemKey[]> {
    return this.#read(`Reading the progress of the bill run of ${cycle}`, async (sql) =>
      (await sql.all<{ account: string; service_point: string }>('SELECT account, service_point FROM bill_run_item WHERE cycle = ? AND '
        + 'pass = ? ORDER BY account, service_point', [cycle, pass])).map((r) => ({ account: r.account, servicePoint: r.service_point })));
  }

  finishRun(cycle: string, pass: number, actor: string): Promise<BillRunRecord> {
    return this.#write(`Finishing the bill run of ${cycle}`, async (tx, now) => {
      const run = await SqlBillingStore.#run(tx, cycle);
      if (run?.pass !== pass) throw notFound(`pass ${pass} of the bill run of ${cycle}`);
      if (run.state === 'finished') return run;
      await tx.run("UPDATE bill_run SET state = 'finished', finished_at = ? WHERE cycle = ?", [now, cycle]);
      await SqlBillingStore.audit(tx, now, [{ actor, action: 'run.finish', subject: `run:${cycle}`,
        detail: JSON.stringify({ pass, total: run.total, done: run.done, counts: run.counts }) }]);
      return { ...run, state: 'finished', finishedAt: now };
    });
  }

  static async #bill(sql: SqlRunner, id: string): Promise<BillRecord | undefined> {
    const row = (await sql.all<BillRow>(`SELECT ${billColumns} FROM bill WHERE id = ?`, [id]))[0];
    return row === undefined ? undefined : billOfRow(row);
  }

  static async #apply(tx: SqlRunner, now: number, commit: BillingCommit): Promise<void> {
    const placeholders = billColumns.split(',').map(() => '?').join(', ');
    for (const bill of commit.insert) {
      if (refuseIssuedChange(bill, await SqlBillingStore.#bill(tx, bill.id), 'insert'))
        await tx.run(`INSERT INTO bill (${billColumns}) VALUES (${placeholders})`, billValues(bill));
    }
    for (const bill of commit.replace) {
      refuseIssuedChange(bill, await SqlBillingStore.#bill(tx, bill.id), 'replace');
      await tx.run(`UPDATE bill SET ${billColumns.split(', ').slice(1).map((c) => `${c} = ?`).join(', ')} WHERE id = ?`,
        [...billValues(bill).slice(1), bill.id]);
    }
    if (commit.item !== undefined) {
      const { cycle, pass, key, outcome } = commit.item;
      await tx.run('INSERT INTO bill_run_item (cycle, pass, account, service_point, outcome) VALUES (?, ?, ?, ?, ?) '
        + 'ON CONFLICT DO NOTHING', [cycle, pass, key.account, key.servicePoint, outcome]);
    }
    await SqlBillingStore.audit(tx, now, commit.audit);
  }

  commitBilling(commit: BillingCommit): Promise<void> {
    return this.#write(`Committing ${commit.insert.length + commit.replace.length} bill(s)`,
      (tx, now) => SqlBillingStore.#apply(tx, now, commit));
  }

  commitBillingBatch(commits: readonly BillingCommit[]): Promise<void> {
    return this.#write(`Committing ${commits.length} billing step(s)`, async (tx, now) => {
      for (const commit of commits) await SqlBillingStore.#apply(tx, now, commit);
    });
  }

  bills(query: BillQuery): Promise<readonly BillRecord[]> {
    return this.#read('Listing bills', async (sql) => {
      const where: string[] = [];
      const params: SqlValue[] = [];
      if (query.cycle !== undefined) { where.push('cycle = ?'); params.push(query.cycle); }
      if (query.account !== undefined) { where.push('account = ?'); params.push(query.account); }
      if (query.status !== undefined) { where.push('status = ?'); params.push(query.status); }
      if (query.after !== undefined) { where.push('id > ?'); params.push(query.after); }
      const rows = await sql.all<BillRow>(`SELECT ${billColumns} FROM bill ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`} `
        + 'ORDER BY id LIMIT ?', [...params, query.limit]);
      return rows.map(billOfRow);
    });
  }

  bill(id: string): Promise<BillRecord | undefined> {
    return this.#read(`Reading bill ${id}`, (sql) => SqlBillingStore.#bill(sql, id));
  }

  periodBills(cycle: string, key: RunItemKey): Promise<readonly BillRecord[]> {
    return this.#read(`Reading the bills of ${key.account}/${key.servicePoint} in ${cycle}`, async (sql) =>
      (await sql.all<BillRow>(`SELECT ${billColumns} FROM bill WHERE cycle = ? AND account = ? AND service_point = ? ORDER BY id`,
        [cycle, key.account, key.servicePoint])).map(billOfRow));
  }

  issueBill(id: string, actor: string): Promise<BillRecord> {
    return this.#write(`Issuing bill ${id}`, async (tx, now) => {
      const bill = await SqlBillingStore.#bill(tx, id);
      if (bill === undefined) throw notFound(`bill ${id}`);
      refuseIssuedChange(bill, bill, 'replace');
      const group = bill.correction === null ? [bill]
        : (await tx.all<BillRow>(`SELECT ${billColumns} FROM bill WHERE correction = ? AND status <> 'issued'`, [bill.correction]))
          .map(billOfRow);
      for (const b of group)
        await tx.run("UPDATE bill SET status = 'issued', issued_at = ?, issued_by = ? WHERE id = ?", [now, actor, b.id]);
      await SqlBillingStore.audit(tx, now, group.map((b) => ({ actor, action: 'bill.issue', subject: `bill:${b.id}`,
        detail: JSON.stringify({ from: b.status, totalMinor: b.totalMinor, currency: b.currency }) })));
      return { ...bill, status: 'issued', issuedAt: now, issuedBy: actor };
    });
  }

  audit(query: AuditQuery): Promise<readonly AuditRecord[]> {
    return this.#read('Reading the billing audit log', async (sql) => {
      const rows = await sql.all<Row>(`SELECT seq, at, actor, action, subject, detail FROM billing_audit WHERE seq > ?${
        query.subject === undefined ? '' : ' AND subject = ?'} ORDER BY seq LIMIT ?`,
      [query.afterSeq ?? 0, ...(query.subject === undefined ? [] : [query.subject]), query.limit]);
      return rows.map((r) => ({ seq: Number(r['seq']), at: Number(r['at']), actor: String(r['actor']), action: String(r['action']),
        subject: String(r['subject']), detail: String(r['detail']) }));
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#sql.close();
  }
}
