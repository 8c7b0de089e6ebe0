// OBIS object identification (IEC 62056-6-1, "OBject Identification System"): six value groups
// A-B:C.D.E*F. For electricity A = 1; B is the channel; C the physical quantity (and phase);
// D the processing (7 instantaneous, 8 time integral, 4 current average, 6 maximum); E the tariff
// or harmonic; F the billing period, 255 when not used.
import { ValidationError } from './errors.ts';

declare const obis: unique symbol;
/** An OBIS code in its canonical text form: `A-B:C.D.E`, with `*F` only when F is not 255. */
export type ObisCode = string & { readonly [obis]: 'ObisCode' };

export interface ObisGroups {
  readonly a: number;
  readonly b: number;
  readonly c: number;
  readonly d: number;
  readonly e: number;
  readonly f: number;
}

/** Value group F when no billing period is meant (IEC 62056-6-1). */
export const ObisNotUsed = 255;

const pattern = /^(\d{1,3})-(\d{1,3}):(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\*(\d{1,3}))?$/;

/** Builds an OBIS code from its groups; each must be an integer 0..255. */
export function obisCode(a: number, b: number, c: number, d: number, e: number, f: number = ObisNotUsed): ObisCode {
  const groups = [a, b, c, d, e, f];
  if (!groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 255)) {
    throw new ValidationError('PW_ERR_INVALID_OBIS', `Cannot build an OBIS code from groups ${groups.join(', ')}: `
      + 'each group must be an integer from 0 to 255');
  }
  const base = `${a}-${b}:${c}.${d}.${e}`;
  return (f === ObisNotUsed ? base : `${base}*${f}`) as ObisCode;
}

/** Parses `A-B:C.D.E` or `A-B:C.D.E*F` into the canonical form. */
export function parseObis(text: string): ObisCode {
  const match = pattern.exec(text.trim());
  if (match === null) {
    throw new ValidationError('PW_ERR_INVALID_OBIS', `Cannot parse OBIS code ${JSON.stringify(text)}: `
      + 'expected A-B:C.D.E or A-B:C.D.E*F, for example 1-0:32.7.0');
  }
  // Group F is optional: an unmatched group is undefined at run time, and F then means 'not used'.
  const group = (index: number, absent: number): number => { const g = match[index]; return g === undefined ? absent : Number(g); };
  return obisCode(group(1, 0), group(2, 0), group(3, 0), group(4, 0), group(5, 0), group(6, ObisNotUsed));
}

/** The six value groups of a canonical code. */
export function obisGroups(code: ObisCode): ObisGroups {
  const [a = 0, b = 0, c = 0, d = 0, e = 0, f = ObisNotUsed] = code.split(/[-:.*]/).map(Number);
  return { a, b, c, d, e, f };
}
