// Properties of rating over random data, periods (daylight-saving days among them) and the sample
// tariffs: ToU buckets sum to the period's energy, a bill's total is the sum of its lines, the
// order of the intervals does not matter, and rebilling the same data gives the same bill.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { intervalSeries, sampleTariff } from '../testing/billing-fixtures.ts';
import { decimal, sum, cmp } from './decimal.ts';
import { addDays } from './local-time.ts';
import { rateBill } from './rate-bill.ts';
import type { Tariff } from './types.ts';

const tariffs: readonly Tariff[] = [
  sampleTariff('commercial-tou-berlin'), sampleTariff('residential-tiered-new-york'), sampleTariff('industrial-reactive-berlin'),
];
const qualities = ['validated', 'measured', 'estimated', 'edited', 'missing'] as const;

const value = fc.record({
  importWh: fc.double({ min: 0, max: 5000, noNaN: true }),
  exportWh: fc.double({ min: 0, max: 2000, noNaN: true }),
  reactiveImportVarh: fc.double({ min: 0, max: 3000, noNaN: true }),
  quality: fc.constantFrom(...qualities),
  present: fc.boolean(),
});

/** A tariff, a period of 1 to 4 days (starting on a DST change day one time in three), and values cycled over its intervals. */
const billCase = fc.record({
  tariff: fc.constantFrom(...tariffs),
  start: fc.oneof(
    fc.constantFrom('2026-03-28', '2026-03-29', '2026-10-25', '2026-03-08', '2026-11-01'),
    fc.integer({ min: 0, max: 360 }).map((d) => addDays('2026-01-01', d)),
    fc.integer({ min: 0, max: 360 }).map((d) => addDays('2026-01-01', d)),
  ),
  days: fc.integer({ min: 1, max: 4 }),
  values: fc.array(value, { minLength: 1, maxLength: 40 }),
}).map(({ tariff, start, days, values }) => {
  const period = { start, end: addDays(start, days) };
  const intervals = intervalSeries(tariff, period, (p) => {
    const { present, ...v } = values[p.slot % values.length] as (typeof values)[number];
    return present ? v : null;
  });
  return { tariff, period, intervals };
});

describe('rating properties', () => {
  it('ToU buckets sum to the energy of each part, and the parts to the period', () => {
    fc.assert(fc.property(billCase, ({ tariff, period, intervals }) => {
      const { determinants } = rateBill(tariff, period, intervals);
      for (const part of determinants.parts) {
        if (part.buckets.length === 0) continue;
        assert.equal(cmp(sum(part.buckets.map((b) => decimal(b.quantity))), decimal(part.importKwh.quantity)), 0);
        assert.equal(cmp(sum(part.exportBuckets.map((b) => decimal(b.quantity))), decimal(part.exportKwh.quantity)), 0);
      }
      assert.equal(cmp(sum(determinants.parts.map((p) => decimal(p.importKwh.quantity))), decimal(determinants.importKwh)), 0);
    }), { numRuns: 40 });
  });

  it('a bill\'s total is the sum of its lines, each a whole number of minor units', () => {
    fc.assert(fc.property(billCase, ({ tariff, period, intervals }) => {
      const bill = rateBill(tariff, period, intervals);
      for (const line of bill.lines) {
        assert.ok(Number.isSafeInteger(line.amount.minor));
        assert.equal(line.amount.currency, bill.currency);
      }
      assert.equal(bill.total.minor, bill.lines.reduce((s, l) => s + l.amount.minor, 0));
    }), { numRuns: 40 });
  });

  it('is independent of the order of the intervals', () => {
    fc.assert(fc.property(billCase, fc.array(fc.integer(), { minLength: 1, maxLength: 50 }), ({ tariff, period, intervals }, keys) => {
      const shuffled = intervals.map((interval, k) => ({ interval, key: keys[k % keys.length] as number, k }))
        .sort((a, b) => a.key - b.key || b.k - a.k).map((x) => x.interval);
      assert.deepEqual(rateBill(tariff, period, shuffled), rateBill(tariff, period, intervals));
    }), { numRuns: 40 });
  });

  it('rebilling the same data gives the same bill: a zero difference', () => {
    fc.assert(fc.property(billCase, ({ tariff, period, intervals }) => {
      const first = rateBill(tariff, period, intervals);
      const again = rateBill(tariff, period, structuredClone(intervals));
      assert.equal(again.total.minor - first.total.minor, 0);
      assert.deepEqual(again, first);
    }), { numRuns: 40 });
  });
});
