// The fleet's Trips page: the meters whose relay is open now (tripped by local protection or load
// limiting, or disconnected remotely), and the latest trips with the values before each.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import type { ProtectionFleetDto } from '@phasewire/api';
import { formatTime } from '../lib/format.ts';
import { relayText } from '../lib/relay.ts';
import { errorText, type AppContext } from './context.ts';
import { preTripValues } from './trip-values.ts';

const meterLink = (id: string) => html`<a href=${`#/meters/${encodeURIComponent(id)}`}>${id}</a>`;

export function TripsView(props: { readonly ctx: AppContext }) {
  const { ctx } = props;
  const [fleet, setFleet] = useState<ProtectionFleetDto | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);

  useEffect(() => {
    ctx.feed.subscribe([]);
    ctx.api.protectionTrips(200).then(setFleet, (e: unknown) => { setError(errorText(e)); });
  }, [ctx]);

  return html`
    <main id="main" class="view" aria-labelledby="trips-view-title">
      <h1 id="trips-view-title">Trips</h1>
      ${error === undefined ? null : html`<p class="error" role="alert">${error}</p>`}
      ${fleet === undefined ? html`<p aria-busy="true">Loading trips…</p>` : html`
        <section class="section" aria-labelledby="open-relays-title">
          <h2 id="open-relays-title">Disconnected and tripped meters</h2>
          ${fleet.disconnected.length === 0 ? html`<p class="muted">Every relay is closed.</p>` : html`
            <table data-testid="open-relays">
              <thead><tr><th scope="col">Meter</th><th scope="col">Relay</th><th scope="col">Since</th></tr></thead>
              <tbody>${fleet.disconnected.map((d) => html`<tr key=${d.meter}><th scope="row">${meterLink(d.meter)}</th>
                <td>${relayText(d.relay)}</td><td>${formatTime(d.relay.since)}</td></tr>`)}</tbody>
            </table>`}
        </section>
        <section class="section" aria-labelledby="trip-history-title">
          <h2 id="trip-history-title">Trip history</h2>
          ${fleet.trips.length === 0 ? html`<p class="muted">No trip recorded.</p>` : html`
            <table data-testid="trip-history">
              <thead><tr><th scope="col">Time</th><th scope="col">Meter</th><th scope="col">Function</th><th scope="col">Why</th>
                <th scope="col">Pre-trip voltages</th><th scope="col">Pre-trip currents</th>
                <th scope="col">Voltage unbalance</th></tr></thead>
              <tbody>${fleet.trips.map((t) => {
                const values = preTripValues(t);
                return html`<tr key=${`${t.meter}-${t.at}-${t.fn}`}><th scope="row">${formatTime(t.at)}</th>
                  <td>${meterLink(t.meter)}</td><td>${t.fn}</td><td>${t.reason}</td><td>${values.voltages}</td><td>${values.currents}</td>
                  <td>${values.unbalance}</td></tr>`;
              })}</tbody>
            </table>`}
        </section>`}
    </main>`;
}
