// Exports of stored bills, for the billing role: the bill an account receives as PDF, the bill and
// the intervals it was rated from as a Green Button feed (UsageSummary beside the IntervalBlocks),
// and bills as CSV, one row per charge line. The bill document says which meters were billed over
// which spans (a meter exchange is two), so the intervals read are exactly the ones rated.
import { Type } from 'typebox';
import { tariffsById, type BillDocument, type Tariff } from '@phasewire/mdm';
import type { IntervalValue } from '@phasewire/store';
import { ApiFieldError, notFound } from '../api-errors.ts';
import { BillingIdParams, BillListParams } from '../billing-dto.ts';
import { billView } from '../export/bill-view.ts';
import { billCsv, type CsvBillRow } from '../export/csv-export.ts';
import { activeEnergyImport, registerIntervals } from '../export/export-data.ts';
import { greenButtonFeed, type GreenButtonSeries } from '../export/greenbutton.ts';
import { billPdf } from './bill-pdf.ts';
import type { ApiPrincipal } from '../access.ts';
import type { ApiContext, ApiInstance } from './api-context.ts';
import { billingErrors, billingOf, ownMeters } from './routes-billing.ts';

interface LoadedBill {
  readonly id: string;
  readonly issuedAt: number;
  readonly doc: BillDocument;
  /** The tariff versions the bill was rated on. */
  readonly tariffs: readonly Tariff[];
  readonly tariff: Tariff;
}

async function loadBill(ctx: ApiContext, principal: ApiPrincipal, id: string): Promise<LoadedBill> {
  const billing = billingOf(ctx).store;
  const record = await billing.bill(id);
  const doc = record === undefined ? undefined : JSON.parse(record.document) as BillDocument;
  if (record === undefined || doc === undefined || !ownMeters(ctx, principal, doc.meters)) throw notFound(`bill ${JSON.stringify(id)}`);
  const versions = tariffsById(await billing.tariffVersions(doc.bill.tariffId)).get(doc.bill.tariffId) ?? [];
  const tariffs = versions.filter((t) => doc.bill.tariffVersions.includes(t.version));
  const tariff = tariffs.at(-1);
  if (tariff === undefined) throw notFound(`tariff ${doc.bill.tariffId} version ${doc.bill.tariffVersions.join(', ')} of bill ${id}`);
  return { id: record.id, issuedAt: record.issuedAt ?? record.createdAt, doc, tariffs, tariff };
}

/** The intervals of every energy register behind the bill: each meter's over the span it was installed, as one series per register. */
async function billedSeries(ctx: ApiContext, loaded: LoadedBill): Promise<GreenButtonSeries[]> {
  const { from, to } = loaded.doc.bill.determinants;
  const byQuantity = new Map<string, GreenButtonSeries & { intervals: IntervalValue[] }>();
  for (const installation of loaded.doc.meters) {
    const span = { from: Math.max(from, installation.from), to: Math.min(to, installation.to ?? Infinity) };
    if (span.to <= span.from) continue;
    for (const series of await registerIntervals(ctx.store, installation.meter, span)) {
      const inSpan = series.intervals.filter((i) => i.end > span.from && i.end <= span.to);
      const kept = byQuantity.get(series.quantity) ?? { quantity: series.quantity, intervals: [] };
      kept.intervals.push(...inSpan);
      byQuantity.set(series.quantity, kept);
    }
  }
  return [...byQuantity.values()];
}

/** A PDF document: binary, sent as it is (fastify does not serialise a Buffer). */
const pdfBody = Type.Unsafe<Buffer>({ type: 'string', format: 'binary', description: 'application/pdf' });

export function billExportRoutes(app: ApiInstance, ctx: ApiContext): void {
  app.get('/api/v1/billing/bills/:id/bill.pdf', { schema: { tags: ['billing', 'exports'],
    summary: 'The bill as the customer receives it (PDF): charges, load curve with ToU windows and peak, determinants and data quality',
    params: BillingIdParams, response: { 200: pdfBody, ...billingErrors } } }, async (
    request,
    reply,
  ) => {
    const loaded = await loadBill(ctx, ctx.principalOf(request), request.params.id);
    const { doc, tariff } = loaded;
    const accounts = await billingOf(ctx).store.accounts();
    const account = accounts.find((a) => a.id === doc.account) ?? { id: doc.account, name: doc.account };
    const series = await billedSeries(ctx, loaded);
    const imports = series.find((s) => s.quantity === activeEnergyImport)?.intervals ?? [];
    const view = billView(loaded.tariffs, doc.bill, imports.map((i) => ({ end: i.end, importWh: i.value })));
    const pdf = await billPdf({ account: { id: account.id, name: account.name }, servicePoint: doc.servicePoint,
      meters: doc.meters.map((m) => m.meter), tariffName: tariff.name, timeZone: tariff.timeZone, minorDigits: tariff.minorDigits,
      bill: doc.bill, view, billId: loaded.id, issuedAt: loaded.issuedAt });
    ctx.audit(ctx.principalOf(request), 'bill.export', `bill:${loaded.id}`, { format: 'pdf' });
    return reply.type('application/pdf').header('content-disposition', `attachment; filename="bill-${loaded.id.replaceAll(':', '-')}.pdf"`)
      .send(pdf);
  });

  app.get('/api/v1/billing/bills/:id/greenbutton.xml', { schema: { tags: ['billing', 'exports'],
    summary: 'The bill (UsageSummary) and the intervals it was rated from as a Green Button feed (ESPI 3.3)',
    params: BillingIdParams, response: { 200: Type.String({ description: 'application/atom+xml' }), ...billingErrors } } }, async (
    request,
    reply,
  ) => {
    const loaded = await loadBill(ctx, ctx.principalOf(request), request.params.id);
    const { doc, tariff } = loaded;
    const { from, to } = doc.bill.determinants;
    const xml = greenButtonFeed({ meter: doc.servicePoint, timeZone: tariff.timeZone, range: { from, to }, generatedAt: ctx.clock.now(),
      baseUri: `https://${request.hostname}/espi/1_1/resource`, series: await billedSeries(ctx, loaded), bill: doc.bill });
    ctx.audit(ctx.principalOf(request), 'bill.export', `bill:${loaded.id}`, { format: 'greenbutton' });
    return reply.type('application/atom+xml; charset=utf-8')
      .header('content-disposition', `attachment; filename="bill-${loaded.id.replaceAll(':', '-')}-greenbutton.xml"`).send(xml);
  });

  app.get('/api/v1/billing/bills.csv', { schema: { tags: ['billing', 'exports'],
    summary: 'Bills as CSV, one row per charge line (RFC 4180; columns in docs/billing.md); the filters of /billing/bills',
    querystring: BillListParams, response: { 200: Type.String({ description: 'text/csv' }), ...billingErrors } } }, async (
    request,
    reply,
  ) => {
    const { cycle, account, status, cursor } = request.query;
    if (cycle === undefined && account === undefined)
      throw new ApiFieldError('/querystring/cycle', 'Cannot accept the request: give querystring.cycle or querystring.account');
    const billing = billingOf(ctx).store;
    const records = await billing.bills({ limit: request.query.limit ?? 1000, ...(cycle === undefined ? {} : { cycle }),
      ...(account === undefined ? {} : { account }), ...(status === undefined ? {} : { status }),
      ...(cursor === undefined ? {} : { after: cursor }) });
    const tariffs = tariffsById(await billing.tariffVersions());
    const principal = ctx.principalOf(request);
    const docs = records.map((record) => ({ record, doc: JSON.parse(record.document) as BillDocument }))
      .filter(({ doc }) => ownMeters(ctx, principal, doc.meters));
    const rows: CsvBillRow[] = docs.map(({ record, doc }) => {
      const minorDigits = tariffs.get(doc.bill.tariffId)?.[0]?.minorDigits ?? 2;
      return { account: record.account, meter: doc.meters.map((m) => m.meter).join(' '), bill: doc.bill, minorDigits };
    });
    ctx.audit(ctx.principalOf(request), 'bill.export', `bills:${cycle ?? account ?? ''}`, { format: 'csv', bills: rows.length });
    return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="bills-${cycle ?? account}.csv"`)
      .send(billCsv(rows));
  });
}
