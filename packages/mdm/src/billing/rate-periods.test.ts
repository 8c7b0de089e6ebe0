// Worked examples over the calendar: a tariff version change inside a period (proration by day),
// the daylight-saving days of Europe/Berlin and America/New_York, and the data quality behind a
// bill (estimated and edited shares, completeness, hold for review). Amounts in cents.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { intervalSeries, testTariff } from '../testing/billing-fixtures.ts';
import { computeDeterminants, traceIntervals } from './determinants.ts';
import { rateBill } from './rate-bill.ts';
import type { Tariff } from './types.ts';

const oneKw = () => ({ importWh: 250 });

describe('rating: a tariff change inside the period', () => {
  const blocks = (low: string, high: string) => [{ upToKwh: '310', rate: low }, { rate: high }];
  const v1 = testTariff({ version: 1, effectiveTo: '2026-01-11', components: [
    { kind: 'fixed', id: 'base', description: 'Base', per: 'period', amount: '31.00' },
    { kind: 'energy-tiered', id: 'energy', description: 'Energy', blocks: blocks('0.10', '0.20') },
  ] });
  const v2 = testTariff({ version: 2, effectiveFrom: '2026-01-11', components: [
    { kind: 'fixed', id: 'base', description: 'Base', per: 'period', amount: '62.00' },
    { kind: 'energy-tiered', id: 'energy', description: 'Energy', blocks: blocks('0.12', '0.24') },
  ] });
  const january = { start: '2026-01-01', end: '2026-02-01' };
  const bill = rateBill([v2, v1], january, intervalSeries([v1, v2], january, oneKw));

  it('splits the period at the local midnight of the change and rates each part by its version', () => {
    assert.deepEqual(bill.tariffVersions, [1, 2]);
    assert.deepEqual(bill.determinants.parts.map((p) => [p.start, p.end, p.days, p.importKwh.quantity]),
      [['2026-01-01', '2026-01-11', 10, '240'], ['2026-01-11', '2026-02-01', 21, '504']]);
  });

  it('prorates fixed charges and tier blocks by days', () => {
    // Part 1, 10 of 31 days: base 31.00 × 10/31 = 10.00; block 310 × 10/31 = 100 kWh: 100 × 0.10 = 10.00, 140 × 0.20 = 28.00
    // Part 2, 21 of 31 days: base 62.00 × 21/31 = 42.00; block 310 × 21/31 = 210 kWh: 210 × 0.12 = 25.20, 294 × 0.24 = 70.56
    assert.deepEqual(bill.lines.map((l) => [l.tariffVersion, l.componentId, l.quantity, l.amount.minor]), [
      [1, 'base', '0.322581', 1000], [1, 'energy', '100', 1000], [1, 'energy', '140', 2800],
      [2, 'base', '0.677419', 4200], [2, 'energy', '210', 2520], [2, 'energy', '294', 7056],
    ]);
    // 10 + 10 + 28 + 42 + 25.20 + 70.56 = 185.76
    assert.equal(bill.total.minor, 18_576);
  });

  it('takes each part\'s own maximum demand and prorates the demand charge by days', () => {
    const demand = (version: number, rate: string, dates: object) => testTariff({ version, ...dates,
      components: [{ kind: 'demand', id: 'demand', description: 'Demand', windowMinutes: 15, rate }] });
    const d1 = demand(1, '10', { effectiveTo: '2026-01-11' });
    const d2 = demand(2, '20', { effectiveFrom: '2026-01-11' });
    // 1 kW everywhere, 3 kW in the interval ending 2026-01-05 12:00 (part 1), 2 kW in the one ending 2026-01-20 12:00 (part 2).
    const peaks = new Map([[Date.UTC(2026, 0, 5, 12), 750], [Date.UTC(2026, 0, 20, 12), 500]]);
    const intervals = intervalSeries([d1, d2], january, (p) => ({ importWh: peaks.get(p.end) ?? 250 }));
    const split = rateBill([d1, d2], january, intervals);
    // Part 1: 3 kW × 10/31 = 0.967742 kW shown; 3 × 10/31 × 10.00 = 9.677… → 9.68
    // Part 2: 2 kW × 21/31 = 1.354839 kW shown; 2 × 21/31 × 20.00 = 27.096… → 27.10
    assert.deepEqual(split.lines.map((l) => [l.tariffVersion, l.quantity, l.amount.minor, l.determinant]),
      [[1, '0.967742', 968, 'p0.demand.demand'], [2, '1.354839', 2710, 'p1.demand.demand']]);
    assert.deepEqual(split.determinants.parts.map((p) => [p.demands[0]?.quantity, p.demands[0]?.at]),
      [['3', Date.UTC(2026, 0, 5, 12)], ['2', Date.UTC(2026, 0, 20, 12)]]);
  });

  it('refuses a period on days no version covers', () => {
    assert.throws(() => rateBill(v1, january, []),
      { code: 'PW_ERR_TARIFF_NOT_EFFECTIVE', message: /no version given is in effect on 2026-01-11/u });
  });
});

/** A tariff in `timeZone` whose only bucket besides `rest` is the local hour `hour`:00 to `hour + 1`:00. */
const hourTariff = (timeZone: string, hour: number): Tariff => {
  const hh = (h: number) => `${String(h).padStart(2, '0')}:00`;
  return testTariff({
    timeZone,
    schedule: { windows: [{ bucket: 'hour', dayTypes: ['weekday', 'weekend'], from: hh(hour), to: hh(hour + 1) }], defaultBucket: 'rest' },
    components: [
      { kind: 'fixed', id: 'base', description: 'Base', per: 'day', amount: '1.00' },
      { kind: 'energy-tou', id: 'energy', description: 'Energy', rates: { hour: '1.00', rest: '0.10' } },
    ],
  });
};

describe('rating: daylight-saving days', () => {
  const cases = [
    // EU: clocks go from 02:00 to 03:00 on the last Sunday of March and from 03:00 back to 02:00 on the last Sunday of October.
    { zone: 'Europe/Berlin', date: '2026-03-29', intervals: 92, changed: 2, next: 3, changedKwh: '0', nextKwh: '1' },
    { zone: 'Europe/Berlin', date: '2026-10-25', intervals: 100, changed: 2, next: 3, changedKwh: '2', nextKwh: '1' },
    // US: 02:00 → 03:00 on the second Sunday of March; 02:00 → 01:00 on the first Sunday of November.
    { zone: 'America/New_York', date: '2026-03-08', intervals: 92, changed: 2, next: 3, changedKwh: '0', nextKwh: '1' },
    { zone: 'America/New_York', date: '2026-11-01', intervals: 100, changed: 1, next: 2, changedKwh: '2', nextKwh: '1' },
  ];
  for (const c of cases) {
    const day = { start: c.date, end: new Date(Date.parse(c.date) + 86_400_000).toISOString().slice(0, 10) };
    it(`${c.zone} ${c.date} has ${c.intervals} quarter hours and bills each in its local hour`, () => {
      const changed = hourTariff(c.zone, c.changed);
      const intervals = intervalSeries(changed, day, oneKw);
      assert.equal(intervals.length, c.intervals);
      // At 1 kW the day holds intervals / 4 kWh (23 or 25); the hour that is skipped holds 0 kWh, the hour that
      // comes twice 2 kWh, the hour after it 1 kWh.
      const determinants = computeDeterminants(changed, day, intervals);
      assert.equal(determinants.importKwh, String(c.intervals / 4));
      assert.equal(determinants.quality.expected, c.intervals);
      assert.equal(determinants.quality.completeness, 1);
      const kwhOf = (t: Tariff) => computeDeterminants(t, day, intervals).parts[0]?.buckets.map((b) => b.quantity);
      assert.deepEqual(kwhOf(changed), [c.changedKwh, String(c.intervals / 4 - Number(c.changedKwh))]);
      assert.deepEqual(kwhOf(hourTariff(c.zone, c.next)), [c.nextKwh, String(c.intervals / 4 - Number(c.nextKwh))]);
      // Bill: base 1 day × 1.00; the hour at 1.00/kWh, the rest at 0.10/kWh. Spring: 0 + 23 × 0.10 = 2.30 → 3.30;
      // autumn: 2 × 1.00 + 23 × 0.10 = 4.30 → 5.30.
      const bill = rateBill(changed, day, intervals);
      assert.equal(bill.total.minor, c.intervals === 92 ? 330 : 530);
      assert.equal(bill.lines[0]?.quantity, '1');
      // The hour that comes twice is traced to its eight interval ends.
      assert.equal(traceIntervals(changed, determinants, 'p0.bucket.hour').length, Number(c.changedKwh) * 4);
    });
  }
});

describe('rating: data quality', () => {
  const tariff = testTariff({ components: [{ kind: 'energy-flat', id: 'energy', description: 'Energy', rate: '0.10' }] });
  const day = { start: '2026-01-01', end: '2026-01-02' };
  // 96 intervals: 10 estimated, 2 edited, 3 absent, 1 given as missing, the other 80 validated.
  const intervals = intervalSeries(tariff, day, (p) => {
    if (p.slot < 10) return { importWh: 250, quality: 'estimated' };
    if (p.slot < 12) return { importWh: 250, quality: 'edited' };
    if (p.slot < 15) return null;
    if (p.slot === 15) return { importWh: 999, quality: 'missing' };
    return { importWh: 250 };
  });

  it('counts the qualities behind the determinants', () => {
    const { quality, importKwh } = computeDeterminants(tariff, day, intervals);
    // 92 intervals with a value × 0.25 kWh = 23 kWh (the missing one's 999 Wh is ignored)
    assert.equal(importKwh, '23');
    assert.deepEqual(quality.counts, { measured: 0, validated: 80, estimated: 10, edited: 2, missing: 4, suspect: 0 });
    // estimated 10/96, edited 2/96, completeness (96 − 4)/96 = 0.9583
    assert.deepEqual([quality.estimatedShare, quality.editedShare, quality.completeness], [10 / 96, 2 / 96, 92 / 96]);
  });

  it('holds a bill for review when completeness is below the limit', () => {
    // 0.9583 < 0.98 (the default limit): held; with a limit of 0.95: issued
    assert.deepEqual(rateBill(tariff, day, intervals).hold,
      { reason: 'completeness', message: 'completeness 0.9583 is below the limit 0.98' });
    assert.equal(rateBill(tariff, day, intervals, { completenessLimit: 0.95 }).hold, null);
    assert.throws(() => rateBill(tariff, day, intervals, { completenessLimit: 98 }), { code: 'PW_ERR_INVALID_ARGUMENT' });
    // The bill itself is rated on the data there is: 23 × 0.10 = 2.30
    assert.equal(rateBill(tariff, day, intervals).total.minor, 230);
  });

  it('refuses intervals off the grid, outside the period, twice, or negative', () => {
    const end = Date.UTC(2026, 0, 1, 0, 15);
    for (const [bad, message] of [
      [[{ end: end + 1, importWh: 1, quality: 'validated' }], /expected an end on the 900000 ms grid/u],
      [[{ end: Date.UTC(2026, 0, 2, 0, 15), importWh: 1, quality: 'validated' }], /expected an end on the 900000 ms grid/u],
      [[{ end, importWh: 1, quality: 'validated' }, { end, importWh: 2, quality: 'validated' }], /twice: expected each end once/u],
      [[{ end, importWh: -1, quality: 'validated' }], /importWh is -1, expected a finite number of at least 0/u],
    ] as const) {
      assert.throws(() => rateBill(tariff, day, bad), { code: 'PW_ERR_BILLING_INPUT', message });
    }
  });
});
