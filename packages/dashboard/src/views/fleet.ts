// The fleet: summary by link profile, filters, and every meter worst imbalance first. Only the rows
// in view are in the DOM (lib/virtual-window.ts) and the server sorts, filters and pages, so 10,000
// meters cost what forty do.
import { html } from 'htm/preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { VNode } from 'preact';
import type { MeterQuery } from '../api/client.ts';
import type { FleetSummary, LinkProfile, MeterSummary } from '@phasewire/api';
import { FleetRows } from '../lib/fleet-rows.ts';
import { formatAge, formatPercent } from '../lib/format.ts';
import { formatRoute } from '../lib/route.ts';
import { unbalanceLevel } from '../lib/unbalance.ts';
import { rowWindow } from '../lib/virtual-window.ts';
import { errorText, type AppContext } from './context.ts';

const rowHeight = 40;
// A screenful first (shown at once), then the API's largest page (fewer round trips on a long scroll).
const firstPageSize = 100;
const pageSize = 1000;
const links: readonly LinkProfile[] = ['wifi', 'cellular', 'rs485'];
const linkName: Readonly<Record<LinkProfile, string>> = { wifi: 'Wi-Fi', cellular: 'Cellular', rs485: 'RS-485' };

interface Filter {
  readonly status: '' | 'online' | 'offline';
  readonly link: '' | LinkProfile;
  readonly alarm: boolean;
  readonly q: string;
  readonly sort: 'imbalance' | 'id' | 'lastSeen';
}

function toQuery(filter: Filter): MeterQuery {
  return {
    status: filter.status === '' ? undefined : filter.status,
    link: filter.link === '' ? undefined : filter.link,
    alarm: filter.alarm ? 'active' : undefined,
    q: filter.q.trim() === '' ? undefined : filter.q.trim(),
    sort: filter.sort,
  };
}

function Summary(props: { readonly summary: FleetSummary | undefined }) {
  const s = props.summary;
  if (s === undefined) return html`<section class="summary" aria-busy="true" aria-label="Fleet summary">Loading summary…</section>`;
  return html`
    <section class="summary" aria-label="Fleet summary">
      <div class="card stat"><span class="stat-label">Meters</span><span class="stat-value" data-testid="fleet-meters">${s.meters}</span>
        </div>
      <div class="card stat"><span class="stat-label">Online</span><span class="stat-value ok">${s.online}</span></div>
      <div class="card stat"><span class="stat-label">Offline</span>
        <span class="stat-value ${s.offline > 0 ? 'bad' : ''}">${s.offline}</span></div>
      <div class="card stat"><span class="stat-label">Active alarms</span>
        <span class="stat-value">
          <span class="sev-critical">${s.activeAlarms.critical} critical</span> · <span class="sev-warn">${s.activeAlarms.warn} warn</span>
          </span></div>
      <div class="card stat"><span class="stat-label">Completeness today</span>
        <span class="stat-value">${formatPercent(s.completenessToday)}</span></div>
      <div class="card stat links">
        <span class="stat-label">By link</span>
        <table class="mini">
          <thead><tr><th scope="col">Link</th><th scope="col">Online</th><th scope="col">Offline</th></tr></thead>
          <tbody>${links.map((l) => {
            const c = s.byLink[l];
            return html`<tr key=${l}><th scope="row">${linkName[l]}</th><td>${c.online}</td><td>${c.offline}</td></tr>`;
          })}</tbody>
        </table>
      </div>
    </section>`;
}

function Row(props: { readonly meter: MeterSummary | undefined; readonly index: number; readonly now: number }) {
  const m = props.meter;
  if (m === undefined) {
    return html`<div role="row" class="row placeholder" aria-rowindex=${props.index + 2} style=${{ height: `${rowHeight}px` }}>
      <span role="cell">Loading…</span></div>`;
  }
  const level = unbalanceLevel(m.vufPercent === null ? null : m.vufPercent / 100);
  const alarms = m.activeAlarms.critical + m.activeAlarms.warn;
  return html`
    <div role="row" class="row" aria-rowindex=${props.index + 2} data-meter=${m.id} style=${{ height: `${rowHeight}px` }}>
      <span role="cell" class="c-id"><a href=${formatRoute({ view: 'meter', id: m.id })}>${m.id}</a></span>
      <span role="cell" class="c-status"><span class=${`dot ${m.online ? 'on' : 'off'}`} aria-hidden="true">
        </span>${m.state === 'revoked' ? 'revoked' : m.online ? 'online' : 'offline'}</span>
      <span role="cell" class="c-link">${m.link === null ? '—' : linkName[m.link]}</span>
      <span role="cell" class="c-alarms">${alarms === 0 ? '—'
        : html`<span class=${m.activeAlarms.critical > 0 ? 'sev-critical' : 'sev-warn'}>${alarms}</span>`}</span>
      <span role="cell" class=${`c-vuf level-${level}`}>${m.vufPercent === null ? '—' : `${m.vufPercent.toFixed(2)} %`}</span>
      <span role="cell" class="c-complete">${formatPercent(m.completenessToday)}</span>
      <span role="cell" class="c-seen">${formatAge(m.lastSeen, props.now)}</span>
    </div>`;
}

export function FleetView(props: { readonly ctx: AppContext }) {
  const { api, bus, feed } = props.ctx;
  const [summary, setSummary] = useState<FleetSummary | undefined>(undefined);
  const [filter, setFilter] = useState<Filter>({ status: '', link: '', alarm: false, q: '', sort: 'imbalance' });
  const [search, setSearch] = useState('');
  const [version, setVersion] = useState(0);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(600);
  const [error, setError] = useState<string | undefined>(undefined);
  const scroller = useRef<HTMLDivElement>(null);
  const firstShown = useRef(false);

  const rows = useMemo(() => {
    performance.mark('pw:fleet:query');
    return new FleetRows((cursor, limit) => api.meters({ ...toQuery(filter), cursor, limit }), pageSize,
      () => { setVersion((v) => v + 1); }, firstPageSize);
  }, [api, filter]);

  useEffect(() => {
    // The fleet shows no readings: ask the live feed for meter and alarm messages only.
    feed.subscribe([]);
    api.fleetSummary().then(setSummary, (e: unknown) => { setError(errorText(e)); });
  }, [api, feed]);

  useEffect(() => {
    const off = bus.on((message) => {
      if (message.type === 'meter') rows.patch(message.meter, { online: message.online, state: message.state, lastSeen: message.lastSeen });
    });
    return off;
  }, [bus, rows]);

  // The search box filters on the server after a short pause in typing.
  useEffect(() => {
    const timer = setTimeout(() => {
      setFilter((f) => (f.q === search ? f : { ...f, q: search }));
    }, 200);
    return () => { clearTimeout(timer); };
  }, [search]);

  useEffect(() => {
    if (scroller.current !== null) scroller.current.scrollTop = 0;
    setScrollTop(0);
    return () => { rows.close(); };
  }, [rows]);

  useEffect(() => {
    const el = scroller.current;
    if (el === null) return undefined;
    const observer = new ResizeObserver(() => { setViewport(el.clientHeight); });
    observer.observe(el);
    return () => { observer.disconnect(); };
  }, []);

  const total = rows.total ?? 0;
  const win = rowWindow({ scrollTop, viewportHeight: viewport, rowHeight, total, overscan: 8 });

  useEffect(() => {
    if (total > 0) void rows.ensure(win.end - 1);
    else if (rows.total === undefined) void rows.ensure(0);
  }, [rows, win.end, total]);

  // Marks for the T14 benchmark: the first rows of a query are on screen.
  useEffect(() => {
    if (rows.rows.length > 0 && performance.getEntriesByName('pw:fleet:query', 'mark').length > 0) {
      performance.measure(firstShown.current ? 'pw:fleet:requery' : 'pw:fleet:first-rows', 'pw:fleet:query');
      performance.clearMarks('pw:fleet:query');
      firstShown.current = true;
    }
  }, [version, rows]);

  const now = Date.now();
  const shown: VNode[] = [];
  for (let k = win.first; k < win.end; k += 1) shown.push(html`<${Row} key=${k} index=${k} meter=${rows.rows[k]} now=${now} />`);
  const loadError = rows.error === undefined ? error : errorText(rows.error);

  return html`
    <main id="main" class="view fleet" aria-labelledby="fleet-title">
      <h1 id="fleet-title">Fleet</h1>
      <${Summary} summary=${summary} />
      <form class="filters" role="search" aria-label="Filter meters" onSubmit=${(e: Event) => { e.preventDefault(); }}>
        <label>Search id <input type="search" name="q" value=${search}
          onInput=${(e: Event) => { setSearch((e.currentTarget as HTMLInputElement).value); }} /></label>
        <label>Status
          <select name="status" value=${filter.status}
            onChange=${(e: Event) => {
            setFilter({ ...filter, status: (e.currentTarget as HTMLSelectElement).value as Filter['status'] }); }}>
            <option value="">all</option><option value="online">online</option><option value="offline">offline</option>
          </select></label>
        <label>Link
          <select name="link" value=${filter.link}
            onChange=${(e: Event) => { setFilter({ ...filter, link: (e.currentTarget as HTMLSelectElement).value as Filter['link'] }); }}>
            <option value="">all</option>${links.map((l) => html`<option value=${l}>${linkName[l]}</option>`)}
          </select></label>
        <label class="check"><input type="checkbox" name="alarm" checked=${filter.alarm}
          onChange=${(e: Event) => {
          setFilter({ ...filter, alarm: (e.currentTarget as HTMLInputElement).checked }); }} /> with active alarms</label>
        <label>Sort
          <select name="sort" value=${filter.sort}
            onChange=${(e: Event) => { setFilter({ ...filter, sort: (e.currentTarget as HTMLSelectElement).value as Filter['sort'] }); }}>
            <option value="imbalance">worst imbalance first</option><option value="id">meter id</option>
              <option value="lastSeen">last seen</option>
          </select></label>
        <span class="count" aria-live="polite">${rows.total === undefined ? 'loading…' : `${rows.total} meters`}</span>
      </form>
      ${loadError === undefined ? null : html`<p class="error" role="alert">${loadError}</p>`}
      <div class="grid" role="table" aria-label="Meters" aria-rowcount=${total + 1}>
        <div role="rowgroup" class="grid-head">
          <div role="row" class="row head" aria-rowindex="1">
            <span role="columnheader" class="c-id">Meter</span><span role="columnheader" class="c-status">Status</span>
            <span role="columnheader" class="c-link">Link</span><span role="columnheader" class="c-alarms">Alarms</span>
            <span role="columnheader" class="c-vuf" title="Voltage unbalance factor, IEC 61000-4-30">VUF (IEC)</span>
            <span role="columnheader" class="c-complete">Complete today</span><span role="columnheader" class="c-seen">Last seen</span>
          </div>
        </div>
        <div role="rowgroup" class="grid-body" ref=${scroller} tabindex="0" aria-label="Meter rows, scrollable"
          onScroll=${(e: Event) => { setScrollTop((e.currentTarget as HTMLDivElement).scrollTop); }}>
          <div style=${{ height: `${win.totalHeight}px`, position: 'relative' }}>
            <div style=${{ transform: `translateY(${win.offsetTop}px)` }}>${shown}</div>
          </div>
        </div>
      </div>
    </main>`;
}
