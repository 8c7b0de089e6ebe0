// Parsers for option values: every command-line value crosses a trust boundary here and becomes
// a typed value or a ValidationError that names the option, the value and what was expected.
import { ValidationError } from '@phasewire/core';

const durationUnits: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses a duration such as `90s`, `15m`, `1h`, `1h30m` or `2d` into milliseconds (> 0). */
export function parseDuration(option: string, text: string): number {
  const parts = /^(?:\d+(?:\.\d+)?(?:ms|s|min|m|h|d))+$/.test(text) ? text.match(/\d+(?:\.\d+)?(?:ms|s|min|m|h|d)/g) : null;
  if (parts === null) {
    throw new ValidationError('PW_ERR_INVALID_OPTION', `Invalid value ${JSON.stringify(
      text)} for ${option}: expected a positive duration such as 90s, 15m, 1h or 1h30m`);
  }
  let total = 0;
  for (const part of parts) {
    const [, amount = '0', unit = 'ms'] = /^(\d+(?:\.\d+)?)(ms|s|min|m|h|d)$/.exec(part) ?? [];
    total += Number(amount) * (durationUnits[unit] ?? 0);
  }
  if (!(total > 0) || !Number.isFinite(total)) {
    throw new ValidationError('PW_ERR_INVALID_OPTION', `Invalid value ${JSON.stringify(
      text)} for ${option}: expected a duration greater than zero`);
  }
  return Math.round(total);
}

/** Parses an integer within [min, max]. */
export function parseInteger(option: string, text: string, min: number, max: number): number {
  const value = /^-?\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ValidationError('PW_ERR_INVALID_OPTION', `Invalid value ${JSON.stringify(
      text)} for ${option}: expected a whole number from ${min} to ${max}`);
  }
  return value;
}

/** Parses one of a fixed set of words. */
export function parseChoice<T extends string>(option: string, text: string, choices: readonly T[]): T {
  const found = choices.find((choice) => choice === text);
  if (found === undefined) {
    throw new ValidationError('PW_ERR_INVALID_OPTION', `Invalid value ${JSON.stringify(text)} for ${option}: expected one of ${choices.join(
      ', ')}`);
  }
  return found;
}

/** Parses an ISO 8601 instant with a zone (`2026-01-01T00:00:00Z`) into epoch milliseconds. */
export function parseInstant(option: string, text: string): number {
  const value = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(value)) {
    throw new ValidationError('PW_ERR_INVALID_OPTION', `Invalid value ${JSON.stringify(
      text)} for ${option}: expected an ISO 8601 time with a zone, such as 2026-01-01T00:00:00Z`);
  }
  return value;
}
