// Local protection settings: what the meter's protection functions (meter/src/protection) act on.
// They travel sealed in a `protection-settings` command (command.ts), and a gateway reads them
// from its configuration; this schema is their one definition, and the table in
// docs/protection.md is generated from it (`npm run gen:docs`).
//
// Voltages are per unit of the nominal phase voltage, currents multiples of the rated current,
// unbalances ratios (0.03 = 3 %), times milliseconds. Every field but `version` has a default.
import { Type, type Static, type TSchema } from 'typebox';
import { assertSchema, problemMessage } from '../schema/index.ts';
import { ValidationError } from '../errors.ts';

const closed = { additionalProperties: false } as const;
const ms = (fallback: number, description: string) =>
  Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400_000, default: fallback, description: `${description}, ms` }));
const ratio = (fallback: number, low: number, high: number, description: string) =>
  Type.Optional(Type.Number({ minimum: low, maximum: high, default: fallback, description }));
const enabled = (fallback: boolean) => Type.Optional(Type.Boolean({ default: fallback, description: 'whether the function runs' }));
const group = <T extends Record<string, TSchema>>(properties: T, description: string) =>
  Type.Optional(Type.Object(properties, { ...closed, description }));

export const overcurrentCurves = ['standard-inverse', 'very-inverse', 'extremely-inverse'] as const;
export type OvercurrentCurve = (typeof overcurrentCurves)[number];

export const ProtectionSettingsSchema = Type.Object({
  version: Type.Integer({ minimum: 1, maximum: 2 ** 31 - 1, description: 'settings version: a meter takes only a higher one than it has' }),
  nominalVoltage: Type.Optional(Type.Number({
    exclusiveMinimum: 0, maximum: 1e5, default: 230, description: 'nominal phase voltage Un, V',
  })),
  ratedCurrent: Type.Optional(Type.Number({
    exclusiveMinimum: 0, maximum: 1e5, default: 10, description: 'rated current In of the load, A',
  })),
  hysteresis: ratio(0.02, 0.001, 0.2, 'dropout margin of every function, ratio of its pickup (an over-function drops out below '
    + 'pickup × (1 − hysteresis), an under-function above pickup × (1 + hysteresis))'),
  phaseLoss: group({
    enabled: enabled(true), pickup: ratio(0.5, 0.05, 0.9, 'a phase below this, per unit of Un, is lost'),
    delayMs: ms(500, 'time the phase stays lost before the trip'),
  }, 'phase loss / open phase (IEEE C37.2 device 47)'),
  undervoltage: group({
    enabled: enabled(true), pickup: ratio(0.85, 0.1, 1, 'lowest phase voltage, per unit of Un'), delayMs: ms(3000, 'definite time'),
  }, 'undervoltage (device 27), definite time'),
  overvoltage: group({
    enabled: enabled(true), pickup: ratio(1.1, 1, 2, 'highest phase voltage, per unit of Un'), delayMs: ms(3000, 'definite time'),
  }, 'overvoltage (device 59), definite time'),
  voltageUnbalance: group({
    enabled: enabled(true),
    warn: ratio(0.01, 0.001, 0.2, 'NEMA MG 1 line voltage unbalance at which a warning is raised (MG 1 derating starts at 1 %)'),
    warnDelayMs: ms(60_000, 'time above the warning level before the warning'),
    trip: ratio(0.03, 0.002, 0.2, 'NEMA MG 1 line voltage unbalance that trips'),
    tripDelayMs: ms(10_000, 'time above the trip level before the trip'),
  }, 'voltage unbalance (device 47/46), NEMA MG 1 §14.35 definition'),
  phaseSequence: group({
    enabled: enabled(true), delayMs: ms(500, 'time a reversed sequence lasts before the trip (a reversed sequence always blocks closing)'),
  }, 'reverse phase sequence (device 47)'),
  currentUnbalance: group({
    enabled: enabled(true),
    pickup: ratio(0.2, 0.02, 1, 'current unbalance (largest deviation from the average over the average) that trips'),
    delayMs: ms(5000, 'time above pickup before the trip'),
    singlePhasingDelayMs: ms(1000, 'time one line carries under 5 % of the average current while the others carry load (single phasing)'),
    minimumCurrent: ratio(0.1, 0.01, 1, 'average current, multiple of In, below which current unbalance is not judged'),
  }, 'current unbalance / single phasing (device 46)'),
  overcurrent: group({
    enabled: enabled(true),
    curve: Type.Optional(Type.Enum([...overcurrentCurves], {
      default: 'extremely-inverse', description: 'IEC 60255-151 inverse-time curve',
    })),
    pickup: ratio(1.2, 0.1, 20, 'pickup current Is, multiple of In'),
    tms: ratio(1, 0.01, 10, 'time multiplier setting TMS'),
    resetMs: ms(60_000, 'thermal memory: time the elapsed trip time takes to fall from full to none with no current'),
  }, 'phase over-current (device 51), IEC 60255-151 inverse time'),
  neutralOvercurrent: group({
    enabled: enabled(true), pickup: ratio(0.3, 0.01, 20, 'neutral current that trips, multiple of In'),
    delayMs: ms(2000, 'definite time'),
  }, 'neutral over-current (device 51N), definite time'),
}, { ...closed, description: 'local protection settings' });

export type ProtectionSettingsInput = Static<typeof ProtectionSettingsSchema>;

type Full<T> = { readonly [K in keyof T]-?: T[K] extends object | undefined ? Full<NonNullable<T[K]>> : NonNullable<T[K]> };
/** Settings with every default filled in. */
export type ProtectionSettings = Full<ProtectionSettingsInput>;

export const defaultProtectionSettings: ProtectionSettings = {
  version: 1, nominalVoltage: 230, ratedCurrent: 10, hysteresis: 0.02,
  phaseLoss: { enabled: true, pickup: 0.5, delayMs: 500 },
  undervoltage: { enabled: true, pickup: 0.85, delayMs: 3000 },
  overvoltage: { enabled: true, pickup: 1.1, delayMs: 3000 },
  voltageUnbalance: { enabled: true, warn: 0.01, warnDelayMs: 60_000, trip: 0.03, tripDelayMs: 10_000 },
  phaseSequence: { enabled: true, delayMs: 500 },
  currentUnbalance: { enabled: true, pickup: 0.2, delayMs: 5000, singlePhasingDelayMs: 1000, minimumCurrent: 0.1 },
  overcurrent: { enabled: true, curve: 'extremely-inverse', pickup: 1.2, tms: 1, resetMs: 60_000 },
  neutralOvercurrent: { enabled: true, pickup: 0.3, delayMs: 2000 },
};

/**
 * Checks settings against the schema (PW_ERR_PROTECTION_SETTINGS naming the field) and fills in the
 * defaults; the warning level of voltage unbalance must lie below its trip level.
 */
export function parseProtectionSettings(value: unknown, what = 'protection settings'): ProtectionSettings {
  const fail = (message: string): never => {
    throw new ValidationError('PW_ERR_PROTECTION_SETTINGS', `Cannot use ${what}: ${message}`);
  };
  assertSchema(ProtectionSettingsSchema, value, (problem) => fail(problemMessage(problem)));
  const d = defaultProtectionSettings;
  const v = value;
  const settings: ProtectionSettings = {
    version: v.version, nominalVoltage: v.nominalVoltage ?? d.nominalVoltage, ratedCurrent: v.ratedCurrent ?? d.ratedCurrent,
    hysteresis: v.hysteresis ?? d.hysteresis,
    phaseLoss: { ...d.phaseLoss, ...v.phaseLoss },
    undervoltage: { ...d.undervoltage, ...v.undervoltage },
    overvoltage: { ...d.overvoltage, ...v.overvoltage },
    voltageUnbalance: { ...d.voltageUnbalance, ...v.voltageUnbalance },
    phaseSequence: { ...d.phaseSequence, ...v.phaseSequence },
    currentUnbalance: { ...d.currentUnbalance, ...v.currentUnbalance },
    overcurrent: { ...d.overcurrent, ...v.overcurrent },
    neutralOvercurrent: { ...d.neutralOvercurrent, ...v.neutralOvercurrent },
  };
  if (settings.voltageUnbalance.warn >= settings.voltageUnbalance.trip) {
    fail(`voltageUnbalance.warn is ${settings.voltageUnbalance.warn}, expected less than voltageUnbalance.trip (${settings.voltageUnbalance
      .trip})`);
  }
  return settings;
}
