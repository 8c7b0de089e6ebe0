// The snapshots the analytics judge, read for the whole fleet at once: one store.readingsAt query
// per interval end (the fleet-interval query of T9) serves every meter of the run, where reading
// each meter's quantities apart would cost dozens of queries per meter. A meter's snapshot of the
// interval ending at t is its readings stamped exactly t: meters report their load-profile
// snapshot at the interval's end (the sensing layer and the agents do).
import type { MeterId, ObisCode, Snapshot } from '@phasewire/core';
import type { FleetInterval } from '@phasewire/store';
import type { MeterStore } from '@phasewire/store';
import { analyticsQuantities, type SnapshotSource } from './process-meter.ts';

export function fleetSnapshots(store: MeterStore, intervalMs: number): SnapshotSource {
  const cache = new Map<number, Promise<{ fleet: FleetInterval; rows: Map<MeterId, number> }>>();
  const at = (t: number): Promise<{ fleet: FleetInterval; rows: Map<MeterId, number> }> => {
    let entry = cache.get(t);
    if (entry === undefined) {
      entry = store.readingsAt(t, analyticsQuantities).then((fleet) => ({ fleet, rows: new Map(fleet.meters.map((m, i) => [m, i])) }));
      cache.set(t, entry);
    }
    return entry;
  };
  return async (meter, from, to) => {
    const snapshots: Snapshot[] = [];
    for (let t = from + intervalMs; t <= to; t += intervalMs) {
      const { fleet, rows } = await at(t);
      const row = rows.get(meter);
      if (row === undefined) continue;
      const width = fleet.quantities.length;
      const values = new Map<ObisCode, number>();
      fleet.quantities.forEach((q, c) => {
        const v = fleet.values[row * width + c];
        if (v !== undefined && !Number.isNaN(v)) values.set(q, v);
      });
      snapshots.push({ meter, at: t, values });
    }
    return snapshots;
  };
}
