// Branded units: a number that carries its unit in the type, so that mixing watt-hours with
// var-hours, or kWh with Wh, does not compile (../../docs/architecture.md, principle 4).
// Energy is always held in the base unit (Wh, varh); a kilo- prefix is a matter of display.

declare const unit: unique symbol;

/** A number tagged with the unit it is measured in. */
export type Quantity<U extends string> = number & { readonly [unit]: U };

export type Volts = Quantity<'V'>;
export type Amperes = Quantity<'A'>;
export type Watts = Quantity<'W'>;
export type Vars = Quantity<'var'>;
export type VoltAmperes = Quantity<'VA'>;
export type WattHours = Quantity<'Wh'>;
export type VarHours = Quantity<'varh'>;
export type Hertz = Quantity<'Hz'>;
export type Degrees = Quantity<'deg'>;
export type Radians = Quantity<'rad'>;
export type Seconds = Quantity<'s'>;
/** A dimensionless ratio, 1 = 100 %. Power factor, unbalance factors and THD are ratios. */
export type Ratio = Quantity<'1'>;

/** The unit symbols that a catalogue entry may name. */
export type UnitSymbol = 'V' | 'A' | 'W' | 'var' | 'VA' | 'Wh' | 'varh' | 'Hz' | 'deg' | '1';

export const volts = (value: number): Volts => value as Volts;
export const amperes = (value: number): Amperes => value as Amperes;
export const watts = (value: number): Watts => value as Watts;
export const vars = (value: number): Vars => value as Vars;
export const voltAmperes = (value: number): VoltAmperes => value as VoltAmperes;
export const wattHours = (value: number): WattHours => value as WattHours;
export const varHours = (value: number): VarHours => value as VarHours;
export const hertz = (value: number): Hertz => value as Hertz;
export const degrees = (value: number): Degrees => value as Degrees;
export const radians = (value: number): Radians => value as Radians;
export const seconds = (value: number): Seconds => value as Seconds;
export const ratio = (value: number): Ratio => value as Ratio;

export const toRadians = (angle: Degrees): Radians => radians((angle * Math.PI) / 180);
export const toDegrees = (angle: Radians): Degrees => degrees((angle * 180) / Math.PI);

/** Energy over a span of time at a constant power: W × s → Wh. */
export const energyOf = (power: Watts, duration: Seconds): WattHours => wattHours((power * duration) / 3600);
