// One bill for the billing role: its lines, each with the intervals behind its charge (the API
// traces a line's determinant back to the interval values and their quality), the determinants of
// each part of the period with the quality of the data, the documents of a correction, and the
// exports (PDF, Green Button).
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import type { BillDetailView, BillIntervalPoint, BillLineView, PartView } from '../api/client.ts';
import { formatMinor, formatShare } from '../lib/money.ts';
import { errorText, type AppContext } from './context.ts';

function Intervals(props: { readonly points: readonly BillIntervalPoint[] }) {
  const shown = props.points.slice(0, 500);
  const counts = new Map<string, number>();
  for (const p of props.points) counts.set(p.quality, (counts.get(p.quality) ?? 0) + 1);
  return html`<div data-testid="line-intervals">
    <p>${props.points.length} intervals: ${[...counts].map(([q, n]) => `${n} ${q}`).join(', ')}${shown.length < props.points.length
      ? ` (first ${shown.length} shown)` : ''}</p>
    <table class="table compact"><thead><tr><th>Interval end</th><th>Meter</th><th class="num">Wh</th><th>Quality</th></tr></thead>
      <tbody>${shown.map((p) => html`<tr key=${`${p.meter}/${p.end}`}><td>${p.end}</td><td>${p.meter}</td>
        <td class="num">${p.importWh ?? '–'}</td><td>${p.quality}</td></tr>`)}</tbody></table></div>`;
}

function Line(props: { readonly ctx: AppContext; readonly bill: BillDetailView; readonly line: BillLineView; readonly index: number }) {
  const { ctx, bill, line } = props;
  const [points, setPoints] = useState<readonly BillIntervalPoint[] | undefined>(undefined);
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const toggle = () => {
    setOpen(!open);
    if (points === undefined && line.determinant !== null)
      ctx.api.billIntervals(bill.id, line.determinant).then(setPoints, (e: unknown) => { setError(errorText(e)); });
  };
  return html`<tr>
      <td>${line.description}</td><td class="num">${line.quantity} ${line.unit}</td><td class="num">${line.rate}</td>
      <td class="num">${formatMinor(line.amount.minor)}</td>
      <td>${line.determinant === null ? '' : html`<button type="button" aria-expanded=${open} onClick=${toggle}
        data-testid=${`intervals-${props.index}`}>Intervals</button>`}</td></tr>
    ${open ? html`<tr><td colspan="5">${error === undefined ? null : html`<p class="error" role="alert">${error}</p>`}
      ${points === undefined ? html`<p aria-busy="true">Loading intervals…</p>` : html`<${Intervals} points=${points} />`}</td></tr>`
    : null}`;
}

function Part(props: { readonly part: PartView }) {
  const { part } = props;
  const q = part.quality;
  const rows: [string, string][] = [
    ['Active import', `${part.importKwh.quantity} kWh`], ['Active export', `${part.exportKwh.quantity} kWh`],
    ['Reactive import', `${part.reactiveImportKvarh.quantity} kvarh`],
    ...part.buckets.map((b): [string, string] => [`in ${b.id.split('.').at(-1) ?? b.id}`, `${b.quantity} kWh`]),
    ...part.demands.map((d): [string, string] => [`Maximum demand (${d.windowMinutes}-min)`,
      `${d.quantity} kW${d.at === null ? '' : ` at ${new Date(d.at).toISOString()}`}`]),
    ['Average power factor', part.averagePf === null ? '–' : part.averagePf.toFixed(3)],
    ['Data quality', `${formatShare(q.completeness)} complete of ${q.expected} intervals, ${formatShare(q.estimatedShare)} estimated, `
      + `${formatShare(q.editedShare)} edited`],
  ];
  return html`<table class="table" data-testid="determinants">
    <caption>${part.start} to ${part.end} (end exclusive), tariff version ${part.tariffVersion}</caption>
    <tbody>${rows.map(([k, v]) => html`<tr key=${k}><th scope="row">${k}</th><td>${v}</td></tr>`)}</tbody></table>`;
}

export function BillView(props: { readonly ctx: AppContext; readonly id: string }) {
  const { ctx, id } = props;
  const [bill, setBill] = useState<BillDetailView | undefined>(undefined);
  const [related, setRelated] = useState<readonly { id: string; kind: string; status: string }[]>([]);
  const [error, setError] = useState<string | undefined>(undefined);

  useEffect(() => {
    ctx.feed.subscribe([]);
    ctx.api.bill(id).then((b) => {
      setBill(b);
      return ctx.api.bills({ cycle: b.cycle, account: b.account })
        .then((list) => { setRelated(list.filter((o) => o.id !== b.id && o.servicePoint === b.servicePoint)); });
    }).catch((e: unknown) => { setError(errorText(e)); });
  }, [ctx, id]);

  if (error !== undefined) return html`<main id="main" class="view"><h1>Bill</h1><p class="error" role="alert">${error}</p></main>`;
  if (bill === undefined) return html`<main id="main" class="view"><h1>Bill</h1><p aria-busy="true">Loading bill…</p></main>`;
  return html`
    <main id="main" class="view" aria-labelledby="bill-title">
      <h1 id="bill-title">Bill ${bill.id}</h1>
      <p><a href="#/billing">Billing</a> · account ${bill.account} · service point ${bill.servicePoint} ·
        meters ${bill.meters.map((m) => m.meter).join(', ')} · ${bill.period.start} to ${bill.period.end} ·
        tariff ${bill.tariffId} v${bill.tariffVersions.join(', v')} · ${bill.kind}, ${bill.status}</p>
      ${bill.hold === null ? null : html`<p class="error" role="status">Held for review: ${bill.hold}</p>`}
      <p>Download: <a href=${ctx.api.billExportUrl(bill.id, 'bill.pdf')} download>PDF</a>${' · '}<a
        href=${ctx.api.billExportUrl(bill.id, 'greenbutton.xml')} download>Green Button</a></p>
      <section aria-labelledby="lines-title"><h2 id="lines-title">Charges</h2>
        <table class="table" data-testid="bill-lines">
          <thead><tr><th>Charge</th><th class="num">Quantity</th><th class="num">Rate</th><th class="num">Amount</th><th></th></tr></thead>
          <tbody>${bill.lines.map((line, i) => html`<${Line} key=${`${line.componentId}/${line.start}`} ctx=${ctx} bill=${bill} line=${line}
            index=${i} />`)}</tbody>
          <tfoot><tr><th>Total</th><td></td><td></td><td class="num" data-testid="bill-total">${
            `${formatMinor(bill.total.minor)} ${bill.total.currency}`}</td><td></td></tr></tfoot>
        </table></section>
      <section aria-labelledby="det-title"><h2 id="det-title">Determinants</h2>
        ${bill.determinants.parts.map((p) => html`<${Part} key=${p.start} part=${p} />`)}</section>
      ${related.length === 0 ? null : html`<section aria-labelledby="corr-title"><h2 id="corr-title">Other documents of this period</h2>
        <ul>${related.map((o) => html`<li key=${o.id}><a href=${`#/bills/${encodeURIComponent(o.id)}`}>${o.id}</a>
          (${o.kind}, ${o.status})</li>`)}</ul></section>`}
    </main>`;
}
