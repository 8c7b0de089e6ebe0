// Billing for the billing role: the tariffs with their versions, the bill runs with their progress
// (followed every two seconds while one runs), and the bills of a cycle, corrections (cancellation,
// rebill, difference) shown with the bill they correct.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import type { BillSummary, RunDto, TariffVersionDto } from '@phasewire/api';
import { formatMinor } from '../lib/money.ts';
import { errorText, fieldText, type AppContext } from './context.ts';
import { RunningChargesSection } from './running-charges.ts';

function RunRow(props: { readonly run: RunDto; readonly onOpen: (cycle: string) => void }) {
  const { run } = props;
  const c = run.counts;
  return html`<tr>
    <td><button type="button" class="link" onClick=${() => { props.onOpen(run.cycle); }}>${run.cycle}</button></td>
    <td>${run.pass}</td>
    <td><progress max=${Math.max(1, run.total)} value=${run.done} aria-label=${`run ${run.cycle}: ${run.done} of ${run.total}`}></progress>
      ${` ${run.done} / ${run.total}`}</td>
    <td>${run.state}</td>
    <td>${`${c.created} created, ${c.held} held, ${c.rerated} re-rated, ${c.corrected} corrected, ${c.unchanged} unchanged`}</td>
  </tr>`;
}

function BillRows(props: { readonly bills: readonly BillSummary[] }) {
  return html`<table class="table" data-testid="bill-list">
    <thead><tr><th>Bill</th><th>Account</th><th>Service point</th><th>Kind</th><th>Status</th><th class="num">Total</th>
      <th>Corrects</th></tr></thead>
    <tbody>${props.bills.map((b) => html`<tr key=${b.id}>
      <td><a href=${`#/bills/${encodeURIComponent(b.id)}`}>${b.id}</a></td><td>${b.account}</td><td>${b.servicePoint}</td>
      <td>${b.kind}</td><td>${b.status}${b.hold === null ? '' : html` <span class="muted">(${b.hold})</span>`}</td>
      <td class="num">${formatMinor(b.total.minor)} ${b.total.currency}</td>
      <td>${b.replaces === null ? '' : html`<a href=${`#/bills/${encodeURIComponent(b.replaces)}`}>${b.replaces}</a>`}</td>
    </tr>`)}</tbody></table>`;
}

export function BillingView(props: { readonly ctx: AppContext }) {
  const { ctx } = props;
  const [tariffs, setTariffs] = useState<readonly TariffVersionDto[] | undefined>(undefined);
  const [runs, setRuns] = useState<readonly RunDto[] | undefined>(undefined);
  const [cycle, setCycle] = useState<string | undefined>(undefined);
  const [bills, setBills] = useState<readonly BillSummary[] | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const fail = (e: unknown) => { setError(errorText(e)); };

  useEffect(() => {
    ctx.feed.subscribe([]);
    ctx.api.tariffs().then(setTariffs, fail);
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = () => {
      ctx.api.billRuns().then((list) => {
        if (stopped) return;
        setRuns(list);
        setCycle((current) => current ?? list[0]?.cycle);
        if (list.some((r) => r.state === 'running')) timer = setTimeout(poll, 2000);
      }, fail);
    };
    poll();
    return () => { stopped = true; if (timer !== undefined) clearTimeout(timer); };
  }, [ctx]);

  useEffect(() => {
    if (cycle === undefined) return;
    setBills(undefined);
    ctx.api.bills({ cycle }).then(setBills, fail);
  }, [ctx, cycle, runs?.find((r) => r.cycle === cycle)?.done]);

  const start = (e: Event) => {
    e.preventDefault();
    const wanted = fieldText(new FormData(e.currentTarget as HTMLFormElement), 'cycle');
    ctx.api.startBillRun(wanted).then((run) => {
      setRuns((list) => [run, ...(list ?? []).filter((r) => r.cycle !== run.cycle)]);
      setCycle(run.cycle);
      ctx.announce(`Bill run ${run.cycle} started`);
    }, fail);
  };

  return html`
    <main id="main" class="view" aria-labelledby="billing-title">
      <h1 id="billing-title">Billing</h1>
      ${error === undefined ? null : html`<p class="error" role="alert">${error}</p>`}
      <${RunningChargesSection} ctx=${ctx} />
      <section aria-labelledby="tariffs-title"><h2 id="tariffs-title">Tariffs</h2>
        ${tariffs === undefined ? html`<p aria-busy="true">Loading tariffs…</p>` : html`<table class="table" data-testid="tariff-list">
          <thead><tr><th>Tariff</th><th>Version</th><th>Name</th><th>Currency</th><th>Zone</th><th>Effective</th></tr></thead>
          <tbody>${tariffs.map((t) => html`<tr key=${`${t.tariffId}/${t.version}`}><td>${t.tariffId}</td><td>${t.version}</td>
            <td>${t.name}</td><td>${t.currency}</td><td>${t.timeZone}</td>
            <td>${t.effectiveFrom} to ${t.effectiveTo ?? 'now'}</td></tr>`)}</tbody></table>`}
      </section>
      <section aria-labelledby="runs-title"><h2 id="runs-title">Bill runs</h2>
        <form class="filters" onSubmit=${start}>
          <label>Cycle <input name="cycle" placeholder="2026-11" pattern="[0-9]{4}-[0-9]{2}" required /></label>
          <button type="submit">Run</button></form>
        ${runs === undefined ? html`<p aria-busy="true">Loading runs…</p>` : html`<table class="table" data-testid="run-list">
          <thead><tr><th>Cycle</th><th>Pass</th><th>Progress</th><th>State</th><th>Outcome</th></tr></thead>
          <tbody>${runs.map((r) => html`<${RunRow} key=${r.cycle} run=${r} onOpen=${setCycle} />`)}</tbody></table>`}
      </section>
      <section aria-labelledby="bills-title"><h2 id="bills-title">Bills${cycle === undefined ? '' : ` of ${cycle}`}</h2>
        ${cycle === undefined ? html`<p>No bill run yet.</p>` : bills === undefined ? html`<p aria-busy="true">Loading bills…</p>`
          : html`<${BillRows} bills=${bills} />`}
      </section>
    </main>`;
}
