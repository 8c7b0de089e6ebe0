// The schema of a tariff file (one version of one tariff, JSON): the one source of truth for what a
// file may hold. parse-tariff.ts checks a file against it, then checks what a schema cannot say
// (time zones and dates that exist, buckets and seasons that are defined, blocks that rise); the
// reference in docs/billing.md is generated from it (`npm run gen:docs`). Every object is closed: a
// misspelt field is refused with the fields allowed, not silently ignored.
import { Type, type Static } from 'typebox';

const closed = { additionalProperties: false } as const;

// At most 256 characters: what a bill line, a PDF cell and an ESPI note (String256) hold; a 10 MB name was taken.
const text = (description: string) =>
  Type.String({ pattern: '\\S', maxLength: 256, expected: 'a non-empty string of at most 256 characters', description });
const name = (description: string) =>
  Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$', expected: 'a name of 1 to 64 of A-Z a-z 0-9 . _ - (not starting with . _ -)',
    description });

/**
 * A non-negative decimal: a string ("0.2845") or a JSON number (0.2845). A string is what the tariff
 * means exactly; a number is read back through its shortest decimal form, the text it was written as.
 */
const Decimal = (description: string) => Type.Union([
  Type.String({ pattern: '^(0|[1-9][0-9]*)(\\.[0-9]+)?$', maxLength: 32 }),
  Type.Number({ minimum: 0 }),
], { expected: 'a non-negative decimal of at most 32 characters, as a string ("0.2845") or a number', description });

const LocalDate = (description: string) =>
  Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', expected: 'a date YYYY-MM-DD', description });
const MonthDay = (description: string) =>
  Type.String({ pattern: '^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$', expected: 'a month and day MM-DD', description });
const LocalTime = (description: string) =>
  Type.String({ pattern: '^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$', expected: 'a time HH:MM from 00:00 to 24:00', description });

const component = <K extends string, P extends Record<string, Parameters<typeof Type.Object>[0][string]>>(
  kind: K, description: string, properties: P,
) => Type.Object({
  kind: Type.Literal(kind, { description }),
  id: name('the component\'s id, unique in the tariff: bill lines name it'),
  description: text('the line\'s text on the bill'),
  ...properties,
}, closed);

const Fixed = component('fixed', 'a fixed charge', {
  per: Type.Union([Type.Literal('day'), Type.Literal('period')], { description: 'per day of the period, or per billing period' }),
  amount: Decimal('currency units per day or per period (prorated by days when a version change splits the period)'),
});

const EnergyFlat = component('energy-flat', 'one rate on every kWh', { rate: Decimal('per kWh') });

const TierBlock = Type.Object({
  upToKwh: Type.Optional(Decimal('the block ends at this cumulative kWh of the period; absent on the last block')),
  rate: Decimal('per kWh in the block'),
}, closed);

const EnergyTiered = component('energy-tiered', 'blocks of the period\'s kWh', {
  blocks: Type.Array(TierBlock, {
    minItems: 1, maxItems: 100, description: 'at most 100, in rising order; block limits are prorated by days when the period is split',
  }),
});

const EnergyTou = component('energy-tou', 'a rate per time-of-use bucket', {
  rates: Type.Record(Type.String(), Decimal('per kWh'), {
    expected: 'an object of bucket → rate', description: 'a rate for every bucket of the schedule',
  }),
});

const Ratchet = Type.Object({
  share: Decimal('billed demand is at least this share (0.8 = 80 %) of the highest demand …'),
  months: Type.Integer({ minimum: 1, maximum: 36, description: '… of this many billing months before the period' }),
}, { ...closed, description: 'a floor under the billed demand, from earlier months\' maxima' });

const Demand = component('demand', 'a charge on the period\'s maximum demand', {
  windowMinutes: Type.Union([Type.Literal(15), Type.Literal(30)], {
    description: 'demand over one 15-minute interval, or two averaged and aligned to the half hour',
  }),
  rate: Decimal('per kW'),
  buckets: Type.Optional(Type.Array(name('a bucket of the schedule'), {
    minItems: 1, description: 'only intervals in these ToU buckets count (a demand charge per window); absent: all',
  })),
  ratchet: Type.Optional(Ratchet),
});

const ReactiveKvarh = component('reactive-kvarh', 'a charge on reactive energy above a tan φ limit', {
  tanPhiLimit: Decimal('kvarh free of charge per kWh of active import (0.4 ≈ PF 0.93)'),
  rate: Decimal('per kvarh above the limit'),
});

const Surcharge = Type.Union([
  Type.Object({ type: Type.Literal('percent-of-energy'), percent: Decimal('percent of the energy charges') }, closed),
  Type.Object({ type: Type.Literal('per-kwh'), rate: Decimal('per kWh of active import') }, closed),
], { description: 'what is added when the power factor is below the limit' });

const PowerFactor = component('power-factor', 'a surcharge below a power-factor limit', {
  pfLimit: Decimal('the period\'s average PF below which the surcharge applies (0.9)'),
  surcharge: Surcharge,
});

const FeedIn = component('feed-in', 'a credit on exported energy', { rate: Decimal('credited per kWh exported') });

const NetMetering = component('net-metering', 'export nets import before the energy charges', {
  excessRate: Type.Optional(Decimal('credited per kWh of export left after netting; 0 when absent')),
});

const Levy = component('levy', 'a levy per kWh', {
  rate: Decimal('per kWh'),
  basis: Type.Union([Type.Literal('import'), Type.Literal('net')], { description: 'on active import, or on import net of export' }),
});

const Tax = component('tax', 'a percent tax on the subtotal, after every other component, in file order', {
  percent: Decimal('percent of the subtotal of the lines that are not taxes'),
  compound: Type.Optional(Type.Boolean({ default: false, description: 'the base also holds the taxes listed before it' })),
});

const Component = Type.Union(
  [Fixed, EnergyFlat, EnergyTiered, EnergyTou, Demand, ReactiveKvarh, PowerFactor, FeedIn, NetMetering, Levy, Tax],
  { description: 'one charge, credit or tax' },
);

const Season = Type.Object({
  id: name('the season\'s name'),
  from: MonthDay('first day'),
  to: MonthDay('last day, inclusive; before from: wraps the new year'),
}, closed);

const DayType = Type.Union([Type.Literal('weekday'), Type.Literal('weekend'), Type.Literal('holiday')]);

const Window = Type.Object({
  bucket: name('the bucket its intervals fall in'),
  seasons: Type.Optional(Type.Array(name('a season id'), { minItems: 1, description: 'only in these seasons; absent: all' })),
  dayTypes: Type.Array(DayType, { minItems: 1, description: 'weekday (Mon–Fri), weekend (Sat, Sun), holiday (the list, any weekday)' }),
  from: LocalTime('local wall time an interval\'s start is at or after'),
  to: LocalTime('… and before; before from: wraps midnight'),
}, closed);

const Schedule = Type.Object({
  seasons: Type.Optional(Type.Array(Season, { maxItems: 100, description: 'at most 100 date ranges; absent: one season all year' })),
  holidays: Type.Optional(Type.Array(LocalDate('a holiday'), {
    maxItems: 10_000, description: 'at most 10 000 local dates billed as holidays',
  })),
  windows: Type.Array(Window, {
    maxItems: 1000, description: 'at most 1 000; the first window that matches an interval\'s start decides its bucket',
  }),
  defaultBucket: name('the bucket of an interval no window matches'),
}, { ...closed, description: 'the time-of-use calendar, in the tariff\'s time zone' });

export const TariffSchema = Type.Object({
  id: name('the tariff\'s id, the same in every version'),
  // A store keeps it as a 64-bit integer and reads it back as a JavaScript number: at most 2^53 - 1.
  version: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'rises with every change' }),
  name: text('what a customer reads'),
  currency: Type.String({ pattern: '^[A-Z]{3}$', expected: 'an ISO 4217 currency code (EUR, USD)', description: 'of every amount' }),
  timeZone: text('IANA time zone of dates, seasons and windows (Europe/Berlin)'),
  effectiveFrom: LocalDate('first local day the version applies'),
  effectiveTo: Type.Optional(LocalDate('first local day it no longer applies; absent: until a later version')),
  rounding: Type.Optional(Type.Union([Type.Literal('half-up'), Type.Literal('half-even')], {
    default: 'half-up', description: 'how each line\'s exact amount becomes minor units (docs/billing.md, "Rounding")',
  })),
  schedule: Type.Optional(Schedule),
  components: Type.Array(Component, {
    minItems: 1, maxItems: 100, description: 'the charges, credits and taxes (at most 100), in bill order',
  }),
}, { ...closed, description: 'one version of a tariff' });

/** A tariff file as its schema admits it: what parseTariff reads. */
export type TariffFile = Static<typeof TariffSchema>;
