// Running charges on the billing page: every account with its tariff, its open period so far and the
// charges so far, rated by the server's billing engine up to the latest reading of the account's
// meters. An estimate of an open period, refreshed every 30 s: never a bill, never issued.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import type { RunningCharges } from '@phasewire/api';
import type { BillingAccount } from '../api/client.ts';
import { formatMinor } from '../lib/money.ts';
import { errorText, type AppContext } from './context.ts';

interface Row {
  readonly account: BillingAccount;
  readonly running: RunningCharges | undefined;
  readonly problem: string | undefined;
}

function RunningRow(props: { readonly row: Row }) {
  const { account, running, problem } = props.row;
  const tariff = account.tariffs.find((t) => t.to === null)?.tariffId ?? account.tariffs.at(-1)?.tariffId ?? '—';
  const total = running?.servicePoints.reduce((sum, p) => sum + p.total.minor, 0);
  const currency = running?.servicePoints[0]?.total.currency ?? '';
  return html`<tr>
    <td>${account.id}</td><td>${account.name}</td><td>${tariff}</td>
    <td>${running === undefined ? html`<span class="muted">${problem ?? '…'}</span>`
      : `${running.period.start} to ${running.asOf.slice(0, 16).replace('T', ' ')} UTC (period ends ${running.period.end})`}</td>
    <td>${running === undefined ? '' : running.servicePoints.flatMap((p) => p.meters).join(', ')}</td>
    <td class="num">${total === undefined ? '' : `${formatMinor(total)} ${currency}`}</td>
  </tr>`;
}

export function RunningChargesSection(props: { readonly ctx: AppContext }) {
  const { ctx } = props;
  const [rows, setRows] = useState<readonly Row[] | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      const accounts = await ctx.api.billingAccounts();
      const next = await Promise.all(accounts.map(async (account): Promise<Row> => {
        try {
          return { account, running: await ctx.api.runningCharges(account.id), problem: undefined };
        } catch (e) {
          return { account, running: undefined, problem: errorText(e) };
        }
      }));
      if (!stopped) setRows(next);
    };
    const poll = () => {
      load().then(() => { if (!stopped) timer = setTimeout(poll, 30_000); }, (e: unknown) => { setError(errorText(e)); });
    };
    poll();
    return () => { stopped = true; if (timer !== undefined) clearTimeout(timer); };
  }, [ctx]);

  return html`<section aria-labelledby="running-title"><h2 id="running-title">Running charges (estimate, open period)</h2>
    <p class="muted">The current billing period rated so far, up to each account's latest reading, by the same tariff engine as a bill
      run. An estimate of an open period: not a bill, not issued, not stored.</p>
    ${error === undefined ? null : html`<p class="error" role="alert">${error}</p>`}
    ${rows === undefined ? html`<p aria-busy="true">Loading accounts…</p>` : rows.length === 0 ? html`<p>No account yet.</p>`
      : html`<table class="table" data-testid="running-charges">
      <thead><tr><th>Account</th><th>Name</th><th>Tariff</th><th>Period so far</th><th>Meters</th>
        <th class="num">Charges so far</th></tr></thead>
      <tbody>${rows.map((r) => html`<${RunningRow} key=${r.account.id} row=${r} />`)}</tbody></table>`}
  </section>`;
}
