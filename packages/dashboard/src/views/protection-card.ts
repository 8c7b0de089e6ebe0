// The meter's local protection (docs/protection.md): its relay as it last reported it, the settings
// and load limit it confirmed, and its trips with the values before them.
import { html } from 'htm/preact';
import type { ProtectionDto } from '@phasewire/api';
import { formatTime } from '../lib/format.ts';
import { relayText } from '../lib/relay.ts';
import { preTripValues } from './trip-values.ts';

export function ProtectionCard(props: { readonly protection: ProtectionDto | null }) {
  const p = props.protection;
  if (p === null) return null;
  const { settings, loadLimit, relay } = p;
  const last = p.trips[0];
  return html`
    <section class="card protection" aria-labelledby="protection-title">
      <h2 id="protection-title">Local protection</h2>
      <p data-testid="protection-relay"><strong>${relayText(relay)}</strong>${relay === null ? '' : ` since ${formatTime(relay.since)}`}.
        ${last === undefined ? ' No trip recorded.'
          : html` Last trip ${formatTime(last.at)}: <strong>${last.fn}</strong> — ${last.reason}.`}</p>
      <p class="muted" data-testid="protection-settings">${settings === null ? 'Settings: none sent (the meter runs its defaults).'
        : `Settings version ${settings.version}, confirmed ${formatTime(settings.confirmedAt)}.`}
        ${loadLimit === null ? ' No load limit.'
          : ` Load limit version ${loadLimit.version}, confirmed ${formatTime(loadLimit.confirmedAt)}.`}</p>
      ${p.trips.length === 0 ? null : html`
        <table class="mini">
          <thead><tr><th scope="col">Trip</th><th scope="col">Function</th><th scope="col">Pre-trip voltages</th>
            <th scope="col">Pre-trip currents</th><th scope="col">Voltage unbalance</th></tr></thead>
          <tbody>${p.trips.map((t) => {
            const values = preTripValues(t);
            return html`<tr key=${t.at + t.fn}><th scope="row">${formatTime(t.at)}</th><td>${t.fn}</td>
              <td>${values.voltages}</td><td>${values.currents}</td><td>${values.unbalance}</td></tr>`;
          })}</tbody>
        </table>`}
    </section>`;
}
