// Hash routes: the dashboard is static files, so the server needs no route of its own per view,
// and a reload or a shared link lands on the same view.

export type Route =
  | { readonly view: 'fleet' }
  | { readonly view: 'meter'; readonly id: string; readonly alarm?: string }
  /** The EN 50160 weekly report of a meter: an ISO week (YYYY-Www) in an IANA zone, each absent for the page's default. */
  | { readonly view: 'power-quality'; readonly id: string; readonly week?: string; readonly zone?: string }
  | { readonly view: 'alarms' }
  | { readonly view: 'devices' }
  | { readonly view: 'billing' }
  | { readonly view: 'trips' }
  | { readonly view: 'firmware' }
  | { readonly view: 'bill'; readonly id: string };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '');
  const [pathname = '', search = ''] = path.split('?', 2);
  const parts = pathname.split('/').filter((p) => p !== '');
  if (parts[0] === 'meters' && parts[1] !== undefined && parts.length === 2) {
    let id: string;
    try {
      id = decodeURIComponent(parts[1]);
    } catch {
      return { view: 'fleet' };
    }
    const alarm = new URLSearchParams(search).get('alarm');
    return alarm === null || alarm === '' ? { view: 'meter', id } : { view: 'meter', id, alarm };
  }
  if (parts[0] === 'meters' && parts[1] !== undefined && parts[2] === 'power-quality' && parts.length === 3) {
    let id: string;
    try {
      id = decodeURIComponent(parts[1]);
    } catch {
      return { view: 'fleet' };
    }
    const query = new URLSearchParams(search);
    const week = query.get('week') ?? '';
    const zone = query.get('zone') ?? '';
    return { view: 'power-quality', id, ...(week === '' ? {} : { week }), ...(zone === '' ? {} : { zone }) };
  }
  if (parts[0] === 'alarms' && parts.length === 1) return { view: 'alarms' };
  if (parts[0] === 'billing' && parts.length === 1) return { view: 'billing' };
  if (parts[0] === 'bills' && parts[1] !== undefined && parts.length === 2) {
    try {
      return { view: 'bill', id: decodeURIComponent(parts[1]) };
    } catch {
      return { view: 'billing' };
    }
  }
  if (parts[0] === 'devices' && parts.length === 1) return { view: 'devices' };
  if (parts[0] === 'trips' && parts.length === 1) return { view: 'trips' };
  if (parts[0] === 'firmware' && parts.length === 1) return { view: 'firmware' };
  return { view: 'fleet' };
}

export function formatRoute(route: Route): string {
  switch (route.view) {
    case 'fleet': return '#/fleet';
    case 'alarms': return '#/alarms';
    case 'devices': return '#/devices';
    case 'billing': return '#/billing';
    case 'trips': return '#/trips';
    case 'firmware': return '#/firmware';
    case 'bill': return `#/bills/${encodeURIComponent(route.id)}`;
    case 'power-quality': {
      const query = new URLSearchParams();
      if (route.week !== undefined) query.set('week', route.week);
      if (route.zone !== undefined) query.set('zone', route.zone);
      const search = query.toString();
      return `#/meters/${encodeURIComponent(route.id)}/power-quality${search === '' ? '' : `?${search}`}`;
    }
    case 'meter': {
      const base = `#/meters/${encodeURIComponent(route.id)}`;
      return route.alarm === undefined ? base : `${base}?alarm=${encodeURIComponent(route.alarm)}`;
    }
  }
}
