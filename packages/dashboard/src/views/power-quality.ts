// The EN 50160 weekly power-quality report of one meter: pick an ISO week and a time zone, see the
// compliance table (each criterion with its clause, values judged, share within and share required),
// the coverage of the data, the voltage events of IEC 61000-4-30, and download the report as PDF or its
// ten-minute values as CSV (analyst and above, as the API allows).
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import type { PqCriterionDto, WeeklyPowerQuality } from '@phasewire/api';
import { isoWeekOf } from '../lib/iso-week.ts';
import { hasRole } from '../lib/roles.ts';
import { formatRoute } from '../lib/route.ts';
import { errorText, fieldText, type AppContext } from './context.ts';

/** Events listed in the page; a flickering week lists the first ones (all are in the PDF count and the JSON). */
const listedEvents = 200;

const names: Readonly<Record<PqCriterionDto['quantity'], string>> = {
  'voltage': 'Supply voltage', 'voltage-all': 'Supply voltage, all values', 'unbalance': 'Voltage unbalance', 'thd': 'Voltage THD',
  'frequency': 'Power frequency', 'frequency-all': 'Power frequency, all values',
};
const share = (x: number | null, digits = 2): string => (x === null ? '–' : `${(x * 100).toFixed(digits)} %`);
const verdict = (pass: boolean | null): string => (pass === null ? 'not judged' : pass ? 'pass' : 'fail');
const localZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone;

function range(c: PqCriterionDto): string {
  const f = (x: number | null): string => (x === null ? '–' : c.unit === '1' ? `${(x * 100).toFixed(2)} %` : `${x} ${c.unit}`);
  return c.min === null ? '–' : `${f(c.min)} … ${f(c.max)}`;
}

function Compliance(props: { readonly report: WeeklyPowerQuality }) {
  return html`<table class="table" data-testid="pq-compliance">
    <caption>EN 50160:2010 low-voltage supply; ${props.report.resolution.basis}</caption>
    <thead><tr><th>Criterion</th><th>Clause</th><th>Limit</th><th class="num">Judged</th><th class="num">Within</th>
      <th class="num">Required</th><th>Seen</th><th>Result</th></tr></thead>
    <tbody>${props.report.criteria.map((c) => html`<tr key=${c.id} data-criterion=${c.id}>
      <th scope="row">${names[c.quantity]}${c.phase === null ? '' : ` ${c.phase}`}</th><td>${c.clause.replace('EN 50160:2010 ', '')}</td>
      <td>${c.limit}</td><td class="num">${c.evaluated}</td><td class="num" data-share>${share(c.share)}</td>
      <td class="num">${share(c.required, 1)}</td><td>${range(c)}</td>
      <td><span class=${`badge ${c.pass === false ? 'bad' : c.pass === true ? 'ok' : ''}`}>${verdict(c.pass)}</span></td></tr>`)}
    </tbody></table>`;
}

function Events(props: { readonly report: WeeklyPowerQuality }) {
  const { report } = props;
  const n = report.eventCounts;
  return html`<section aria-labelledby="pq-events-title" class="section">
    <h2 id="pq-events-title">Voltage events (IEC 61000-4-30)</h2>
    <p data-testid="pq-event-counts">Dips ${n.dip}, swells ${n.swell}, interruptions ${n.interruption}.</p>
    <p class="muted">${report.resolution.eventLimit}.</p>
    ${report.events.length === 0 ? null : html`<table class="table compact" data-testid="pq-events">
      <thead><tr><th>Event</th><th>Start</th><th class="num">Duration</th><th class="num">Residual / peak</th><th>Phases</th></tr></thead>
      <tbody>${report.events.slice(0, listedEvents).map((e) => html`<tr key=${`${e.kind}/${e.start}`}><td>${e.kind}</td><td>${e.start}</td>
        <td class="num">${e.durationSeconds === null ? 'ongoing' : `${e.durationSeconds} s`}</td>
        <td class="num">${e.extreme} V (${e.extremePercent} %)</td><td>${e.phases.join(' ')}</td></tr>`)}</tbody></table>`}
    ${report.events.length > listedEvents ? html`<p>First ${listedEvents} of ${report.events.length} shown.</p>` : null}
  </section>`;
}

export function PowerQualityView(props: { readonly ctx: AppContext; readonly id: string; readonly week?: string | undefined;
  readonly zone?: string | undefined }) {
  const { ctx, id } = props;
  const zone = props.zone ?? localZone();
  const [week, setWeek] = useState<string | undefined>(props.week);
  const [report, setReport] = useState<WeeklyPowerQuality | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);

  // Without a week in the link: the week of the meter's latest reading (a demo meter's clock may be far from the browser's).
  useEffect(() => {
    ctx.feed.subscribe([]);
    if (props.week !== undefined) { setWeek(props.week); return; }
    ctx.api.meter(id).then((m) => { setWeek(isoWeekOf(m.latest === null ? Date.now() : Date.parse(m.latest.at))); },
      (e: unknown) => { setError(errorText(e)); });
  }, [ctx, id, props.week]);

  useEffect(() => {
    if (week === undefined) return;
    setReport(undefined);
    setError(undefined);
    ctx.api.weeklyPowerQuality(id, week, zone).then((r) => {
      setReport(r);
      ctx.announce(`Power quality of ${id}, ${r.week}: ${verdict(r.pass)}`);
    }, (e: unknown) => { setError(errorText(e)); });
  }, [ctx, id, week, zone]);

  const choose = (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    location.hash = formatRoute({ view: 'power-quality', id, week: fieldText(form, 'week'), zone: fieldText(form, 'zone') || zone });
  };
  const c = report?.coverage;
  return html`
    <main id="main" class="view" aria-labelledby="pq-title">
      <p class="crumbs"><a href="#/fleet">Fleet</a> › <a href=${formatRoute({ view: 'meter', id })}>${id}</a> › power quality</p>
      <h1 id="pq-title">Power quality of ${id}</h1>
      <form class="filters" onSubmit=${choose} aria-label="Choose the report">
        <label>Week <input type="week" name="week" value=${week ?? ''} required /></label>
        <label>Time zone <input type="text" name="zone" value=${zone} maxlength="64" /></label>
        <button type="submit">Show</button>
      </form>
      ${error === undefined ? null : html`<p class="error" role="alert">${error}</p>`}
      ${report === undefined || c === undefined ? (error === undefined ? html`<p aria-busy="true">Loading report…</p>` : null) : html`
        <p data-testid="pq-summary"><span class=${`badge ${report.pass === false ? 'bad' : report.pass === true ? 'ok' : ''}`}
          data-testid="pq-verdict">${verdict(report.pass)}</span> ${report.week}, ${report.from} to ${report.to} (${report.timeZone}) ·
          Udin ${report.declaredVoltage} V, ${report.nominalFrequency} Hz · <span data-testid="pq-coverage">${
            `${c.intervalsWithData} of ${c.expectedIntervals} intervals with data (${share(c.share, 1)})`}</span>,
          ${c.flaggedIntervals} flagged</p>
        <p>Download: <a href=${ctx.api.weeklyPowerQualityUrl(id, 'pdf', report.week, report.timeZone)} download
          data-testid="pq-pdf">PDF report</a>${hasRole(ctx.session.user.role, 'analyst') ? html` · <a
          href=${ctx.api.weeklyPowerQualityUrl(id, 'csv', report.week, report.timeZone)} download data-testid="pq-csv">${
            'CSV of the ten-minute values'}</a>` : null}</p>
        <${Compliance} report=${report} />
        <${Events} report=${report} />`}
    </main>`;
}
