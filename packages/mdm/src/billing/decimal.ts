// Exact arithmetic for rating: rationals of two bigints. A rate written "0.2845" is 2845/10000, an
// energy of 1234567 mWh is 1234567/10^6 kWh, a proration of 12 of 31 days is 12/31; their products
// are exact, and an amount is rounded to minor units once, at the end of a bill line. bigint is
// native and exact at any size, so the pure package needs no decimal library, and there is no
// binary fraction anywhere between the tariff file and the cents (docs/billing.md, "Money").
import { ValidationError } from '@phasewire/core';
import type { Decimal, RoundingMode } from './types.ts';

/** n / d with d > 0. Not kept reduced: every result is only ever compared, added, or rounded. */
export interface Rational {
  readonly n: bigint;
  readonly d: bigint;
}

export const decimalPattern = '^-?(0|[1-9][0-9]*)(\\.[0-9]+)?$';
const decimalRegExp = new RegExp(decimalPattern, 'u');

export const zero: Rational = { n: 0n, d: 1n };
export const one: Rational = { n: 1n, d: 1n };

export const isDecimal = (text: string): boolean => decimalRegExp.test(text);

/** 10^k as a bigint for the few k rating uses (minor digits, 6 decimals of a quantity, a decimal's fraction). */
const powersOfTen: readonly bigint[] = Array.from({ length: 32 }, (_, k) => 10n ** BigInt(k));
const tenTo = (k: number): bigint => powersOfTen[k] ?? 10n ** BigInt(k);

/**
 * Decimals read recently: a bill run reads the same rates (and many of the same quantities) for every bill. A rational is
 * never changed, so one can be shared; the map is emptied when it grows past its size, so it stays small.
 */
const known = new Map<string, Rational>();
const knownLimit = 4096;

/** "0.2845" → 2845/10000. Throws PW_ERR_INVALID_ARGUMENT for anything that is not a plain decimal. */
export function decimal(text: Decimal): Rational {
  const seen = known.get(text);
  if (seen !== undefined) return seen;
  const value = parseDecimal(text);
  if (known.size >= knownLimit) known.clear();
  known.set(text, value);
  return value;
}

function parseDecimal(text: Decimal): Rational {
  if (!decimalRegExp.test(text)) {
    throw new ValidationError('PW_ERR_INVALID_ARGUMENT', `Cannot read the decimal ${JSON.stringify(text)}: expected digits with an `
      + 'optional sign and fraction, as "0.2845" or "-12"');
  }
  const negative = text.startsWith('-');
  const [whole = '0', fraction = ''] = (negative ? text.slice(1) : text).split('.');
  const n = BigInt(whole + fraction);
  return { n: negative ? -n : n, d: tenTo(fraction.length) };
}

/** A whole number as a rational. */
export const integer = (value: number | bigint): Rational => ({ n: BigInt(value), d: 1n });

/** value / 10^digits: `scaled(1234567, 6)` is 1.234567. */
export const scaled = (value: number | bigint, digits: number): Rational => ({ n: BigInt(value), d: tenTo(digits) });

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

function reduced(n: bigint, d: bigint): Rational {
  const g = gcd(n, d);
  return g > 1n ? { n: n / g, d: d / g } : { n, d };
}

export const add = (a: Rational, b: Rational): Rational =>
  (a.d === b.d ? { n: a.n + b.n, d: a.d } : reduced(a.n * b.d + b.n * a.d, a.d * b.d));
export const sub = (a: Rational, b: Rational): Rational => add(a, { n: -b.n, d: b.d });
export const mul = (a: Rational, b: Rational): Rational => reduced(a.n * b.n, a.d * b.d);
export const neg = (a: Rational): Rational => ({ n: -a.n, d: a.d });

export function div(a: Rational, b: Rational): Rational {
  if (b.n === 0n) throw new ValidationError('PW_ERR_INVALID_ARGUMENT', 'Cannot divide by zero: expected a non-zero divisor');
  return b.n < 0n ? reduced(-a.n * b.d, a.d * -b.n) : reduced(a.n * b.d, a.d * b.n);
}

/** Negative, zero or positive as a < b, a = b, a > b. */
export const cmp = (a: Rational, b: Rational): number => {
  const left = a.n * b.d;
  const right = b.n * a.d;
  return left < right ? -1 : left > right ? 1 : 0;
};

export const min = (a: Rational, b: Rational): Rational => (cmp(a, b) <= 0 ? a : b);
export const max = (a: Rational, b: Rational): Rational => (cmp(a, b) >= 0 ? a : b);
export const sum = (values: readonly Rational[]): Rational => values.reduce(add, zero);

/** n / d to a whole number, ties resolved by `mode`: half-up rounds them away from zero, half-even to the even neighbour. */
export function roundToInteger(value: Rational, mode: RoundingMode): bigint {
  const negative = value.n < 0n;
  const n = negative ? -value.n : value.n;
  const q = n / value.d;
  const twice = (n % value.d) * 2n;
  const up = twice > value.d || (twice === value.d && (mode === 'half-up' || q % 2n === 1n));
  const magnitude = up ? q + 1n : q;
  return negative ? -magnitude : magnitude;
}

/** The value in whole minor units (10^-digits of the currency), rounded once by `mode`; a safe integer. */
export function toMinor(value: Rational, digits: number, mode: RoundingMode): number {
  // Not reduced first: rounding needs only the quotient and remainder, the same for any form of the fraction.
  const minor = roundToInteger({ n: value.n * tenTo(digits), d: value.d }, mode);
  const result = Number(minor);
  if (!Number.isSafeInteger(result)) {
    throw new ValidationError('PW_ERR_INVALID_ARGUMENT', `Cannot hold an amount of ${minor} minor units: expected a safe integer`);
  }
  return result;
}

/** The value written with at most `digits` decimals (half-even when it must be cut), without trailing zeros: "12.5", "0.387097". */
export function toDecimal(value: Rational, digits = 6): Decimal {
  const unit = tenTo(digits);
  const scaledValue = roundToInteger({ n: value.n * unit, d: value.d }, 'half-even');
  const negative = scaledValue < 0n;
  const magnitude = negative ? -scaledValue : scaledValue;
  const whole = (magnitude / unit).toString();
  const fraction = (magnitude % unit).toString().padStart(digits, '0').replace(/0+$/u, '');
  const text = fraction === '' ? whole : `${whole}.${fraction}`;
  return negative && text !== '0' ? `-${text}` : text;
}

/** Whether the value is exact in `digits` decimals (a proration of 12/31 is not). */
export const isExactIn = (value: Rational, digits: number): boolean => (value.n * tenTo(digits)) % value.d === 0n;

/** A nearby binary float, for display figures only (never for an amount). */
export const toNumber = (value: Rational): number => Number(value.n) / Number(value.d);

/** Minor units written as currency units with every minor digit: (1234, 2) → "12.34", (-5, 2) → "-0.05". */
export function minorToDecimal(minor: number, digits: number): Decimal {
  const negative = minor < 0;
  const text = String(Math.abs(minor)).padStart(digits + 1, '0');
  const body = digits === 0 ? text : `${text.slice(0, -digits)}.${text.slice(-digits)}`;
  return negative ? `-${body}` : body;
}
