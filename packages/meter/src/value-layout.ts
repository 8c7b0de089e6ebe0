// Where each catalogue quantity sits in a flat Float64Array, so that the hot path writes numbers by
// index and builds the snapshot's Map once, in catalogue order.
import { catalogue, type ObisCode, type QuantityKey } from '@phasewire/core';

export const valueCount = catalogue.length;

/** The index of each quantity key in a value array (catalogue order). */
export const slot = Object.fromEntries(catalogue.map((q, i) => [q.key, i])) as Readonly<Record<QuantityKey, number>>;

type PerPhaseName = 'voltage' | 'current' | 'activePower' | 'reactivePowerImport' | 'reactivePowerExport' | 'apparentPower'
  | 'powerFactor' | 'voltageThd' | 'currentThd' | 'activeEnergyImport' | 'activeEnergyExport' | 'reactiveEnergyImport'
  | 'reactiveEnergyExport';

/** The three slots L1, L2, L3 of a per-phase quantity. */
export function phaseSlots(name: PerPhaseName): readonly [number, number, number] {
  return [slot[`${name}L1`], slot[`${name}L2`], slot[`${name}L3`]];
}

const codes: readonly ObisCode[] = catalogue.map((q) => q.obis);

/**
 * The snapshot's values: every catalogue quantity the interval defines, in catalogue order. A
 * quantity left NaN is undefined for the interval (the power factor of a phase without current) and
 * is absent from the snapshot, as it is then on the wire, in the store and in the API.
 */
export function toValueMap(values: Float64Array): Map<ObisCode, number> {
  const map = new Map<ObisCode, number>();
  for (let k = 0; k < codes.length; k++) {
    const value = values[k] ?? 0;
    if (!Number.isNaN(value)) map.set(codes[k] as ObisCode, value);
  }
  return map;
}
