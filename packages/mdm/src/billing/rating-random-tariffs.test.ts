// Properties of rating over random tariffs, not only random data: any mix of components, rates,
// blocks, windows, taxes and rounding modes, one version or two that split the period. A bill's
// total is the sum of its lines, every line names a determinant the bill holds, and every
// determinant traces back to exactly the intervals whose values make it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { intervalSeries, testTariff } from '../testing/billing-fixtures.ts';
import { add, cmp, decimal, mul, scaled, zero, type Rational } from './decimal.ts';
import { traceIntervals } from './determinants.ts';
import { addDays } from './local-time.ts';
import { rateBill } from './rate-bill.ts';
import type { Determinant, IntervalInput, Tariff } from './types.ts';

const rate = fc.oneof(
  fc.integer({ min: 0, max: 10 ** 6 }).map((n) => (n / 10 ** 4).toString()),
  fc.tuple(fc.nat(999), fc.nat(10 ** 8)).map(([w, f]) => `${w}.${String(f).padStart(8, '0')}`),
);
const two = (n: number): string => String(n).padStart(2, '0');
const hhmm = fc.integer({ min: 0, max: 96 }).map((q) => `${two(Math.floor(q / 4))}:${two((q % 4) * 15)}`);
const bucketNames = ['peak', 'shoulder', 'constructor', 'off'] as const;
const windowOf = fc.record({
  bucket: fc.constantFrom(...bucketNames.slice(0, 3)),
  dayTypes: fc.subarray(['weekday', 'weekend', 'holiday'], { minLength: 1 }),
  from: hhmm.filter((t) => t !== '24:00'),
  to: hhmm,
}).filter((w) => w.from !== w.to);

/** A random tariff file: some components in random order, taxes last or not. */
const tariffFile = fc.record({
  windows: fc.array(windowOf, { minLength: 0, maxLength: 4 }),
  rounding: fc.constantFrom('half-up', 'half-even'),
  timeZone: fc.constantFrom('Etc/UTC', 'Europe/Berlin', 'Asia/Kathmandu', 'Australia/Lord_Howe', 'America/New_York'),
  fixed: fc.option(fc.record({ per: fc.constantFrom('day', 'period'), amount: rate })),
  energy: fc.oneof(
    rate.map((r) => ({ kind: 'energy-flat', rate: r })),
    fc.tuple(fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 0, maxLength: 3 }), fc.array(rate, { minLength: 4, maxLength: 4 }))
      .map(([limits, rates]) => {
        const ups = [...new Set(limits)].sort((a, b) => a - b);
        return { kind: 'energy-tiered', blocks: [...ups.map((u, k) => ({ upToKwh: String(u), rate: rates[k] })), { rate: rates[3] }] };
      }),
    fc.array(rate, { minLength: 4, maxLength: 4 }).map((rates) => ({ kind: 'energy-tou', rates })),
  ),
  demand: fc.option(fc.record({ windowMinutes: fc.constantFrom(15, 30), rate, byBucket: fc.boolean(), ratchet: fc.boolean() })),
  reactive: fc.option(fc.record({ tanPhiLimit: rate, rate })),
  pf: fc.option(fc.record({ pfLimit: fc.integer({ min: 1, max: 100 }).map((n) => String(n / 100)), percent: fc.boolean(), value: rate })),
  export: fc.constantFrom('none', 'feed-in', 'net-metering'),
  exportRate: rate,
  levy: fc.option(fc.record({ rate, basis: fc.constantFrom('import', 'net') })),
  taxes: fc.array(fc.record({ percent: rate, compound: fc.boolean() }), { maxLength: 3 }),
  order: fc.array(fc.nat(), { minLength: 20, maxLength: 20 }),
});

type TariffFileCase = typeof tariffFile extends fc.Arbitrary<infer T> ? T : never;

function tariffsOf(file: TariffFileCase, split: number | null, start: string): Tariff[] {
  const buckets = [...new Set([...file.windows.map((w) => w.bucket), 'off'])];
  const components: Record<string, unknown>[] = [];
  if (file.fixed !== null) components.push({ kind: 'fixed', id: 'fixed', description: 'Fixed', ...file.fixed });
  const e = file.energy;
  if ('rates' in e) {
    const rates = e.rates as readonly string[];
    const perBucket = Object.fromEntries(buckets.map((b, k) => [b, rates[k % 4]]));
    components.push({ kind: 'energy-tou', id: 'energy', description: 'Energy', rates: perBucket });
  } else components.push({ id: 'energy', description: 'Energy', ...e });
  if (file.demand !== null) {
    const { byBucket, ratchet, ...d } = file.demand;
    components.push({ kind: 'demand', id: 'demand', description: 'Demand', ...d, ...(byBucket ? { buckets: [buckets[0]] } : {}),
      ...(ratchet ? { ratchet: { share: '0.8', months: 2 } } : {}) });
  }
  if (file.reactive !== null) components.push({ kind: 'reactive-kvarh', id: 'reactive', description: 'Reactive', ...file.reactive });
  if (file.pf !== null) {
    components.push({ kind: 'power-factor', id: 'pf', description: 'PF', pfLimit: file.pf.pfLimit,
      surcharge: file.pf.percent ? { type: 'percent-of-energy', percent: file.pf.value } : { type: 'per-kwh', rate: file.pf.value } });
  }
  if (file.export === 'feed-in') components.push({ kind: 'feed-in', id: 'export', description: 'Export', rate: file.exportRate });
  if (file.export === 'net-metering') {
    components.push({ kind: 'net-metering', id: 'export', description: 'Net', excessRate: file.exportRate });
  }
  if (file.levy !== null) components.push({ kind: 'levy', id: 'levy', description: 'Levy', ...file.levy });
  components.sort((a, b) => (file.order[components.indexOf(a)] ?? 0) - (file.order[components.indexOf(b)] ?? 0));
  for (const [k, t] of file.taxes.entries()) components.push({ kind: 'tax', id: `tax${k}`, description: 'Tax', ...t });
  const fields = {
    timeZone: file.timeZone, rounding: file.rounding, effectiveFrom: '2025-01-01', components,
    schedule: { holidays: [addDays(start, 1)], windows: file.windows, defaultBucket: 'off' },
  };
  if (split === null) return [testTariff(fields)];
  return [testTariff(fields), testTariff({ ...fields, version: 2, effectiveFrom: addDays(start, split), rounding: 'half-even' })];
}

const billCase = fc.record({
  file: tariffFile,
  start: fc.constantFrom('2026-03-27', '2026-10-24', '2026-04-04', '2026-03-07', '2026-07-15', '2026-12-30'),
  days: fc.integer({ min: 1, max: 4 }),
  split: fc.option(fc.integer({ min: 1, max: 3 })),
  values: fc.array(fc.record({
    importWh: fc.double({ min: 0, max: 9000, noNaN: true }),
    exportWh: fc.double({ min: 0, max: 9000, noNaN: true }),
    reactiveImportVarh: fc.double({ min: 0, max: 9000, noNaN: true }),
    reactiveExportVarh: fc.double({ min: 0, max: 100, noNaN: true }),
    quality: fc.constantFrom('validated', 'estimated', 'edited', 'missing'),
    present: fc.boolean(),
  }), { minLength: 1, maxLength: 30 }),
}).map(({ file, start, days, split, values }) => {
  const period = { start, end: addDays(start, days) };
  const tariffs = tariffsOf(file, split !== null && split < days ? split : null, start);
  const intervals = intervalSeries(tariffs, period, (p) => {
    const { present, ...v } = values[p.slot % values.length] as (typeof values)[number];
    return present ? v : null;
  });
  return { tariffs, period, intervals };
});

/** The exact kWh (kvarh) of some intervals: each value to the nearest mWh, as rating takes it. */
type EnergyKey = 'importWh' | 'exportWh' | 'reactiveImportVarh';

function energyAt(intervals: readonly IntervalInput[], ends: readonly number[], key: EnergyKey): Rational {
  const byEnd = new Map(intervals.map((i) => [i.end, i]));
  return ends.reduce((total, end) => {
    const interval = byEnd.get(end);
    if (interval === undefined || interval.quality === 'missing') return total;
    return add(total, scaled(Math.round((interval[key] ?? 0) * 1000), 6));
  }, zero);
}

describe('rating properties over random tariffs', () => {
  it('a bill\'s total is the sum of its lines, each names a determinant of the bill', () => {
    fc.assert(fc.property(billCase, ({ tariffs, period, intervals }) => {
      const bill = rateBill(tariffs, period, intervals, { pastDemands: [{ componentId: 'demand', month: '2026-02', kw: '7.5' }] });
      const ids = new Set(bill.determinants.parts.flatMap((p) => [p.importKwh, p.exportKwh, p.reactiveImportKvarh, p.reactiveExportKvarh,
        ...p.buckets, ...p.exportBuckets, ...p.demands].map((d) => d.id)));
      for (const line of bill.lines) {
        assert.ok(Number.isSafeInteger(line.amount.minor));
        if (line.determinant !== null) assert.ok(ids.has(line.determinant), line.determinant);
      }
      assert.equal(bill.total.minor, bill.lines.reduce((s, l) => s + l.amount.minor, 0));
      // Taxes come after every other line.
      const firstTax = bill.lines.findIndex((l) => l.kind === 'tax');
      if (firstTax >= 0) assert.ok(bill.lines.slice(firstTax).every((l) => l.kind === 'tax'));
    }), { numRuns: 60 });
  });

  it('every determinant traces back to exactly the intervals that make it', () => {
    fc.assert(fc.property(billCase, ({ tariffs, period, intervals }) => {
      const { determinants } = rateBill(tariffs, period, intervals);
      for (const part of determinants.parts) {
        const energies: [Determinant, 'importWh' | 'exportWh' | 'reactiveImportVarh'][] = [
          [part.importKwh, 'importWh'], [part.exportKwh, 'exportWh'], [part.reactiveImportKvarh, 'reactiveImportVarh'],
          ...part.buckets.map((b): [Determinant, 'importWh'] => [b, 'importWh']),
          ...part.exportBuckets.map((b): [Determinant, 'exportWh'] => [b, 'exportWh']),
        ];
        for (const [d, key] of energies) {
          const ends = traceIntervals(tariffs, determinants, d.id);
          assert.ok(ends.every((end) => end > part.from && end <= part.to), d.id);
          assert.equal(cmp(energyAt(intervals, ends, key), decimal(d.quantity)), 0, d.id);
        }
        for (const d of part.demands) {
          const ends = traceIntervals(tariffs, determinants, d.id);
          // kW = kWh of the window × 60 / window minutes.
          const kw = mul(energyAt(intervals, ends, 'importWh'), { n: 60n, d: BigInt(d.windowMinutes) });
          assert.equal(cmp(ends.length === 0 ? zero : kw, decimal(d.quantity)), 0, d.id);
          assert.equal(ends.length === 0 ? null : ends.at(-1), d.at);
        }
      }
      assert.equal(cmp(determinants.parts.map((p) => decimal(p.importKwh.quantity)).reduce(add, zero), decimal(determinants.importKwh)), 0);
    }), { numRuns: 60 });
  });
});
