// Test support of @phasewire/server: what its tests of the whole server share.
import { Q } from '@phasewire/core';
import type { MeterId, Snapshot } from '@phasewire/core';

const quarterHour = 900_000;

/**
 * One 15-minute interval at 120 % of Udin (230 V) on every phase, in the interval that holds `now`:
 * the default over-voltage alarm raises it at once, critical (115 %).
 */
export function overVoltageSnapshot(meter: MeterId, now: number): Snapshot {
  const at = Math.floor(now / quarterHour) * quarterHour;
  const volts = 230 * 1.2;
  const values = new Map([[Q.voltageL1, volts], [Q.voltageL2, volts], [Q.voltageL3, volts], [Q.activeEnergyImport, 1_000_000]]);
  return { meter, at, values };
}
