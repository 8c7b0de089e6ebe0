// Data for the bill-run tests and benchmark: a flat tariff whose bills are easy to compute by hand,
// and register reads of the four billed registers for a meter with a constant load, so that every
// interval of a bill is known exactly.
import { Q, type MeterId, type Reading } from '@phasewire/core';

export const quarter = 900_000;

/**
 * One version of a flat tariff in Europe/Berlin: 10.00 EUR per period, `rate` EUR per kWh, no tax.
 * January 2026 is 2976 intervals: at 250 Wh each (1 kW), 744 kWh × 0.30 = 223.20 + 10.00 = 233.20 EUR.
 */
export const flatTariff = (version = 1, rate = '0.30', effectiveFrom = '2026-01-01'): Record<string, unknown> => ({
  id: 'flat-berlin', version, name: 'Flat (Berlin)', currency: 'EUR', timeZone: 'Europe/Berlin', effectiveFrom, rounding: 'half-up',
  components: [
    { kind: 'fixed', id: 'base', description: 'Base charge', per: 'period', amount: '10.00' },
    { kind: 'energy-flat', id: 'energy', description: 'Energy', rate },
  ],
});

/** January 2026 in Europe/Berlin as instants: 2025-12-31T23:00Z to 2026-01-31T23:00Z. */
export const january = { from: Date.UTC(2025, 11, 31, 23), to: Date.UTC(2026, 0, 31, 23) };

/**
 * Reads of the four billed registers of `meter` every 15 minutes in [from, to] (both ends), the
 * import register starting at `start` and growing by `importWh` per interval, reactive import by half
 * of that, export and reactive export by nothing.
 */
export function billedReads(meter: MeterId, from: number, to: number, start: number, importWh = 250): Reading[] {
  const out: Reading[] = [];
  for (let at = from, i = 0; at <= to; at += quarter, i++) {
    out.push({ meter, quantity: Q.activeEnergyImport, at, value: start + i * importWh });
    out.push({ meter, quantity: Q.activeEnergyExport, at, value: 0 });
    out.push({ meter, quantity: Q.reactiveEnergyImport, at, value: start / 2 + (i * importWh) / 2 });
    out.push({ meter, quantity: Q.reactiveEnergyExport, at, value: 0 });
  }
  return out;
}
