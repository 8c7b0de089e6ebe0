// One meter: live phasors and values, the three unbalance figures with their standards, per-phase
// charts, energy per day and month, data quality, its alarms, and the operator's actions.
import { html } from 'htm/preact';
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import type { AlarmDto, IntervalPoint, MeterDetail, PowerQuality, ProtectionDto, QualityDays, Rollups } from '@phasewire/api';
import { meterWindows, windowEnd } from '../lib/data-window.ts';
import { energyBars } from '../lib/energy.ts';
import { formatAge, formatEnergy, formatPercent, formatTime, formatValue } from '../lib/format.ts';
import { OBIS } from '../lib/obis.ts';
import { qualityBands, qualityCounts, qualityText } from '../lib/quality-marks.ts';
import { unbalanceLabels, unbalanceLevel } from '../lib/unbalance.ts';
import { AlarmList, mergeAlarm } from './alarm-list.ts';
import { Chart, type ChartSeries } from './chart.ts';
import { errorText, type AppContext } from './context.ts';
import { DeviceActions } from './device-actions.ts';
import { PhasorDiagram } from './phasor-diagram.ts';
import { ProtectionCard } from './protection-card.ts';
import { relayText } from '../lib/relay.ts';
import { formatRoute } from '../lib/route.ts';
import { appendPoint, loadSeries, rangeOf, ranges, type RangeKey } from './series.ts';

const phaseColours = ['#b45309', '#111827', '#6b7280'] as const;
const phaseSeries =
  (unit: string): ChartSeries[] => ['L1', 'L2', 'L3'].map((p, k) => ({ label: p, color: phaseColours[k] ?? '#000', unit }));
type ChartData = (number | null)[][];
interface PhaseSeries {
  range: RangeKey;
  v?: ChartData;
  i?: ChartData;
  pf?: ChartData;
}
const phaseCharts: readonly { readonly key: 'v' | 'i' | 'pf'; readonly title: string; readonly unit: string;
  readonly codes: readonly string[] }[] = [
  { key: 'v', title: 'Voltage', unit: 'V', codes: [OBIS.voltageL1, OBIS.voltageL2, OBIS.voltageL3] },
  { key: 'i', title: 'Current', unit: 'A', codes: [OBIS.currentL1, OBIS.currentL2, OBIS.currentL3] },
  { key: 'pf', title: 'Power factor', unit: '', codes: [OBIS.powerFactorL1, OBIS.powerFactorL2, OBIS.powerFactorL3] },
];
const dayMs = 86_400_000;

function LiveValues(props: { readonly values: Readonly<Record<string, number>>; readonly at: string | null }) {
  const v = props.values;
  return html`
    <section class="card live" aria-labelledby="live-title">
      <h2 id="live-title">Live values <span class="muted">${props.at === null ? '' : formatTime(props.at)}</span></h2>
      <table class="mini">
        <thead><tr><th scope="col">Phase</th><th scope="col">Voltage</th><th scope="col">Current</th><th scope="col">PF</th></tr></thead>
        <tbody>${(['L1', 'L2', 'L3'] as const).map((p) => html`
          <tr key=${p}><th scope="row">${p}</th>
            <td data-testid=${`live-voltage-${p}`}>${formatValue(v[OBIS[`voltage${p}`]], 'V')}</td>
            <td data-testid=${`live-current-${p}`}>${formatValue(v[OBIS[`current${p}`]], 'A')}</td>
            <td>${formatValue(v[OBIS[`powerFactor${p}`]], '')}</td></tr>`)}
          <tr><th scope="row">N</th><td>—</td><td>${formatValue(v[OBIS.currentNeutral], 'A')}</td><td>—</td></tr>
        </tbody>
      </table>
      <p class="muted">Frequency ${formatValue(v[OBIS.frequency], 'Hz')} · Active power ${formatValue(v[OBIS.activePower], 'W')}</p>
    </section>`;
}

function Unbalance(props: { readonly pq: PowerQuality | null | undefined; readonly vufPercent: number | null }) {
  const u = props.pq?.unbalance;
  return html`
    <section class="card unbalance" aria-labelledby="unbalance-title">
      <h2 id="unbalance-title">Voltage unbalance</h2>
      <dl>${unbalanceLabels.map((label) => {
        // The API gives VUF, LVUR and PVUR in percent, like the fleet list's vufPercent.
        const fromApi = u?.[label.key].value ?? null;
        const percent = fromApi ?? (label.key === 'vuf' ? props.vufPercent : null);
        const level = unbalanceLevel(percent === null ? null : percent / 100);
        return html`
          <div class=${`figure level-${level}`} key=${label.key} data-figure=${label.key}>
            <dt><abbr title=${label.definition}>${label.name}</abbr> <span class="standard">${label.standard}</span></dt>
            <dd>${percent === null ? '—' : `${percent.toFixed(2)} %`} <span class="level">${level === 'unknown' ? '' : level}</span></dd>
          </div>`;
      })}</dl>
      <p class="muted">Limit 2 % VUF (EN 50160); NEMA MG 1 derates motors from 1 %.</p>
    </section>`;
}

function QualityTable(props: { readonly days: Readonly<QualityDays['days']> }) {
  if (props.days.length === 0) return html`<p class="empty">No quality figures yet.</p>`;
  return html`
    <table class="mini">
      <thead><tr><th scope="col">Day</th><th scope="col">Complete</th><th scope="col">Estimated</th><th scope="col">Edited</th>
        <th scope="col">Failed</th></tr></thead>
      <tbody>${props.days.map((d) => html`<tr key=${d.day}><th scope="row">${d.day}</th><td>${formatPercent(d.completeness)}</td>
        <td>${d.estimated}</td><td>${d.edited}</td><td>${d.failed}</td></tr>`)}</tbody>
    </table>`;
}

export function MeterView(props: { readonly ctx: AppContext; readonly id: string; readonly alarm?: string | undefined }) {
  const { ctx, id } = props;
  const { api, bus, feed } = ctx;
  const [meter, setMeter] = useState<MeterDetail | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [latest, setLatest] = useState<{ at: string | null; values: Readonly<Record<string, number>> }>({ at: null, values: {} });
  const [pq, setPq] = useState<PowerQuality | null | undefined>(undefined);
  const [protection, setProtection] = useState<ProtectionDto | null>(null);
  const [alarms, setAlarms] = useState<readonly AlarmDto[]>([]);
  const [range, setRange] = useState<RangeKey>('day');
  const [series, setSeries] = useState<PhaseSeries>({ range: 'day' });
  const [daily, setDaily] = useState<Readonly<Rollups['points']>>([]);
  const [monthly, setMonthly] = useState<Readonly<Rollups['points']>>([]);
  const [intervals, setIntervals] = useState<readonly IntervalPoint[]>([]);
  const [quality, setQuality] = useState<Readonly<QualityDays['days']>>([]);
  /** Where the windows end: the meter's latest reading, in the server's time (lib/data-window.ts). */
  const [end, setEnd] = useState<number | undefined>(undefined);

  useEffect(() => {
    setMeter(undefined);
    setError(undefined);
    setEnd(undefined);
    let stale = false;
    api.meter(id).then((m) => {
      if (stale) return;
      setMeter(m);
      setLatest({ at: m.latest?.at ?? null, values: m.latest?.values ?? {} });
      const windows = meterWindows(windowEnd(m.latest?.at, Date.now()));
      setEnd(Date.parse(windows.week.to));
      api.powerQuality(id, windows.week).then(setPq, () => { setPq(null); });
      api.protection(id).then(setProtection, () => { setProtection(null); });
      const energy = OBIS.activeEnergyImport;
      api.rollups(id, energy, 'day', windows.days31).then(setDaily, () => undefined);
      api.rollups(id, energy, 'month', windows.days366).then(setMonthly, () => undefined);
      api.intervals(id, energy, windows.days2).then(setIntervals, () => undefined);
      api.quality(id, windows.week).then(setQuality, () => undefined);
    }, (e: unknown) => { if (!stale) setError(errorText(e)); });
    api.alarms({ meter: id, state: 'all', limit: 50 }).then((page) => { setAlarms(page.items); }, () => undefined);
    feed.subscribe([id]);
    const off = bus.on((message) => {
      if (message.type === 'reading' && message.meter === id) {
        setLatest({ at: message.at, values: message.values });
        // The raw-reading ranges grow with the live feed; the rollup ranges wait for a reload.
        setSeries((shown) => {
          if (shown.range !== 'day' && shown.range !== 'week') return shown;
          const x = Date.parse(message.at) / 1000;
          const span = (ranges.find((r) => r.key === shown.range)?.ms ?? dayMs) / 1000;
          const next: PhaseSeries = { range: shown.range };
          for (const chart of phaseCharts) {
            const data = shown[chart.key];
            if (data !== undefined) next[chart.key] = appendPoint(data, x, chart.codes.map((code) => message.values[code] ?? null), span);
          }
          return next;
        });
      } else if (message.type === 'meter' && message.meter === id) {
        setMeter((m) => (m === undefined ? m : { ...m, online: message.online, state: message.state, lastSeen: message.lastSeen }));
      } else if (message.type === 'alarm' && message.alarm.meter === id) {
        setAlarms((list) => mergeAlarm(list, message.alarm));
      }
    });
    return () => { stale = true; off(); };
  }, [api, bus, feed, id]);

  useEffect(() => {
    if (end === undefined) return undefined;
    let stale = false;
    const r = rangeOf(range, end);
    if (range === 'year') performance.mark('pw:chart:request');
    setSeries({ range });
    // Each chart draws as soon as its own three series are in: voltage first, as the user reads it.
    for (const chart of phaseCharts) {
      loadSeries(api, id, chart.codes, range, r).then((data) => {
        if (!stale) setSeries((shown) => (shown.range === range ? { ...shown, [chart.key]: data } : shown));
      }, (e: unknown) => { if (!stale) setError(errorText(e)); });
    }
    return () => { stale = true; };
  }, [api, id, range, end]);

  const onVoltageDrawn = useCallback(() => {
    // Only the chart of the year's data counts, not a redraw of the previous range's.
    if (series.range === 'year' && series.v !== undefined && performance.getEntriesByName('pw:chart:request', 'mark').length > 0) {
      performance.measure('pw:chart:year', 'pw:chart:request');
      performance.clearMarks('pw:chart:request');
    }
  }, [series]);

  const energyDay = useMemo(() => energyBars(daily), [daily]);
  const energyMonth = useMemo(() => energyBars(monthly), [monthly]);
  const intervalData = useMemo(() => {
    const xs = intervals.map((p) => Date.parse(p.start) / 1000);
    return [xs, intervals.map((p) => p.value)];
  }, [intervals]);
  const bands = useMemo(() => qualityBands(intervals, intervals.length > 1
    ? (Date.parse(intervals[1]?.start ?? '') - Date.parse(intervals[0]?.start ?? '')) / 1000 || 900 : 900), [intervals]);
  const counts = qualityCounts(intervals);

  if (error !== undefined && meter === undefined) {
    return html`<main id="main" class="view"><h1>Meter ${id}</h1><p class="error" role="alert">${error}</p><p>
      <a href="#/fleet">Back to the fleet</a></p></main>`;
  }
  return html`
    <main id="main" class="view meter" aria-labelledby="meter-title">
      <p class="crumbs"><a href="#/fleet">Fleet</a> › ${id} · <a href=${formatRoute({ view: 'power-quality', id })}>Power quality
        report (EN 50160)</a></p>
      <header class="meter-head">
        <h1 id="meter-title">Meter ${id}</h1>
        ${meter === undefined ? html`<span aria-busy="true">Loading…</span>` : html`
          <span class=${`badge ${meter.online ? 'ok' : 'bad'}`} data-testid="meter-online">${meter.online ? 'online' : 'offline'}</span>
          <span class="badge" data-testid="meter-state">${meter.state}</span>
          <span class=${`badge ${meter.relay?.state === 'open' ? 'warn' : ''}`} data-testid="meter-relay">${relayText(meter.relay)}</span>
          <span class="muted">${meter.model ?? 'unknown model'} · ${meter.link ?? 'no link'} · serial ${meter.serial} · last seen ${
            formatAge(meter.lastSeen, Date.now())}
            ${meter.certificate === null ? ' · no certificate'
              : ` · certificate ${meter.certificate.serial}${meter.certificate.notAfter === null ? ''
                : ` until ${formatTime(meter.certificate.notAfter)}`}`}</span>`}
      </header>
      ${error === undefined ? null : html`<p class="error" role="alert">${error}</p>`}
      ${meter === undefined ? null : html`<${DeviceActions} ctx=${ctx} meter=${meter} onMeter=${setMeter} />`}
      <${ProtectionCard} protection=${protection} />
      <div class="panels">
        <${PhasorDiagram} values=${latest.values} />
        <${LiveValues} values=${latest.values} at=${latest.at} />
        <${Unbalance} pq=${pq} vufPercent=${meter?.vufPercent ?? null} />
      </div>
      <section aria-labelledby="alarms-title" class="section">
        <h2 id="alarms-title">Alarms</h2>
        <${AlarmList} ctx=${ctx} alarms=${alarms} showMeter=${false} highlight=${props.alarm}
          onChanged=${(a: AlarmDto) => { setAlarms((list) => mergeAlarm(list, a)); }} />
      </section>
      <section aria-labelledby="charts-title" class="section">
        <div class="section-head">
          <h2 id="charts-title">Per phase</h2>
          <div role="group" aria-label="Time range" class="segmented">
            ${ranges.map((r) => html`<button type="button" key=${r.key} aria-pressed=${range === r.key}
              onClick=${() => { setRange(r.key); }}>${r.label}</button>`)}
          </div>
        </div>
        <div class="charts">
          ${phaseCharts.map((chart) => {
            const data = series[chart.key];
            return data === undefined
              ? html`<figure class="chart card" key=${chart.key}><figcaption>${chart.title}</figcaption><p aria-busy="true">Loading…</p>
                </figure>`
              : html`<${Chart} key=${chart.key} title=${chart.title} series=${phaseSeries(chart.unit)} data=${data}
                  onDrawn=${chart.key === 'v' ? onVoltageDrawn : undefined} />`;
          })}
        </div>
      </section>
      <section aria-labelledby="energy-title" class="section">
        <h2 id="energy-title">Energy (import)</h2>
        <div class="charts">
          <${Chart} title=${`Per day, last 31 days: ${formatEnergy(energyDay.totalWh)}`}
            series=${[{ label: 'Energy', color: '#b45309', unit: 'kWh' }]} data=${[energyDay.x, energyDay.kWh]} bars=${true} />
          <${Chart} title=${`Per month, last 12 months: ${formatEnergy(energyMonth.totalWh)}`}
            series=${[{ label: 'Energy', color: '#374151', unit: 'kWh' }]} data=${[energyMonth.x, energyMonth.kWh]} bars=${true} />
        </div>
      </section>
      <section aria-labelledby="quality-title" class="section">
        <h2 id="quality-title">Data quality</h2>
        <div class="charts">
          <${Chart} title="Interval energy, last 2 days (shaded: estimated, edited, failed, missing)"
            series=${[{ label: 'Interval', color: '#111827', unit: 'Wh' }]} data=${intervalData} bands=${bands} />
          <div class="card">
            <ul class="quality-legend" aria-label="Interval quality counts">
              ${(['estimated', 'edited', 'failed', 'missing'] as const).map((q) => html`<li key=${q}><span class=${`swatch q-${q}`}
                aria-hidden="true"></span>${qualityText[q]}: <span data-quality=${q}>${counts[q]}</span></li>`)}
            </ul>
            <${QualityTable} days=${quality} />
          </div>
        </div>
      </section>
    </main>`;
}
