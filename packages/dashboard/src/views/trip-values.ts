// The values a trip record keeps (docs/protection.md, "Trips and the record"): before the trip (the
// window before the one that decided it) when the record has them, else at the trip.
import type { ProtectionTrip } from '@phasewire/api';

interface Values {
  readonly voltage?: unknown;
  readonly current?: unknown;
  readonly voltageUnbalance?: unknown;
}

const list = (values: unknown, unit: string): string =>
  (Array.isArray(values) ? values.map((v) => `${String(v)} ${unit}`).join(' · ') : '—');

/** Pre-trip phase voltages, line currents and NEMA voltage unbalance of a trip, as text. */
export function preTripValues(trip: ProtectionTrip): { readonly voltages: string; readonly currents: string; readonly unbalance: string } {
  const record = trip.record as { readonly before?: Values; readonly values?: Values };
  const values = record.before ?? record.values;
  const unbalance = values?.voltageUnbalance;
  return {
    voltages: list(values?.voltage, 'V'),
    currents: list(values?.current, 'A'),
    unbalance: typeof unbalance === 'number' ? `${(unbalance * 100).toFixed(2)} %` : '—',
  };
}
