// Billing: bill runs (start one for a cycle, follow its progress), bills (list, one with its lines and
// determinants, the intervals behind a charge), issuing a held bill, rebilling (a correction when
// the bill was issued), and the billing audit log.
import type { FastifyRequest } from 'fastify';
import { Q } from '@phasewire/core';
import { rebillPeriod, runBillingCycle, tariffsById, traceIntervals, type BillDocument } from '@phasewire/mdm';
import type { BillRecord, BillRunRecord } from '@phasewire/store';
import { actorOf } from '../access.ts';
import { ApiFieldError, conflict, notFound } from '../api-errors.ts';
import {
  BillDetail, BillingAuditList, BillingAuditParams, BillingIdParams, BillIntervals, BillIntervalsParams, BillList, BillListParams,
  CycleParams, RebillAnswer, RunBody, RunDto, RunList, type BillSummary, type RunDto as Run,
} from '../billing-dto.ts';
import type { ApiContext, ApiInstance } from './api-context.ts';
import { billingErrors, billingOf, ownMeters, spanDto } from './routes-billing.ts';
import { runningRoutes } from './routes-running.ts';

const iso = (t: number): string => new Date(t).toISOString();

export const runDto = (r: BillRunRecord): Run => ({ ...r, startedAt: iso(r.startedAt),
  finishedAt: r.finishedAt === null ? null : iso(r.finishedAt) });

export function billSummary(b: BillRecord): BillSummary {
  const doc = JSON.parse(b.document) as BillDocument;
  return { id: b.id, cycle: b.cycle, account: b.account, servicePoint: b.servicePoint, kind: b.kind, status: b.status, replaces: b.replaces,
    correction: b.correction, total: { currency: b.currency, minor: b.totalMinor }, hold: doc.bill.hold?.message ?? null,
    createdAt: iso(b.createdAt), issuedAt: b.issuedAt === null ? null : iso(b.issuedAt), issuedBy: b.issuedBy };
}

export function billRoutes(app: ApiInstance, ctx: ApiContext): void {
  runningRoutes(app, ctx);
  /** Runs this process has going, by cycle: a second start of a running cycle joins it. */
  const running = new Map<string, Promise<BillRunRecord>>();
  const deps = () => ({ billing: billingOf(ctx).store, meters: ctx.store, clock: ctx.clock });

  app.post('/api/v1/billing/runs', { schema: { tags: ['billing'],
    summary: 'Start (or resume, or run again) the bill run of a cycle; follow it at /billing/runs/:cycle', body: RunBody,
    response: { 202: RunDto, ...billingErrors } } }, async (request, reply) => {
    const principal = ctx.principalOf(request);
    const { cycle } = request.body;
    const billing = billingOf(ctx);
    if (!running.has(cycle)) {
      let opened: (run: BillRunRecord) => void = () => undefined;
      const open = new Promise<BillRunRecord>((resolve) => { opened = resolve; });
      const run = runBillingCycle(deps(), cycle, { actor: actorOf(principal), completenessLimit: billing.completenessLimit,
        ...(billing.batchSize === undefined ? {} : { batchSize: billing.batchSize }), onOpened: opened })
        .finally(() => { running.delete(cycle); });
      running.set(cycle, run);
      // The run goes on after the answer; a failure is kept in the run record (state running) for a restart to resume.
      run.catch((error: unknown) => { request.log.error({ err: error, cycle }, 'bill run failed'); });
      await Promise.race([open, run]);
    }
    const record = await billing.store.run(cycle);
    if (record === undefined) throw notFound(`the bill run of ${cycle}`);
    return reply.code(202).send(runDto(record));
  });

  app.get('/api/v1/billing/runs', { schema: { tags: ['billing'], summary: 'Bill runs, newest cycle first',
    response: { 200: RunList, ...billingErrors } } }, async () => ({ items: (await billingOf(ctx).store.runs()).map(runDto) }));

  app.get('/api/v1/billing/runs/:cycle', { schema: { tags: ['billing'], summary: 'A bill run with its progress (done of total)',
    params: CycleParams, response: { 200: RunDto, ...billingErrors } } }, async (request) => {
    const run = await billingOf(ctx).store.run(request.params.cycle);
    if (run === undefined) throw notFound(`the bill run of ${request.params.cycle}`);
    return runDto(run);
  });

  app.get('/api/v1/billing/bills', { schema: { tags: ['billing'], summary: 'Bills and correction documents, by id',
    querystring: BillListParams, response: { 200: BillList, ...billingErrors } } }, async (request) => {
    const { cycle, account, status, cursor } = request.query;
    const limit = request.query.limit ?? 100;
    const items = await billingOf(ctx).store.bills({ limit, ...(cycle === undefined ? {} : { cycle }),
      ...(account === undefined ? {} : { account }), ...(status === undefined ? {} : { status }),
      ...(cursor === undefined ? {} : { after: cursor }) });
    const principal = ctx.principalOf(request);
    const own = items.filter((b) => ownMeters(ctx, principal, (JSON.parse(b.document) as BillDocument).meters));
    // The cursor is the last bill read, the caller's or not: the next page goes on from there.
    return { items: own.map(billSummary), nextCursor: items.length === limit ? items.at(-1)?.id ?? null : null };
  });

  /** The bill, when it is the caller's tenant's (404 as for a bill that does not exist, otherwise). */
  const billOf = async (request: FastifyRequest, id: string): Promise<BillRecord> => {
    const bill = await billingOf(ctx).store.bill(id);
    if (bill === undefined || !ownMeters(ctx, ctx.principalOf(request), (JSON.parse(bill.document) as BillDocument).meters)) {
      throw notFound(`bill ${JSON.stringify(id)}`);
    }
    return bill;
  };

  app.get('/api/v1/billing/bills/:id', { schema: { tags: ['billing'], summary: 'A bill with its lines, determinants and meters',
    params: BillingIdParams, response: { 200: BillDetail, ...billingErrors } } }, async (request) => {
    const bill = await billOf(request, request.params.id);
    const doc = JSON.parse(bill.document) as BillDocument;
    return { ...billSummary(bill), meters: doc.meters.map((m) => ({ meter: m.meter, ...spanDto(m) })), period: doc.bill.period,
      tariffId: doc.bill.tariffId, tariffVersions: [...doc.bill.tariffVersions], lines: [...doc.bill.lines],
      determinants: doc.bill.determinants };
  });

  app.get('/api/v1/billing/bills/:id/intervals', { schema: { tags: ['billing'],
    summary: 'The intervals behind one determinant of a bill (as a line names it), with the meter each came from',
    params: BillingIdParams, querystring: BillIntervalsParams, response: { 200: BillIntervals, ...billingErrors } } }, async (request) => {
    const bill = await billOf(request, request.params.id);
    const doc = JSON.parse(bill.document) as BillDocument;
    const tariffs = tariffsById(await billingOf(ctx).store.tariffVersions(doc.bill.tariffId)).get(doc.bill.tariffId) ?? [];
    const used = tariffs.filter((t) => doc.bill.tariffVersions.includes(t.version));
    let ends: number[];
    try {
      ends = traceIntervals(used, doc.bill.determinants, request.query.determinant);
    } catch (error) {
      throw new ApiFieldError('/querystring/determinant', (error as Error).message, 'PW_ERR_API_INVALID_REQUEST', { cause: error });
    }
    const points: { end: string; meter: string; importWh: number | null; quality: string }[] = [];
    for (const m of doc.meters) {
      const mine = ends.filter((end) => end - doc.bill.determinants.intervalMs >= m.from && end <= (m.to ?? Infinity));
      const first = mine[0];
      const last = mine.at(-1);
      if (first === undefined || last === undefined) continue;
      const values = await ctx.store.intervals(m.meter, Q.activeEnergyImport,
        { from: first - doc.bill.determinants.intervalMs, to: last });
      const byEnd = new Map(values.map((v) => [v.end, v]));
      for (const end of mine) {
        const v = byEnd.get(end);
        points.push({ end: iso(end), meter: m.meter, importWh: v?.value ?? null, quality: v?.quality ?? 'missing' });
      }
    }
    return { determinant: request.query.determinant, points };
  });

  app.post('/api/v1/billing/bills/:id/issue', { schema: { tags: ['billing'],
    summary: 'Issue a held bill (and the other documents of its correction); an issued bill is never changed again',
    params: BillingIdParams, response: { 200: RebillAnswer, ...billingErrors } },
  }, async (request) => {
    const bill = await billOf(request, request.params.id);
    if (bill.status === 'issued') throw conflict(`Cannot issue bill ${bill.id}: it was issued ${iso(bill.issuedAt ?? 0)}`);
    const issued = await billingOf(ctx).store.issueBill(bill.id, actorOf(ctx.principalOf(request)));
    return { outcome: 'issued', documents: [billSummary(issued)] };
  });

  app.post('/api/v1/billing/bills/:id/rebill', { schema: { tags: ['billing'],
    summary: 'Rate the bill\'s period again from the data as it is now: nothing if unchanged, a correction if the bill was issued',
    params: BillingIdParams, response: { 200: RebillAnswer, ...billingErrors } } }, async (request) => {
    const bill = await billOf(request, request.params.id);
    const billing = billingOf(ctx);
    const result = await rebillPeriod(deps(), bill.cycle, { account: bill.account, servicePoint: bill.servicePoint },
      { actor: actorOf(ctx.principalOf(request)), completenessLimit: billing.completenessLimit });
    return { outcome: result.outcome, documents: result.documents.map(billSummary) };
  });

  app.get('/api/v1/billing/audit', { schema: { tags: ['billing'], summary: 'The billing audit log: who did what, when',
    querystring: BillingAuditParams, response: { 200: BillingAuditList, ...billingErrors } } }, async (request) => {
    const { subject, after } = request.query;
    const items = await billingOf(ctx).store.audit({ limit: request.query.limit ?? 100, ...(subject === undefined ? {} : { subject }),
      ...(after === undefined ? {} : { afterSeq: after }) });
    return { items: items.map((a) => ({ ...a, at: iso(a.at), detail: JSON.parse(a.detail) as unknown })) };
  });
}
