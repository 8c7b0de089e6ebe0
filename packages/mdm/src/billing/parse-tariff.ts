// The trust boundary of tariffs: JSON in (a file, an API body), a typed Tariff or a ConfigError out,
// naming the source, the field, what was found and what was expected. The schema (tariff-schema.ts)
// decides the shape; this adds what it cannot say: a time zone and dates that exist, seasons and
// buckets that are defined and priced, blocks that rise, ids that are unique.
import { ConfigError } from '@phasewire/core';
import { assertSchema, problemMessage } from '@phasewire/core/schema';
import { cmp, decimal, isDecimal } from './decimal.ts';
import { isLocalDate, isTimeZone, daysBetween } from './local-time.ts';
import { TariffSchema, type TariffFile } from './tariff-schema.ts';
import type { Decimal, Tariff, TariffComponent, TierBlock, TouSchedule } from './types.ts';

type Fail = (path: string, found: unknown, expected: string) => never;
type ComponentFile = TariffFile['components'][number];

/** ISO 4217 minor-unit digits, as the platform's Intl knows them (EUR, USD: 2; JPY: 0). */
const minorDigitsOf = (currency: string): number =>
  new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;

let knownCurrencies: ReadonlySet<string> | undefined;
const currencies = (): ReadonlySet<string> => (knownCurrencies ??= new Set(Intl.supportedValuesOf('currency')));

/**
 * The zone's IANA name spelt as the database does, or undefined. Intl takes "europe/berlin" and an offset
 * ("+05:30") too: the first is written Europe/Berlin (versions of one tariff compare their zones by name),
 * the second is refused (no daylight saving, not a zone of the database the docs promise). A link keeps the
 * name given: ICU resolves Asia/Kathmandu to its older Asia/Katmandu.
 */
function canonicalTimeZone(timeZone: string): string | undefined {
  if (!isTimeZone(timeZone)) return undefined;
  const name = new Intl.DateTimeFormat('en', { timeZone }).resolvedOptions().timeZone;
  if (/^[+-]/u.test(name)) return undefined;
  return name.toLowerCase() === timeZone.toLowerCase() ? name : timeZone;
}

/** Parses one tariff version. `source` names it in errors (a file name, `the request body`). */
export function parseTariff(data: unknown, source = 'tariff'): Tariff {
  const fail: Fail = (path, found, expected) => {
    throw new ConfigError('PW_ERR_TARIFF_INVALID', `Cannot load tariff ${source}: ${problemMessage({ path, found, expected })}`);
  };
  assertSchema(TariffSchema, data, (problem) => fail(problem.path, problem.found, problem.expected));
  const timeZone = canonicalTimeZone(data.timeZone)
    ?? fail('timeZone', data.timeZone, 'an IANA time zone the platform knows (Europe/Berlin)');
  // Intl formats in any well-formed three letters (ABC, with 2 digits); a bill's currency must be one ISO 4217 has.
  if (!currencies().has(data.currency)) fail('currency', data.currency, 'an ISO 4217 currency code the platform knows (EUR, USD)');
  const date = (path: string, value: string): string => (isLocalDate(value) ? value : fail(path, value, 'a calendar date that exists'));
  const effectiveFrom = date('effectiveFrom', data.effectiveFrom);
  const effectiveTo = data.effectiveTo === undefined ? undefined : date('effectiveTo', data.effectiveTo);
  if (effectiveTo !== undefined && daysBetween(effectiveFrom, effectiveTo) <= 0) {
    fail('effectiveTo', effectiveTo, `a date after effectiveFrom (${effectiveFrom})`);
  }
  const schedule = data.schedule === undefined ? undefined : toSchedule(data.schedule, fail, date);
  const buckets = schedule === undefined ? new Set<string>() : bucketsOf(schedule);
  const ids = new Set<string>();
  const components = data.components.map((raw, index) => {
    const path = `components[${index}]`;
    if (ids.has(raw.id)) fail(`${path}.id`, raw.id, 'an id no other component has');
    ids.add(raw.id);
    return toComponent(raw, path, buckets, fail);
  });
  const netting = components.filter((c) => c.kind === 'net-metering' || c.kind === 'feed-in');
  if (netting.length > 1) {
    fail(`components[${components.indexOf(netting[1] as TariffComponent)}].kind`, netting[1]?.kind,
      'at most one export component (feed-in or net-metering)');
  }
  return {
    id: data.id, version: data.version, name: data.name, currency: data.currency, minorDigits: minorDigitsOf(data.currency),
    timeZone, effectiveFrom, ...(effectiveTo === undefined ? {} : { effectiveTo }),
    rounding: data.rounding ?? 'half-up', ...(schedule === undefined ? {} : { schedule }), components,
  };
}

/**
 * A decimal field as its exact text: a JSON number is read back through its shortest form (0.1 → "0.1"). That is the
 * number the file wrote only up to 15 significant digits (a float64 holds 15 for sure): 0.12345678901234567890 reads
 * back as 0.12345678901234568, so a longer number is refused and asked for as a string.
 */
function exact(value: string | number, path: string, fail: Fail): Decimal {
  const textValue = typeof value === 'number' ? String(value) : value;
  if (typeof value === 'number' && textValue.replace('.', '').replace(/^0+|0+$/gu, '').length > 15) {
    fail(path, value, 'a number of at most 15 significant digits, or the decimal as a string ("0.12345678901234567890")');
  }
  return isDecimal(textValue) ? textValue : fail(path, value, 'a non-negative decimal without an exponent, as a string ("0.0000001")');
}

export const bucketsOf = (schedule: TouSchedule): Set<string> =>
  new Set([...schedule.windows.map((w) => w.bucket), schedule.defaultBucket]);

function toSchedule(raw: NonNullable<TariffFile['schedule']>, fail: Fail, date: (path: string, value: string) => string): TouSchedule {
  const seasons = raw.seasons ?? [];
  const seasonIds = new Set<string>();
  for (const [index, season] of seasons.entries()) {
    if (seasonIds.has(season.id)) fail(`schedule.seasons[${index}].id`, season.id, 'a season id no other season has');
    seasonIds.add(season.id);
    // A month-day exists when it exists in a leap year (02-29 does).
    for (const key of ['from', 'to'] as const) date(`schedule.seasons[${index}].${key}`, `2024-${season[key]}`);
  }
  const holidays = (raw.holidays ?? []).map((h, index) => date(`schedule.holidays[${index}]`, h));
  const windows = raw.windows.map((w, index) => {
    const path = `schedule.windows[${index}]`;
    if (w.from === w.to) fail(`${path}.to`, w.to, `a time other than from (${w.from}): a window may not be empty or the whole day`);
    // 24:00 ends a day; as a start it made 24:00–00:00 a window that matches nothing.
    if (w.from === '24:00') fail(`${path}.from`, w.from, 'a time from 00:00 to 23:59 (24:00 only ends a window)');
    for (const [k, s] of (w.seasons ?? []).entries()) {
      if (!seasonIds.has(s)) fail(`${path}.seasons[${k}]`, s, `a season of schedule.seasons (${[...seasonIds].join(', ') || 'none'})`);
    }
    return { bucket: w.bucket, dayTypes: w.dayTypes, from: w.from, to: w.to, ...(w.seasons === undefined ? {} : { seasons: w.seasons }) };
  });
  return { seasons, holidays, windows, defaultBucket: raw.defaultBucket };
}

function toComponent(raw: ComponentFile, path: string, buckets: ReadonlySet<string>, fail: Fail): TariffComponent {
  const d = (value: string | number, field: string): Decimal => exact(value, `${path}.${field}`, fail);
  const base = { id: raw.id, description: raw.description };
  switch (raw.kind) {
    case 'fixed': return { kind: raw.kind, ...base, per: raw.per, amount: d(raw.amount, 'amount') };
    case 'energy-flat': return { kind: raw.kind, ...base, rate: d(raw.rate, 'rate') };
    case 'energy-tiered': return { kind: raw.kind, ...base, blocks: toBlocks(raw.blocks, path, fail) };
    case 'energy-tou': {
      if (buckets.size === 0) fail('schedule', undefined, `a schedule, for the time-of-use charge ${path}`);
      const missing = [...buckets].find((b) => !Object.hasOwn(raw.rates, b)); // not `rates[b]`: a bucket may be named constructor
      if (missing !== undefined) fail(`${path}.rates.${missing}`, undefined, `a rate for bucket ${missing} of the schedule`);
      const rates = Object.fromEntries(Object.entries(raw.rates).map(([bucket, rate]) => {
        if (!buckets.has(bucket)) fail(`${path}.rates.${bucket}`, rate, `a bucket of the schedule (${[...buckets].join(', ')})`);
        return [bucket, d(rate, `rates.${bucket}`)];
      }));
      return { kind: raw.kind, ...base, rates };
    }
    case 'demand': {
      for (const [k, b] of (raw.buckets ?? []).entries()) {
        if (!buckets.has(b)) fail(`${path}.buckets[${k}]`, b, `a bucket of the schedule (${[...buckets].join(', ') || 'no schedule'})`);
      }
      const ratchet = raw.ratchet === undefined ? undefined : { share: d(raw.ratchet.share, 'ratchet.share'), months: raw.ratchet.months };
      if (ratchet !== undefined && cmp(decimal(ratchet.share), decimal('1')) > 0) {
        fail(`${path}.ratchet.share`, raw.ratchet?.share, 'a share of at most 1');
      }
      return {
        kind: raw.kind, ...base, windowMinutes: raw.windowMinutes, rate: d(raw.rate, 'rate'),
        ...(raw.buckets === undefined ? {} : { buckets: raw.buckets }), ...(ratchet === undefined ? {} : { ratchet }),
      };
    }
    case 'reactive-kvarh': return { kind: raw.kind, ...base, tanPhiLimit: d(raw.tanPhiLimit, 'tanPhiLimit'), rate: d(raw.rate, 'rate') };
    case 'power-factor': {
      const pfLimit = d(raw.pfLimit, 'pfLimit');
      const limit = decimal(pfLimit);
      if (limit.n === 0n || cmp(limit, decimal('1')) > 0) fail(`${path}.pfLimit`, raw.pfLimit, 'a power factor above 0 and at most 1');
      const surcharge = raw.surcharge.type === 'per-kwh'
        ? { type: raw.surcharge.type, rate: d(raw.surcharge.rate, 'surcharge.rate') }
        : { type: raw.surcharge.type, percent: d(raw.surcharge.percent, 'surcharge.percent') };
      return { kind: raw.kind, ...base, pfLimit, surcharge };
    }
    case 'feed-in': return { kind: raw.kind, ...base, rate: d(raw.rate, 'rate') };
    case 'net-metering':
      return { kind: raw.kind, ...base, ...(raw.excessRate === undefined ? {} : { excessRate: d(raw.excessRate, 'excessRate') }) };
    case 'levy': return { kind: raw.kind, ...base, rate: d(raw.rate, 'rate'), basis: raw.basis };
    case 'tax': return { kind: raw.kind, ...base, percent: d(raw.percent, 'percent'), compound: raw.compound ?? false };
  }
}

type BlockFile = Extract<ComponentFile, { kind: 'energy-tiered' }>['blocks'][number];

function toBlocks(raw: readonly BlockFile[], path: string, fail: Fail): TierBlock[] {
  let previous: Decimal | undefined;
  return raw.map((block, index) => {
    const field = `${path}.blocks[${index}]`;
    const rate = exact(block.rate, `${field}.rate`, fail);
    const last = index === raw.length - 1;
    if (block.upToKwh === undefined) {
      if (!last) fail(`${field}.upToKwh`, undefined, 'a block limit (only the last block has none)');
      return { rate };
    }
    if (last) fail(`${field}.upToKwh`, block.upToKwh, 'no limit on the last block (it takes every kWh above the one before)');
    const upToKwh = exact(block.upToKwh, `${field}.upToKwh`, fail);
    if (cmp(decimal(upToKwh), decimal(previous ?? '0')) <= 0) {
      fail(`${field}.upToKwh`, block.upToKwh, `a limit above ${previous ?? '0'} kWh (the blocks rise)`);
    }
    previous = upToKwh;
    return { upToKwh, rate };
  });
}
