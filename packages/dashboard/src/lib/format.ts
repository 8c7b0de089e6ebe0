// Number and time formatting for the views: fixed decimals per unit, a dash for no value, and
// ages relative to a `now` the caller passes in (so the functions are pure and testable).

const decimals: Readonly<Record<string, number>> = { V: 1, A: 2, W: 0, kW: 2, kWh: 1, Hz: 2, '%': 2, deg: 1, '': 3 };

/** `231.4 V`; '—' for null, undefined or a non-finite number. */
export function formatValue(value: number | null | undefined, unit: string): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  const places = decimals[unit] ?? 2;
  const text = value.toFixed(places);
  const shown = text === `-${(0).toFixed(places)}` ? (0).toFixed(places) : text;
  return unit === '' ? shown : unit === 'deg' ? `${shown}°` : `${shown} ${unit}`;
}

/** A ratio 0..1 as a percentage, `97.9 %`. */
export function formatPercent(ratio: number | null | undefined, places = 1): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return '—';
  return `${(ratio * 100).toFixed(places)} %`;
}

/** Energy in Wh shown in kWh or MWh, whichever keeps the number readable. */
export function formatEnergy(wattHours: number | null | undefined): string {
  if (wattHours === null || wattHours === undefined || !Number.isFinite(wattHours)) return '—';
  const abs = Math.abs(wattHours);
  if (abs >= 1e6) return `${(wattHours / 1e6).toFixed(2)} MWh`;
  return `${(wattHours / 1e3).toFixed(1)} kWh`;
}

/** How long ago an ISO time was, coarsely: `just now`, `42 s ago`, `5 min ago`, `3 h ago`, `2 d ago`. */
export function formatAge(iso: string | null, nowMs: number): string {
  if (iso === null) return 'never';
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return 'unknown';
  const seconds = Math.max(0, Math.round((nowMs - at) / 1000));
  if (seconds < 5) return 'just now';
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86_400)} d ago`;
}

/** `2026-01-05 13:45 UTC` from an ISO string; the operator's fleet spans time zones, so UTC. */
export function formatTime(iso: string | null): string {
  if (iso === null) return '—';
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return '—';
  return `${new Date(at).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
