// The quantity catalogue of a three-phase meter, each quantity named by its OBIS code.
// Value group C (quantity and phase), D (processing) and E (harmonic) after IEC 62056-6-1 /
// DLMS UA 1000-1 ("Blue Book"), §7.5 electricity: C 1..10 totals, 11 current, 12 voltage,
// 13 power factor, 14 frequency, 16 net active power; 21..40 phase L1, 41..60 L2, 61..80 L3 (the
// same offsets per phase: +1 +P, +2 −P, +3 +Q, +4 −Q, +9 +S, +11 current, +12 voltage, +13 PF,
// +15 net P); 81 angles; 90 sum of currents; 91 neutral current. D 7 instantaneous, 8 energy
// register, 4 current average demand, 6 maximum demand. E 124 THD.
//
// Line-to-line voltages have no code in the standard; phasewire names them in value group C's
// manufacturer-specific range 128..199: 132 U L1-L2, 152 U L2-L3, 172 U L3-L1, 128 their average.
//
// Sign conventions (IEC 62053-23 four quadrants, consumer reference): active power and energy are
// positive when imported (QI+QIV), negative when exported; reactive import (+Q) is QI+QII
// (inductive while importing), reactive export (−Q) is QIII+QIV. Power factor is P/S, signed as P.
// Angles are in degrees: how far the quantity lags its reference, voltages in [0, 360) and a
// current against its own phase voltage in (−180, 180], so an inductive load has a positive angle.
import { ValidationError } from './errors.ts';
import { parseObis, type ObisCode } from './obis.ts';
import type { UnitSymbol } from './units.ts';

export type Phase = 'L1' | 'L2' | 'L3';
export type Conductor = Phase | 'N' | 'L1-L2' | 'L2-L3' | 'L3-L1' | 'total';
/** `instantaneous` over a measurement window; `register` accumulates; `demand` averages over an interval. */
export type QuantityKind = 'instantaneous' | 'register' | 'demand';

export interface QuantityDefinition {
  readonly obis: ObisCode;
  /** Stable programmatic name, used in CSV headers and JSON. */
  readonly key: QuantityKey;
  readonly description: string;
  readonly unit: UnitSymbol;
  readonly conductor: Conductor;
  readonly kind: QuantityKind;
  /**
   * The quantity's resolution as whole steps per unit (100: 0.01 V). Values are carried on the
   * uplink, stored and answered in these steps (`roundToResolution`); a finer digit is noise.
   */
  readonly steps: number;
}

type PhaseIndex = '1' | '2' | '3';
type PerPhase = 'voltage' | 'current' | 'activePower' | 'reactivePowerImport' | 'reactivePowerExport' | 'apparentPower'
  | 'powerFactor' | 'voltageThd' | 'currentThd' | 'activeEnergyImport' | 'activeEnergyExport' | 'reactiveEnergyImport'
  | 'reactiveEnergyExport';
type Totals = 'voltageAverage' | 'voltageL1L2' | 'voltageL2L3' | 'voltageL3L1' | 'voltageLineAverage' | 'currentNeutral'
  | 'currentSum' | 'activePower' | 'reactivePowerImport' | 'reactivePowerExport' | 'apparentPower' | 'powerFactor'
  | 'frequency' | 'angleVoltageL2' | 'angleVoltageL3' | 'angleCurrentL1' | 'angleCurrentL2' | 'angleCurrentL3'
  | 'activeEnergyImport' | 'activeEnergyExport' | 'reactiveEnergyImport' | 'reactiveEnergyExport' | 'reactiveEnergyQ1'
  | 'reactiveEnergyQ2' | 'reactiveEnergyQ3' | 'reactiveEnergyQ4' | 'activeDemandImport' | 'activeDemandImportMax';
/** The key of every catalogue quantity. */
export type QuantityKey = `${PerPhase}L${PhaseIndex}` | Totals;

type Row = readonly [obis: string, key: QuantityKey, description: string, unit: UnitSymbol, conductor: Conductor, kind: QuantityKind];

const phaseRows = (phase: Phase, base: number): Row[] => {
  const n = phase.slice(1) as PhaseIndex;
  return [
    [`1-0:${base + 12}.7.0`, `voltageL${n}` as const, `Voltage L${n}-N, RMS`, 'V', phase, 'instantaneous'],
    [`1-0:${base + 11}.7.0`, `currentL${n}` as const, `Current L${n}, RMS`, 'A', phase, 'instantaneous'],
    [`1-0:${base + 15}.7.0`, `activePowerL${n}` as const, `Active power L${n}, import minus export`, 'W', phase, 'instantaneous'],
    [`1-0:${base + 3}.7.0`, `reactivePowerImportL${n}` as const, `Reactive power import (+Q, QI+QII) L${n}`, 'var', phase, 'instantaneous'],
    [`1-0:${base + 4}.7.0`, `reactivePowerExportL${n}` as const, `Reactive power export (−Q, QIII+QIV) L${n}`, 'var', phase,
      'instantaneous'],
    [`1-0:${base + 9}.7.0`, `apparentPowerL${n}` as const, `Apparent power L${n}`, 'VA', phase, 'instantaneous'],
    [`1-0:${base + 13}.7.0`, `powerFactorL${n}` as const, `Power factor L${n} (P/S, signed as P)`, '1', phase, 'instantaneous'],
    [`1-0:${base + 12}.7.124`, `voltageThdL${n}` as const, `Voltage THD L${n} (ratio to the fundamental)`, '1', phase, 'instantaneous'],
    [`1-0:${base + 11}.7.124`, `currentThdL${n}` as const, `Current THD L${n} (ratio to the fundamental)`, '1', phase, 'instantaneous'],
    [`1-0:${base + 1}.8.0`, `activeEnergyImportL${n}` as const, `Active energy import (+A) L${n}`, 'Wh', phase, 'register'],
    [`1-0:${base + 2}.8.0`, `activeEnergyExportL${n}` as const, `Active energy export (−A) L${n}`, 'Wh', phase, 'register'],
    [`1-0:${base + 3}.8.0`, `reactiveEnergyImportL${n}` as const, `Reactive energy import (+R) L${n}`, 'varh', phase, 'register'],
    [`1-0:${base + 4}.8.0`, `reactiveEnergyExportL${n}` as const, `Reactive energy export (−R) L${n}`, 'varh', phase, 'register'],
  ];
};

const rows: readonly Row[] = [
  ...phaseRows('L1', 20),
  ...phaseRows('L2', 40),
  ...phaseRows('L3', 60),
  ['1-0:12.7.0', 'voltageAverage', 'Voltage L-N, average of the three phases', 'V', 'total', 'instantaneous'],
  ['1-0:132.7.0', 'voltageL1L2', 'Voltage L1-L2, RMS (phasewire code)', 'V', 'L1-L2', 'instantaneous'],
  ['1-0:152.7.0', 'voltageL2L3', 'Voltage L2-L3, RMS (phasewire code)', 'V', 'L2-L3', 'instantaneous'],
  ['1-0:172.7.0', 'voltageL3L1', 'Voltage L3-L1, RMS (phasewire code)', 'V', 'L3-L1', 'instantaneous'],
  ['1-0:128.7.0', 'voltageLineAverage', 'Voltage L-L, average of the three pairs (phasewire code)', 'V', 'total', 'instantaneous'],
  ['1-0:91.7.0', 'currentNeutral', 'Neutral current, RMS', 'A', 'N', 'instantaneous'],
  ['1-0:90.7.0', 'currentSum', 'Sum of the phase currents (unsigned)', 'A', 'total', 'instantaneous'],
  ['1-0:16.7.0', 'activePower', 'Active power, total, import minus export', 'W', 'total', 'instantaneous'],
  ['1-0:3.7.0', 'reactivePowerImport', 'Reactive power import (+Q), total', 'var', 'total', 'instantaneous'],
  ['1-0:4.7.0', 'reactivePowerExport', 'Reactive power export (−Q), total', 'var', 'total', 'instantaneous'],
  ['1-0:9.7.0', 'apparentPower', 'Apparent power, total (arithmetic sum of the phases)', 'VA', 'total', 'instantaneous'],
  ['1-0:13.7.0', 'powerFactor', 'Power factor, total (P/S, signed as P)', '1', 'total', 'instantaneous'],
  ['1-0:14.7.0', 'frequency', 'Supply frequency', 'Hz', 'total', 'instantaneous'],
  ['1-0:81.7.10', 'angleVoltageL2', 'Angle of U L2 behind U L1', 'deg', 'L2', 'instantaneous'],
  ['1-0:81.7.20', 'angleVoltageL3', 'Angle of U L3 behind U L1', 'deg', 'L3', 'instantaneous'],
  ['1-0:81.7.40', 'angleCurrentL1', 'Angle of I L1 behind U L1', 'deg', 'L1', 'instantaneous'],
  ['1-0:81.7.51', 'angleCurrentL2', 'Angle of I L2 behind U L2', 'deg', 'L2', 'instantaneous'],
  ['1-0:81.7.62', 'angleCurrentL3', 'Angle of I L3 behind U L3', 'deg', 'L3', 'instantaneous'],
  ['1-0:1.8.0', 'activeEnergyImport', 'Active energy import (+A), total', 'Wh', 'total', 'register'],
  ['1-0:2.8.0', 'activeEnergyExport', 'Active energy export (−A), total', 'Wh', 'total', 'register'],
  ['1-0:3.8.0', 'reactiveEnergyImport', 'Reactive energy import (+R, QI+QII), total', 'varh', 'total', 'register'],
  ['1-0:4.8.0', 'reactiveEnergyExport', 'Reactive energy export (−R, QIII+QIV), total', 'varh', 'total', 'register'],
  ['1-0:5.8.0', 'reactiveEnergyQ1', 'Reactive energy QI, total', 'varh', 'total', 'register'],
  ['1-0:6.8.0', 'reactiveEnergyQ2', 'Reactive energy QII, total', 'varh', 'total', 'register'],
  ['1-0:7.8.0', 'reactiveEnergyQ3', 'Reactive energy QIII, total', 'varh', 'total', 'register'],
  ['1-0:8.8.0', 'reactiveEnergyQ4', 'Reactive energy QIV, total', 'varh', 'total', 'register'],
  ['1-0:1.4.0', 'activeDemandImport', 'Active power import, average over the current demand interval', 'W', 'total', 'demand'],
  ['1-0:1.6.0', 'activeDemandImportMax', 'Active power import, maximum demand since reset', 'W', 'total', 'demand'],
];

/**
 * Resolution per unit, as whole steps per unit: 0.01 V, 1 mA, 0.1 W / var / VA, 0.1 Wh / varh,
 * 1 mHz, 0.01°, 0.0001 of a ratio (0.01 %). Rationale: each step is at least ten times finer than the
 * best accuracy a class of the quantity's standard allows at rated values — voltage and current ±0.1 %
 * (IEC 61557-12 class 0.1: 0.23 V, 5 mA at 5 A), active energy ±0.2 % (IEC 62053-22 class 0.2S),
 * frequency ±10 mHz (IEC 61000-4-30 class A §5.1.4), power factor and THD to the second decimal of a
 * percent — so rounding to it never hides a measured difference, while the float noise of sums and
 * conversions (3592.2999999999993) is far below it.
 */
const stepsPerUnit: Readonly<Record<UnitSymbol, number>> = {
  V: 100, A: 1000, W: 10, var: 10, VA: 10, Wh: 10, varh: 10, Hz: 1000, deg: 100, '1': 10_000,
};

/** Every quantity phasewire measures, in catalogue order. */
export const catalogue: readonly QuantityDefinition[] = rows.map(([code, key, description, unit, conductor, kind]) => ({
  obis: parseObis(code), key, description, unit, conductor, kind, steps: stepsPerUnit[unit],
}));

const byObis = new Map(catalogue.map((q) => [q.obis as string, q]));
const byKey = new Map<string, QuantityDefinition>(catalogue.map((q) => [q.key, q]));

/** The OBIS code of every catalogue quantity by its key: `Q.voltageL1` is `1-0:32.7.0`. */
export const Q = Object.fromEntries(catalogue.map((q) => [q.key, q.obis])) as Readonly<Record<QuantityKey, ObisCode>>;

/** Looks a quantity up by OBIS code or key. */
export function findQuantity(codeOrKey: string): QuantityDefinition | undefined {
  return byObis.get(codeOrKey) ?? byKey.get(codeOrKey);
}

/**
 * `value` rounded to the resolution of the quantity `code` (a catalogue OBIS code or key), e.g.
 * 3592.2999999999993 Wh → 3592.3; unchanged for a code outside the catalogue or a non-finite value.
 */
export function roundToResolution(code: string, value: number): number {
  const steps = findQuantity(code)?.steps;
  return steps === undefined || !Number.isFinite(value) ? value : roundToSteps(value, steps);
}

/** `value` rounded to whole steps of 1/`steps` (100: to 0.01), as the shortest decimal that round-trips; −0 becomes 0. */
export function roundToSteps(value: number, steps: number): number {
  return Math.round(value * steps) / steps + 0;
}

/** Looks a quantity up by OBIS code or key, and says what is known when it is not found. */
export function quantity(codeOrKey: string): QuantityDefinition {
  const found = findQuantity(codeOrKey);
  if (found === undefined) {
    throw new ValidationError('PW_ERR_UNKNOWN_QUANTITY', `Unknown quantity ${JSON.stringify(codeOrKey)}: `
      + `expected an OBIS code or key from the catalogue (${catalogue.length} quantities, e.g. 1-0:32.7.0 / voltageL1)`);
  }
  return found;
}
