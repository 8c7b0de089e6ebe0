// Rating: determinants and a tariff in, a bill out. Every quantity and rate is an exact rational
// (decimal.ts); each line's amount is rounded once to minor units by the tariff's rounding mode, and
// the total is the sum of the lines as printed. A period split by a version change is rated part by
// part, each part by its own version, with fixed charges, tier blocks and demand charges prorated by
// the part's share of the period's days. Taxes come last, per part, on that part's subtotal.
// docs/billing.md gives the arithmetic of every component.
import { ValidationError } from '@phasewire/core';
import {
  add, cmp, decimal, div, integer, max, min, mul, neg, scaled, sub, sum, toDecimal, toMinor, zero, type Rational,
} from './decimal.ts';
import { computeDeterminants, defaultIntervalMs } from './determinants.ts';
import { addDays, daysBetween } from './local-time.ts';
import { planPeriod } from './period-plan.ts';
import type {
  Bill, BillingPeriod, BillLine, ComponentKind, DemandComponent, Determinant, Determinants, IntervalInput, LineUnit, PartDeterminants,
  PastDemand, RatingOptions, Tariff, TariffComponent,
} from './types.ts';

export const defaultCompletenessLimit = 0.98;
const hundred = integer(100);
const energyKinds: ReadonlySet<ComponentKind> = new Set(['energy-flat', 'energy-tiered', 'energy-tou']);

interface PartContext {
  readonly tariff: Tariff;
  readonly part: PartDeterminants;
  /** The part's share of the period's days. */
  readonly share: Rational;
  readonly period: BillingPeriod;
  readonly pastDemands: readonly PastDemand[];
}

type LineOf = (
  component: TariffComponent, quantity: Rational, unit: LineUnit, rate: string, amount: Rational, determinant: string | null, note?: string,
) => BillLine;

function lineMaker(context: PartContext): LineOf {
  const { tariff, part } = context;
  return (component, quantity, unit, rate, amount, determinant, note) => ({
    componentId: component.id,
    kind: component.kind,
    description: note === undefined ? component.description : `${component.description} ${note}`,
    quantity: toDecimal(quantity, 6),
    unit,
    rate,
    amount: { currency: tariff.currency, minor: toMinor(amount, tariff.minorDigits, tariff.rounding) },
    determinant, tariffVersion: tariff.version, start: part.start, end: part.end,
  });
}

const q = (d: Determinant): Rational => decimal(d.quantity);
const positive = (value: Rational): Rational => max(value, zero);
const show = (value: Rational): string => toDecimal(value, 6);

/** The energy the energy charges apply to: per bucket and in all, net of export under net metering, and the export left over. */
interface BilledEnergy {
  readonly total: Rational;
  readonly buckets: readonly Rational[];
  readonly excess: Rational;
}

function billedEnergy(context: PartContext): BilledEnergy {
  const { tariff, part } = context;
  const imports = part.buckets.map(q);
  if (!tariff.components.some((c) => c.kind === 'net-metering')) return { total: q(part.importKwh), buckets: imports, excess: zero };
  if (tariff.components.some((c) => c.kind === 'energy-tou')) {
    // Net metering by ToU bucket: export in a bucket nets import in the same bucket only.
    const exports = part.exportBuckets.map(q);
    const buckets = imports.map((i, b) => positive(sub(i, exports[b] ?? zero)));
    const excess = sum(imports.map((i, b) => positive(sub(exports[b] ?? zero, i))));
    return { total: sum(buckets), buckets, excess };
  }
  const net = sub(q(part.importKwh), q(part.exportKwh));
  return { total: positive(net), buckets: imports, excess: positive(neg(net)) };
}

/** `YYYY-MM` of the `count` months before the month of `date`, nearest first. */
function monthsBefore(date: string, count: number): string[] {
  const year = Number(date.slice(0, 4));
  const month = Number(date.slice(5, 7)) - 1;
  return Array.from({ length: count }, (_, k) => {
    const m = year * 12 + month - (k + 1);
    return `${Math.floor(m / 12)}-${String((m % 12) + 1).padStart(2, '0')}`;
  });
}

function demandLine(context: PartContext, c: DemandComponent, line: LineOf): BillLine {
  const determinant = context.part.demands.find((d) => d.componentId === c.id) as Determinant;
  const actual = q(determinant);
  let billed = actual;
  let note: string | undefined;
  if (c.ratchet !== undefined) {
    const months = new Set(monthsBefore(context.period.start, c.ratchet.months));
    const past = context.pastDemands.filter((p) => p.componentId === c.id && months.has(p.month));
    const higher = (best: PastDemand | undefined, p: PastDemand): PastDemand | undefined =>
      (best === undefined || cmp(decimal(p.kw), decimal(best.kw)) > 0 ? p : best);
    const highest = past.reduce<PastDemand | undefined>(higher, undefined);
    const floor = highest === undefined ? zero : mul(decimal(c.ratchet.share), decimal(highest.kw));
    if (highest !== undefined && cmp(floor, actual) > 0) {
      billed = floor;
      note = `(ratchet: ${c.ratchet.share} × ${highest.kw} kW of ${highest.month}, above the ${show(actual)} kW measured)`;
    }
  }
  // Prorated by days when the period is split: the quantity shows kW × the part's share of the days.
  const quantity = mul(billed, context.share);
  return line(c, quantity, 'kW', c.rate, mul(quantity, decimal(c.rate)), determinant.id, note);
}

type TieredComponent = Extract<TariffComponent, { kind: 'energy-tiered' }>;

function tieredLines(context: PartContext, c: TieredComponent, line: LineOf, energy: Rational): BillLine[] {
  const lines: BillLine[] = [];
  let lower = zero;
  for (const [index, block] of c.blocks.entries()) {
    const limit = block.upToKwh === undefined ? undefined : mul(decimal(block.upToKwh), context.share);
    const inBlock = positive(sub(limit === undefined ? energy : min(energy, limit), lower));
    if (index === 0 || inBlock.n > 0n) {
      const range = `(block ${index + 1}: ${show(lower)}${limit === undefined ? '+' : `–${show(limit)}`} kWh)`;
      lines.push(line(c, inBlock, 'kWh', block.rate, mul(inBlock, decimal(block.rate)), context.part.importKwh.id, range));
    }
    if (limit === undefined) break;
    lower = limit;
  }
  return lines;
}

/** Whether the average PF kWh / √(kWh² + kvarh²) is below the limit, exactly: kWh² < limit² × (kWh² + kvarh²). */
function pfBelow(kwh: Rational, kvarh: Rational, limit: Rational): boolean {
  if (kwh.n === 0n) return false;
  const p2 = mul(kwh, kwh);
  return cmp(p2, mul(mul(limit, limit), add(p2, mul(kvarh, kvarh)))) < 0;
}

/** The sum of the lines' minor units, as a bigint: two safe amounts can add up to more than a float64 holds exactly. */
const minorSum = (lines: readonly BillLine[]): bigint => lines.reduce((s, l) => s + BigInt(l.amount.minor), 0n);
const minorOf = (lines: readonly BillLine[], digits: number): Rational => scaled(minorSum(lines), digits);

function totalOf(lines: readonly BillLine[]): number {
  const total = minorSum(lines);
  if (total > BigInt(Number.MAX_SAFE_INTEGER) || total < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new ValidationError('PW_ERR_INVALID_ARGUMENT', `Cannot hold a bill total of ${total} minor units: expected a safe integer`);
  }
  return Number(total);
}

function ratePart(context: PartContext): { readonly lines: BillLine[]; readonly taxes: BillLine[] } {
  const { tariff, part, share } = context;
  const line = lineMaker(context);
  const energy = billedEnergy(context);
  const imp = q(part.importKwh);
  const exp = q(part.exportKwh);
  const perComponent = new Map<TariffComponent, BillLine[]>();
  for (const c of tariff.components) {
    const lines: BillLine[] = [];
    switch (c.kind) {
      case 'fixed':
        if (c.per === 'day') lines.push(line(c, integer(part.days), 'day', c.amount, mul(integer(part.days), decimal(c.amount)), null));
        else lines.push(line(c, share, 'period', c.amount, mul(share, decimal(c.amount)), null));
        break;
      case 'energy-flat':
        lines.push(line(c, energy.total, 'kWh', c.rate, mul(energy.total, decimal(c.rate)), part.importKwh.id));
        break;
      case 'energy-tiered':
        lines.push(...tieredLines(context, c, line, energy.total));
        break;
      case 'energy-tou':
        for (const [b, bucket] of part.buckets.entries()) {
          const kwh = energy.buckets[b] ?? zero;
          const name = bucket.trace.buckets?.[0] ?? '';
          const rate = c.rates[name] ?? '0';
          lines.push(line(c, kwh, 'kWh', rate, mul(kwh, decimal(rate)), bucket.id, `(${name})`));
        }
        break;
      case 'demand':
        lines.push(demandLine(context, c, line));
        break;
      case 'reactive-kvarh': {
        const excess = positive(sub(q(part.reactiveImportKvarh), mul(decimal(c.tanPhiLimit), imp)));
        lines.push(line(c, excess, 'kvarh', c.rate, mul(excess, decimal(c.rate)), part.reactiveImportKvarh.id,
          `(above ${c.tanPhiLimit} × ${show(imp)} kWh)`));
        break;
      }
      case 'feed-in':
        lines.push(line(c, exp, 'kWh', c.rate, neg(mul(exp, decimal(c.rate))), part.exportKwh.id));
        break;
      case 'net-metering':
        if (c.excessRate !== undefined) {
          lines.push(line(c, energy.excess, 'kWh', c.excessRate, neg(mul(energy.excess, decimal(c.excessRate))), part.exportKwh.id));
        }
        break;
      case 'levy': {
        const base = c.basis === 'import' ? imp : positive(sub(imp, exp));
        lines.push(line(c, base, 'kWh', c.rate, mul(base, decimal(c.rate)), part.importKwh.id));
        break;
      }
      case 'power-factor':
      case 'tax':
        break;
    }
    perComponent.set(c, lines);
  }
  // The power-factor surcharge reads the energy charges as billed, wherever the tariff lists it.
  const energyLines = [...perComponent].filter(([c]) => energyKinds.has(c.kind)).flatMap(([, lines]) => lines);
  for (const c of tariff.components) {
    if (c.kind !== 'power-factor' || !pfBelow(imp, q(part.reactiveImportKvarh), decimal(c.pfLimit))) continue;
    const note = `(average PF ${part.averagePf?.toFixed(4) ?? '—'} below ${c.pfLimit})`;
    if (c.surcharge.type === 'per-kwh') {
      perComponent.set(c, [line(c, imp, 'kWh', c.surcharge.rate, mul(imp, decimal(c.surcharge.rate)), part.importKwh.id, note)]);
    } else {
      const base = minorOf(energyLines, tariff.minorDigits);
      const amount = div(mul(base, decimal(c.surcharge.percent)), hundred);
      perComponent.set(c, [line(c, base, 'percent', c.surcharge.percent, amount, part.reactiveImportKvarh.id, note)]);
    }
  }
  const lines = [...perComponent.values()].flat();
  const taxes: BillLine[] = [];
  for (const c of tariff.components) {
    if (c.kind !== 'tax') continue;
    const base = add(minorOf(lines, tariff.minorDigits), c.compound ? minorOf(taxes, tariff.minorDigits) : zero);
    taxes.push(line(c, base, 'percent', c.percent, div(mul(base, decimal(c.percent)), hundred), null));
  }
  return { lines, taxes };
}

/** Rates determinants already computed (by computeDeterminants) on the tariff versions they were computed for. */
export function rateDeterminants(tariffs: Tariff | readonly Tariff[], determinants: Determinants, options: RatingOptions = {}): Bill {
  const plan = planPeriod(tariffs, determinants.period, determinants.intervalMs);
  const periodDays = daysBetween(determinants.period.start, determinants.period.end);
  // Determinants computed on fewer versions (one part where the plan has two) would rate the whole period on the first.
  if (determinants.parts.length !== plan.parts.length) {
    throw new ValidationError('PW_ERR_TARIFF_NOT_EFFECTIVE', `Cannot rate determinants of ${determinants.parts.length} part(s) on `
      + `versions that split ${determinants.period.start} to ${determinants.period.end} in ${plan.parts.length}: expected the versions `
      + 'they were computed on');
  }
  const rated = determinants.parts.map((part, index) => {
    const planned = plan.parts[index];
    const tariff = planned?.tariff;
    if (tariff === undefined || tariff.version !== part.tariffVersion || planned?.start !== part.start || planned.end !== part.end) {
      throw new ValidationError('PW_ERR_TARIFF_NOT_EFFECTIVE', `Cannot rate part ${index} (${part.start} to ${part.end}): `
        + `its determinants are for version ${part.tariffVersion}, expected ${tariff?.version ?? 'a part of the plan'}`);
    }
    const share = div(integer(part.days), integer(periodDays));
    return ratePart({ tariff, part, share, period: determinants.period, pastDemands: options.pastDemands ?? [] });
  });
  const lines = [...rated.flatMap((r) => r.lines), ...rated.flatMap((r) => r.taxes)];
  const first = plan.parts[0]?.tariff as Tariff;
  const limit = options.completenessLimit ?? defaultCompletenessLimit;
  if (!(limit >= 0 && limit <= 1)) {
    throw new ValidationError('PW_ERR_INVALID_ARGUMENT', `Cannot rate with a completeness limit of ${limit}: expected a share from 0 to 1`);
  }
  const completeness = determinants.quality.completeness;
  return {
    tariffId: first.id, tariffVersions: plan.parts.map((p) => p.tariff.version), currency: first.currency, period: determinants.period,
    lines, total: { currency: first.currency, minor: totalOf(lines) }, determinants,
    hold: completeness < limit
      ? { reason: 'completeness', message: `completeness ${completeness.toFixed(4)} is below the limit ${limit}` }
      : null,
  };
}

/**
 * The bill of one meter for a period: determinants from its final intervals, rated on the tariff
 * versions in effect. Pure; the same data gives the same bill, whatever the order of `intervals`.
 */
export function rateBill(
  tariffs: Tariff | readonly Tariff[],
  period: BillingPeriod,
  intervals: readonly IntervalInput[],
  options: RatingOptions = {},
): Bill {
  const determinants = computeDeterminants(tariffs, period, intervals, { intervalMs: options.intervalMs ?? defaultIntervalMs });
  return rateDeterminants(tariffs, determinants, options);
}

/** The billing period of a calendar month: `periodOfMonth('2026-03')` is 2026-03-01 to 2026-04-01. */
export function periodOfMonth(month: string): BillingPeriod {
  const start = `${month}-01`;
  return { start, end: addDays(start, 31).slice(0, 7) + '-01' };
}
