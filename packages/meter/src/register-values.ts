// The registers and demand of a meter by catalogue key, and their place in a snapshot.
import type { QuantityKey } from '@phasewire/core';
import type { EnergyRegisters } from './energy-registers.ts';
import { slot } from './value-layout.ts';

type Direction = 'Import' | 'Export';
type Where = '' | 'L1' | 'L2' | 'L3';

/** Keys of the catalogue's energy registers and demand quantities. */
export type RegisterKey = (`${'active' | 'reactive'}Energy${Direction}${Where}` | `reactiveEnergyQ${1 | 2 | 3 | 4}`
  | 'activeDemandImport' | 'activeDemandImportMax') & QuantityKey;

/** Energy registers in Wh and varh, demand in W. */
export type RegisterValues = Readonly<Record<RegisterKey, number>>;

const wheres: readonly Where[] = ['L1', 'L2', 'L3', ''];

export function registerValues(r: EnergyRegisters): RegisterValues {
  const values: Partial<Record<RegisterKey, number>> = {};
  wheres.forEach((where, k) => {
    values[`activeEnergyImport${where}`] = r.activeImport[k] ?? 0;
    values[`activeEnergyExport${where}`] = r.activeExport[k] ?? 0;
    values[`reactiveEnergyImport${where}`] = r.reactiveImport[k] ?? 0;
    values[`reactiveEnergyExport${where}`] = r.reactiveExport[k] ?? 0;
  });
  values.reactiveEnergyQ1 = r.quadrant[0] ?? 0;
  values.reactiveEnergyQ2 = r.quadrant[1] ?? 0;
  values.reactiveEnergyQ3 = r.quadrant[2] ?? 0;
  values.reactiveEnergyQ4 = r.quadrant[3] ?? 0;
  values.activeDemandImport = r.currentDemand();
  values.activeDemandImportMax = r.maxDemand();
  return values as RegisterValues;
}

/** The energy registers' keys (demand is not a register a meter carries over: it restarts per block). */
export type EnergyRegisterKey = Exclude<RegisterKey, 'activeDemandImport' | 'activeDemandImportMax'>;

export const energyRegisterKeys: readonly EnergyRegisterKey[] = [
  ...wheres.flatMap((where) => [`activeEnergyImport${where}`, `activeEnergyExport${where}`, `reactiveEnergyImport${where}`,
  `reactiveEnergyExport${where}`] as const),
  'reactiveEnergyQ1', 'reactiveEnergyQ2', 'reactiveEnergyQ3', 'reactiveEnergyQ4',
];

/**
 * Sets the registers to where a meter's registers stood (Wh, varh by key; absent keys stay as they
 * are): a meter that is restarted carries its energy on rather than starting again at zero, which
 * the MDM would read as a register going backwards or a meter exchange.
 */
export function restoreRegisters(r: EnergyRegisters, values: Partial<Record<EnergyRegisterKey, number>>): void {
  wheres.forEach((where, k) => {
    r.activeImport[k] = values[`activeEnergyImport${where}`] ?? r.activeImport[k] ?? 0;
    r.activeExport[k] = values[`activeEnergyExport${where}`] ?? r.activeExport[k] ?? 0;
    r.reactiveImport[k] = values[`reactiveEnergyImport${where}`] ?? r.reactiveImport[k] ?? 0;
    r.reactiveExport[k] = values[`reactiveEnergyExport${where}`] ?? r.reactiveExport[k] ?? 0;
  });
  const quadrants = [values.reactiveEnergyQ1, values.reactiveEnergyQ2, values.reactiveEnergyQ3, values.reactiveEnergyQ4];
  quadrants.forEach((value, k) => { r.quadrant[k] = value ?? r.quadrant[k] ?? 0; });
}

const slots = (name: 'activeEnergyImport' | 'activeEnergyExport' | 'reactiveEnergyImport' | 'reactiveEnergyExport'): readonly number[] =>
  wheres.map((where) => slot[`${name}${where}`]);

const at = {
  activeImport: slots('activeEnergyImport'), activeExport: slots('activeEnergyExport'),
  reactiveImport: slots('reactiveEnergyImport'), reactiveExport: slots('reactiveEnergyExport'),
  quadrant: [slot.reactiveEnergyQ1, slot.reactiveEnergyQ2, slot.reactiveEnergyQ3, slot.reactiveEnergyQ4],
};

/** Writes the registers and demand into their catalogue slots. */
export function writeRegisters(r: EnergyRegisters, out: Float64Array): void {
  for (let k = 0; k < 4; k++) {
    out[at.activeImport[k] ?? 0] = r.activeImport[k] ?? 0;
    out[at.activeExport[k] ?? 0] = r.activeExport[k] ?? 0;
    out[at.reactiveImport[k] ?? 0] = r.reactiveImport[k] ?? 0;
    out[at.reactiveExport[k] ?? 0] = r.reactiveExport[k] ?? 0;
    out[at.quadrant[k] ?? 0] = r.quadrant[k] ?? 0;
  }
  out[slot.activeDemandImport] = r.currentDemand();
  out[slot.activeDemandImportMax] = r.maxDemand();
}
