// The plain data of billing: a tariff as the rating engine reads it, the intervals a bill is rated
// from, the determinants taken from them, and the bill. Data only, so that the store can persist it
// as it is and rating stays pure (docs/billing.md).
//
// Exactness: money is an integer of minor units (cents), never a binary float. Rates, quantities
// and shares are decimal strings (`Decimal`, "0.2845"), so that a rate written in a tariff file is
// the rate the bill multiplies by and the rate the bill prints; the engine multiplies them as bigint
// fixed-point numbers and rounds once per line (decimal.ts). Times are ms since the Unix epoch (UTC);
// calendar dates and wall-clock times are local to the tariff's IANA time zone.
import type { QualityCode } from '../types.ts';

/** A decimal number written out in base 10: `-?digits(.digits)?`, e.g. "0.2845", "1200", "-3.5". */
export type Decimal = string;

/** A calendar date in the tariff's time zone, `YYYY-MM-DD`. */
export type LocalDate = string;

/** A wall-clock time in the tariff's time zone, `HH:MM`, 00:00 to 24:00 (24:00 only as the end of a window). */
export type LocalTime = string;

/** An ISO 4217 currency code, `EUR`, `USD`. */
export type CurrencyCode = string;

/** An amount of money: a safe integer of the currency's minor units (cents for EUR and USD). */
export interface Money {
  readonly currency: CurrencyCode;
  readonly minor: number;
}

/** How an exact amount becomes whole minor units, once per bill line (docs/billing.md, "Rounding"). */
export type RoundingMode = 'half-up' | 'half-even';

// ── The tariff

/** A season: a range of month-days, both inclusive; `from` after `to` wraps the new year (11-01 … 03-31). */
export interface Season {
  readonly id: string;
  /** `MM-DD`. */
  readonly from: string;
  /** `MM-DD`, inclusive. */
  readonly to: string;
}

/** Weekday is Monday to Friday, weekend Saturday and Sunday; a date in the holiday list is a holiday whatever its weekday. */
export type DayType = 'weekday' | 'weekend' | 'holiday';

/**
 * One time-of-use window: the intervals that start inside [from, to) local wall time, on the given
 * day types, in the given seasons (all seasons when absent), fall in `bucket`. `from` after `to`
 * wraps midnight (22:00 – 06:00). The first window that matches an interval wins.
 */
export interface TouWindow {
  readonly bucket: string;
  readonly seasons?: readonly string[];
  readonly dayTypes: readonly DayType[];
  readonly from: LocalTime;
  readonly to: LocalTime;
}

/** The time-of-use calendar: seasons, holidays, windows, and the bucket of an interval no window matches. */
export interface TouSchedule {
  readonly seasons: readonly Season[];
  readonly holidays: readonly LocalDate[];
  readonly windows: readonly TouWindow[];
  readonly defaultBucket: string;
}

/** A fixed charge: an amount per day of the period, or per billing period (prorated by days when the period is split). */
export interface FixedComponent {
  readonly kind: 'fixed';
  readonly id: string;
  readonly description: string;
  readonly per: 'day' | 'period';
  /** Currency units (not minor units), e.g. "12.50". */
  readonly amount: Decimal;
}

/** A flat energy charge on every kWh imported (net of export under net metering). */
export interface EnergyFlatComponent {
  readonly kind: 'energy-flat';
  readonly id: string;
  readonly description: string;
  /** Per kWh. */
  readonly rate: Decimal;
}

/** One block of a tiered energy charge: the kWh of the period up to `upToKwh` (cumulative; absent on the last block). */
export interface TierBlock {
  readonly upToKwh?: Decimal;
  readonly rate: Decimal;
}

/** An energy charge in blocks of the period's kWh (monthly blocks; prorated by days when the period is split). */
export interface EnergyTieredComponent {
  readonly kind: 'energy-tiered';
  readonly id: string;
  readonly description: string;
  readonly blocks: readonly TierBlock[];
}

/** A time-of-use energy charge: a rate per kWh for each bucket of the tariff's schedule. */
export interface EnergyTouComponent {
  readonly kind: 'energy-tou';
  readonly id: string;
  readonly description: string;
  readonly rates: Readonly<Record<string, Decimal>>;
}

/** Ratchet: billed demand is at least `share` of the highest demand of the last `months` billing months. */
export interface Ratchet {
  readonly share: Decimal;
  readonly months: number;
}

/**
 * A demand charge on the period's maximum average kW over `windowMinutes` (15: one interval; 30: two
 * consecutive 15-minute intervals averaged, aligned to the half hour), counting only intervals in
 * `buckets` when given (a demand charge per ToU window), with an optional ratchet.
 */
export interface DemandComponent {
  readonly kind: 'demand';
  readonly id: string;
  readonly description: string;
  readonly windowMinutes: 15 | 30;
  /** Per kW. */
  readonly rate: Decimal;
  readonly buckets?: readonly string[];
  readonly ratchet?: Ratchet;
}

/** Reactive energy charge: the kvarh (reactive import) above `tanPhiLimit` × kWh (active import) of the period. */
export interface ReactiveKvarhComponent {
  readonly kind: 'reactive-kvarh';
  readonly id: string;
  readonly description: string;
  readonly tanPhiLimit: Decimal;
  /** Per kvarh. */
  readonly rate: Decimal;
}

export type PowerFactorSurcharge =
  | { readonly type: 'percent-of-energy'; readonly percent: Decimal }
  | { readonly type: 'per-kwh'; readonly rate: Decimal };

/** A surcharge when the period's average power factor is below `pfLimit`: a percent of the energy charges, or an amount per kWh. */
export interface PowerFactorComponent {
  readonly kind: 'power-factor';
  readonly id: string;
  readonly description: string;
  readonly pfLimit: Decimal;
  readonly surcharge: PowerFactorSurcharge;
}

/** Feed-in credit: every kWh exported is credited at `rate`. */
export interface FeedInComponent {
  readonly kind: 'feed-in';
  readonly id: string;
  readonly description: string;
  readonly rate: Decimal;
}

/**
 * Net metering: export nets import within the period (per ToU bucket for a ToU energy charge) before
 * the energy charges apply; export left over after netting is credited at `excessRate` (0 when absent).
 */
export interface NetMeteringComponent {
  readonly kind: 'net-metering';
  readonly id: string;
  readonly description: string;
  readonly excessRate?: Decimal;
}

/** A levy per kWh imported (net of export under net metering when `basis` is `net`). */
export interface LevyComponent {
  readonly kind: 'levy';
  readonly id: string;
  readonly description: string;
  readonly rate: Decimal;
  readonly basis: 'import' | 'net';
}

/**
 * A tax of `percent` on the subtotal of every line that is not a tax, plus (when `compound`) the
 * taxes before it. Taxes are applied after every other component, in the order the tariff lists them.
 */
export interface TaxComponent {
  readonly kind: 'tax';
  readonly id: string;
  readonly description: string;
  readonly percent: Decimal;
  readonly compound: boolean;
}

export type TariffComponent =
  | FixedComponent | EnergyFlatComponent | EnergyTieredComponent | EnergyTouComponent | DemandComponent
  | ReactiveKvarhComponent | PowerFactorComponent | FeedInComponent | NetMeteringComponent | LevyComponent | TaxComponent;

export type ComponentKind = TariffComponent['kind'];

/** One version of a tariff, validated (parseTariff): what rating reads. */
export interface Tariff {
  readonly id: string;
  /** Increases with each change; on a day two versions both cover, the higher one applies. */
  readonly version: number;
  readonly name: string;
  readonly currency: CurrencyCode;
  /** Digits of the currency's minor unit (ISO 4217: 2 for EUR and USD). */
  readonly minorDigits: number;
  readonly timeZone: string;
  /** First local day the version applies. */
  readonly effectiveFrom: LocalDate;
  /** First local day it no longer applies; absent while it is current. */
  readonly effectiveTo?: LocalDate;
  readonly rounding: RoundingMode;
  readonly schedule?: TouSchedule;
  readonly components: readonly TariffComponent[];
}

// ── The data a bill is rated from

/**
 * One interval of final (post-VEE) data, named by its end: it covers (end − 15 min, end] and falls
 * in the ToU window that contains its start. Energies in Wh and varh; a `missing` interval's values
 * are ignored. Absent export and reactive values are 0.
 */
export interface IntervalInput {
  readonly end: number;
  readonly importWh: number;
  readonly exportWh?: number;
  readonly reactiveImportVarh?: number;
  readonly reactiveExportVarh?: number;
  readonly quality: QualityCode;
}

/** A billing period: local days from `start` (inclusive) to `end` (exclusive) in the tariff's time zone. */
export interface BillingPeriod {
  readonly start: LocalDate;
  readonly end: LocalDate;
}

/** The highest demand of an earlier billing month, for a ratchet: from that month's bill (its demand determinant). */
export interface PastDemand {
  /** The demand component it was measured for. */
  readonly componentId: string;
  /** `YYYY-MM`: the month the earlier billing period started in. */
  readonly month: string;
  readonly kw: Decimal;
}

// ── Determinants

/** Where a determinant's intervals are: resolve it to interval ends with `determinantIntervals`. */
export interface DeterminantTrace {
  /** Instants (ms) of the part the determinant covers: intervals ending in (from, to]. */
  readonly from: number;
  readonly to: number;
  /** Only intervals in these ToU buckets; absent: every interval. */
  readonly buckets?: readonly string[];
  /** The interval ends exactly, when there are few (a demand peak's one or two intervals). */
  readonly ends?: readonly number[];
}

/** A quantity the bill is rated on. Its `id` is what a bill line names in `determinant`. */
export interface Determinant {
  /** Unique within the bill: `p0.import`, `p0.bucket.peak`, `p0.demand.dem-peak`. */
  readonly id: string;
  readonly quantity: Decimal;
  readonly unit: 'kWh' | 'kvarh' | 'kW' | 'day';
  readonly trace: DeterminantTrace;
}

/** The maximum demand of a part for one demand component. */
export interface DemandDeterminant extends Determinant {
  readonly unit: 'kW';
  readonly componentId: string;
  readonly windowMinutes: 15 | 30;
  /** End of the window of the maximum (the earliest on a tie); null when no window has data. */
  readonly at: number | null;
}

/** Counts and shares of interval qualities over the expected intervals of a span. */
export interface QualityShares {
  /** Intervals the span holds (a DST day in Europe has 92 or 100). */
  readonly expected: number;
  readonly counts: Readonly<Record<QualityCode, number>>;
  /** Shares of `expected`, 0..1. */
  readonly estimatedShare: number;
  readonly editedShare: number;
  /** Share of expected intervals with a value (not missing and present), 0..1. */
  readonly completeness: number;
}

/** The determinants of one part of the period: the days one tariff version applies. */
export interface PartDeterminants {
  readonly tariffId: string;
  readonly tariffVersion: number;
  readonly start: LocalDate;
  readonly end: LocalDate;
  readonly from: number;
  readonly to: number;
  readonly days: number;
  readonly importKwh: Determinant;
  readonly exportKwh: Determinant;
  readonly reactiveImportKvarh: Determinant;
  readonly reactiveExportKvarh: Determinant;
  /** Active import per ToU bucket (each bucket of the schedule, zero ones included); empty without a schedule. */
  readonly buckets: readonly Determinant[];
  /** Active export per ToU bucket, for net metering by bucket. */
  readonly exportBuckets: readonly Determinant[];
  /** One per demand component of the version. */
  readonly demands: readonly DemandDeterminant[];
  /** kWh / √(kWh² + kvarh²) of import; null when there is no energy. A display figure; rating compares exactly. */
  readonly averagePf: number | null;
  readonly quality: QualityShares;
}

export interface Determinants {
  readonly period: BillingPeriod;
  readonly from: number;
  readonly to: number;
  readonly intervalMs: number;
  readonly parts: readonly PartDeterminants[];
  /** Over the whole period. */
  readonly importKwh: Decimal;
  readonly exportKwh: Decimal;
  readonly reactiveImportKvarh: Decimal;
  readonly reactiveExportKvarh: Decimal;
  readonly averagePf: number | null;
  readonly quality: QualityShares;
}

// ── The bill

export type LineUnit = 'kWh' | 'kW' | 'kvarh' | 'day' | 'period' | 'percent';

export interface BillLine {
  readonly componentId: string;
  readonly kind: ComponentKind;
  readonly description: string;
  /** The quantity billed, exact or rounded to 6 decimals when a proration makes it a fraction. */
  readonly quantity: Decimal;
  readonly unit: LineUnit;
  /**
   * Per unit, in currency units. On a `percent` line (a tax, a PF surcharge) the rate is the percent and the
   * quantity the base it applies to, in currency units.
   */
  readonly rate: Decimal;
  /** Rounded once, from the exact product (docs/billing.md). Negative for a credit. */
  readonly amount: Money;
  /** The id of the determinant the quantity came from; null for fixed charges and taxes. */
  readonly determinant: string | null;
  readonly tariffVersion: number;
  /** The local days the line covers. */
  readonly start: LocalDate;
  readonly end: LocalDate;
}

export interface BillHold {
  readonly reason: 'completeness';
  /** What was found and what the limit is: `completeness 0.9123 is below the limit 0.98`. */
  readonly message: string;
}

export interface Bill {
  readonly tariffId: string;
  /** Versions applied, in time order (two when a version changed inside the period). */
  readonly tariffVersions: readonly number[];
  readonly currency: CurrencyCode;
  readonly period: BillingPeriod;
  /** Non-tax lines in tariff order, part after part; then taxes. */
  readonly lines: readonly BillLine[];
  /** The sum of the line amounts, exactly. */
  readonly total: Money;
  readonly determinants: Determinants;
  /** Present when the bill must be reviewed and not issued. */
  readonly hold: BillHold | null;
}

/** What rating takes beside the tariff, period and intervals. */
export interface RatingOptions {
  /** Length of an interval, ms; 900 000 (15 minutes) when absent. */
  readonly intervalMs?: number;
  /** A bill whose completeness is below this share (0..1) is held for review; 0.98 when absent. */
  readonly completenessLimit?: number;
  /** Maxima of earlier months, for ratchets. */
  readonly pastDemands?: readonly PastDemand[];
}
