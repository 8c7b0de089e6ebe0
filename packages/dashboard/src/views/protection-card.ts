// The meter's local protection (docs/protection.md): the relay as its last trip left it, the
// settings it confirmed, and its trips with the values before them.
import { html } from 'htm/preact';
import type { ProtectionDto } from '@phasewire/api';
import { formatTime } from '../lib/format.ts';

const list = (values: unknown, unit: string): string =>
  Array.isArray(values) ? values.map((v) => `${String(v)} ${unit}`).join(' · ') : '—';

/** The relay as the trip left it: open, or `none` for a meter behind a gateway (nothing to switch). */
const relayOf = (record: Readonly<Record<string, unknown>>): string => (typeof record['relay'] === 'string' ? record['relay'] : 'open');

export function ProtectionCard(props: { readonly protection: ProtectionDto | null }) {
  const p = props.protection;
  if (p === null) return null;
  const settings = p.settings;
  const last = p.trips[0];
  return html`
    <section class="card protection" aria-labelledby="protection-title">
      <h2 id="protection-title">Local protection</h2>
      <p data-testid="protection-relay">${last === undefined ? 'No trip recorded.'
        : html`Last trip ${formatTime(last.at)}: <strong>${last.fn}</strong> — ${last.reason}; relay ${relayOf(last.record)}.`}</p>
      <p class="muted" data-testid="protection-settings">${settings === null ? 'Settings: none sent (the meter runs its defaults).'
        : `Settings version ${settings.version}, confirmed ${formatTime(settings.confirmedAt)}.`}</p>
      ${p.trips.length === 0 ? null : html`
        <table class="mini">
          <thead><tr><th scope="col">Trip</th><th scope="col">Function</th><th scope="col">Pre-trip voltages</th>
            <th scope="col">Pre-trip currents</th></tr></thead>
          <tbody>${p.trips.map((t) => {
            const values = t.record['values'] as { voltage?: unknown; current?: unknown } | undefined;
            return html`<tr key=${t.at + t.fn}><th scope="row">${formatTime(t.at)}</th><td>${t.fn}</td>
              <td>${list(values?.voltage, 'V')}</td><td>${list(values?.current, 'A')}</td></tr>`;
          })}</tbody>
        </table>`}
    </section>`;
}
