// The shell: restores or opens the session, routes by hash, runs the one live connection and
// hands every view the same context.
import { html } from 'htm/preact';
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import type { ApiClient } from '../api/client.ts';
import type { LiveFeed } from '../api/live.ts';
import type { Session } from '@phasewire/api';
import type { LiveBus } from '../live-bus.ts';
import { parseRoute, type Route } from '../lib/route.ts';
import { AlarmsView } from './alarms.ts';
import { BillView } from './bill.ts';
import { BillingView } from './billing.ts';
import { hasRole } from '../lib/roles.ts';
import { errorText, type AppContext } from './context.ts';
import { DevicesView } from './devices.ts';
import { FleetView } from './fleet.ts';
import { LoginView } from './login.ts';
import { MeterView } from './meter.ts';
import { TripsView } from './trips.ts';
import { FirmwareView } from './firmware.ts';
import { PowerQualityView } from './power-quality.ts';

export interface AppProps {
  readonly api: ApiClient;
  readonly bus: LiveBus;
  readonly feed: LiveFeed;
}

const nav: readonly { readonly view: Route['view']; readonly href: string; readonly label: string }[] = [
  { view: 'fleet', href: '#/fleet', label: 'Fleet' },
  { view: 'alarms', href: '#/alarms', label: 'Alarms' },
  { view: 'trips', href: '#/trips', label: 'Trips' },
  { view: 'devices', href: '#/devices', label: 'Devices' },
  { view: 'firmware', href: '#/firmware', label: 'Firmware' },
  { view: 'billing', href: '#/billing', label: 'Billing' },
];

export function App(props: AppProps) {
  const { api, bus, feed } = props;
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [route, setRoute] = useState<Route>(() => parseRoute(location.hash));
  const [connected, setConnected] = useState(false);
  const [message, setMessage] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);

  useEffect(() => {
    api.restore().then((s) => { setSession(s ?? null); }, (e: unknown) => { setError(errorText(e)); setSession(null); });
    const onHash = () => { setRoute(parseRoute(location.hash)); };
    addEventListener('hashchange', onHash);
    return () => { removeEventListener('hashchange', onHash); };
  }, [api]);

  useEffect(() => {
    if (session === null || session === undefined) return undefined;
    const offStatus = bus.onStatus(setConnected);
    // The server closed the live feed because the session ended (signed out elsewhere, expired,
    // password or role changed): the cookie is no good any more, so back to the sign-in form.
    const offEnded = bus.onSessionEnded((reason) => {
      setError(`You were signed out: ${reason}. Sign in again.`);
      setSession(null);
    });
    feed.start();
    return () => {
      offStatus();
      offEnded();
      feed.stop();
    };
  }, [session, bus, feed]);

  // A new view: move focus to its heading so keyboard and screen-reader users start there.
  useEffect(() => {
    const heading = document.querySelector<HTMLElement>('main h1');
    if (heading !== null) {
      heading.tabIndex = -1;
      heading.focus({ preventScroll: true });
    }
  }, [route.view, route.view === 'meter' || route.view === 'bill' || route.view === 'power-quality' ? route.id : '']);

  const announce = useCallback((text: string) => { setMessage(text); }, []);
  const ctx = useMemo<AppContext | undefined>(
    () => (session === null || session === undefined ? undefined : { api, bus, feed, session, announce }),
    [api, bus, feed, session, announce],
  );

  if (session === undefined) return html`<p class="loading" aria-busy="true">Loading…</p>`;
  if (ctx === undefined) {
    return html`${error === undefined ? null : html`<p class="error" role="alert">${error}</p>`}
      <${LoginView} api=${api} onSession=${(s: Session) => { setError(undefined); setSession(s); }} />`;
  }

  let view;
  switch (route.view) {
    case 'meter': view = html`<${MeterView} key=${route.id} ctx=${ctx} id=${route.id} alarm=${route.alarm} />`; break;
    case 'power-quality': view = html`<${PowerQualityView} key=${route.id} ctx=${ctx} id=${route.id} week=${route.week}
      zone=${route.zone} />`; break;
    case 'alarms': view = html`<${AlarmsView} ctx=${ctx} />`; break;
    case 'devices': view = html`<${DevicesView} ctx=${ctx} />`; break;
    case 'trips': view = html`<${TripsView} ctx=${ctx} />`; break;
    case 'firmware': view = html`<${FirmwareView} ctx=${ctx} />`; break;
    case 'billing': view = html`<${BillingView} ctx=${ctx} />`; break;
    case 'bill': view = html`<${BillView} key=${route.id} ctx=${ctx} id=${route.id} />`; break;
    default: view = html`<${FleetView} ctx=${ctx} />`;
  }
  const current = route.view === 'meter' || route.view === 'power-quality' ? 'fleet' : route.view === 'bill' ? 'billing' : route.view;
  const shown = nav.filter((n) => n.view !== 'billing' || hasRole(ctx.session.user.role, 'billing'));
  return html`
    <a class="skip" href="#main"
      onClick=${(e: Event) => { e.preventDefault(); document.querySelector<HTMLElement>('main h1')?.focus(); }}>Skip to content</a>
    <header class="top">
      <span class="brand">phasewire</span>
      <nav aria-label="Views">
        <ul>${shown.map((n) =>
          html`<li key=${n.view}><a href=${n.href} aria-current=${n.view === current ? 'page' : undefined}>${n.label}</a></li>`)}</ul>
      </nav>
      <span class=${`live-status ${connected ? 'ok' : ''}`} data-testid="live-status">${connected ? 'live' : 'connecting…'}</span>
      <span class="user">${ctx.session.user.username} (${ctx.session.user.role})</span>
      <button type="button"
        onClick=${() => { feed.stop();
        api.logout().then(() => { setSession(null); }, (e: unknown) => { setError(errorText(e)); }); }}>Sign out</button>
    </header>
    ${view}
    <div class="sr-only" role="status" aria-live="polite">${message}</div>`;
}
