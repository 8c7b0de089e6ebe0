// Worked examples, computed by hand beside each assertion: demand charges (15 and 30 minutes, per
// ToU window, ratchet), reactive energy and power factor, feed-in and net metering. Amounts in cents.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { intervalSeries, testTariff, type IntervalPlace } from '../testing/billing-fixtures.ts';
import { traceIntervals } from './determinants.ts';
import { rateBill } from './rate-bill.ts';
import type { Bill, BillLine } from './types.ts';

const linesOf = (bill: Bill, id: string): BillLine[] => bill.lines.filter((l) => l.componentId === id);
const amountOf = (bill: Bill, id: string): number => linesOf(bill, id).reduce((s, l) => s + l.amount.minor, 0);
const day = { start: '2026-01-01', end: '2026-01-02' };
const everyDay = ['weekday', 'weekend', 'holiday'];
const at = (hh: number, mm: number): number => Date.UTC(2026, 0, 1, hh, mm);

describe('rating: demand charges', () => {
  const tariff = testTariff({
    schedule: { windows: [{ bucket: 'peak', dayTypes: everyDay, from: '08:00', to: '20:00' }], defaultBucket: 'off' },
    components: [
      { kind: 'energy-tou', id: 'energy', description: 'Energy', rates: { peak: '0', off: '0' } },
      { kind: 'demand', id: 'd15', description: '15-min demand', windowMinutes: 15, rate: '10.00' },
      { kind: 'demand', id: 'd30', description: '30-min demand', windowMinutes: 30, rate: '10.00' },
      { kind: 'demand', id: 'peak', description: 'Peak-window demand', windowMinutes: 15, rate: '10.00', buckets: ['peak'] },
    ],
  });
  // 1 kW all day (250 Wh per 15 min), 2.8 kW in the intervals ending 12:30 and 12:45 (700 Wh each), and 3 kW in the
  // one ending 21:00 (750 Wh), outside the peak window.
  const load = (p: IntervalPlace) => ({ importWh: p.end === at(12, 30) || p.end === at(12, 45) ? 700 : p.end === at(21, 0) ? 750 : 250 });
  const bill = rateBill(tariff, day, intervalSeries(tariff, day, load));
  const demand = (id: string) => bill.determinants.parts[0]?.demands.find((d) => d.componentId === id);

  it('takes the 15-minute maximum with its time', () => {
    // 750 Wh in 15 min = 750 × 4 = 3000 W = 3 kW, at 21:00; 3 × 10.00 = 30.00
    assert.deepEqual([demand('d15')?.quantity, demand('d15')?.at], ['3', at(21, 0)]);
    assert.equal(amountOf(bill, 'd15'), 3000);
  });

  it('averages two 15-minute intervals over half hours aligned to the clock', () => {
    // Windows end at :00 and :30. 12:30 window: 250 + 700 = 950 Wh; 13:00 window: 700 + 250 = 950 Wh; 21:00 window:
    // 250 + 750 = 1000 Wh → 1000 Wh in 30 min = 2 kW. (The unaligned pair 12:30 + 12:45 = 1400 Wh does not count.)
    assert.deepEqual([demand('d30')?.quantity, demand('d30')?.at], ['2', at(21, 0)]);
    // 2 × 10.00 = 20.00
    assert.equal(amountOf(bill, 'd30'), 2000);
    assert.deepEqual(demand('d30')?.trace.ends, [at(20, 45), at(21, 0)]);
  });

  it('counts only the intervals in its ToU window when it names buckets', () => {
    // In 08:00–20:00 the maximum is 700 Wh × 4 = 2.8 kW at 12:30 (the first of the two equal ones); 2.8 × 10.00 = 28.00
    assert.deepEqual([demand('peak')?.quantity, demand('peak')?.at], ['2.8', at(12, 30)]);
    assert.equal(amountOf(bill, 'peak'), 2800);
    assert.deepEqual(traceIntervals(tariff, bill.determinants, 'p0.demand.peak'), [at(12, 30)]);
  });

  it('leaves out a window with a missing interval', () => {
    const gap = intervalSeries(tariff, day, (p) => (p.end === at(21, 0) ? null : load(p)));
    // Without 21:00 the 15-min maximum is the 2.8 kW at 12:30; the 30-min one 950 Wh → 1.9 kW at 12:30.
    const parts = rateBill(tariff, day, gap).determinants.parts[0];
    assert.deepEqual(parts?.demands.map((d) => [d.componentId, d.quantity, d.at]),
      [['d15', '2.8', at(12, 30)], ['d30', '1.9', at(12, 30)], ['peak', '2.8', at(12, 30)]]);
  });

  it('bills at least the ratchet share of the highest demand of the months before', () => {
    const ratchet = testTariff({
      components: [
        { kind: 'demand', id: 'd', description: 'Demand', windowMinutes: 15, rate: '10.00', ratchet: { share: '0.8', months: 3 } },
      ],
    });
    const april = { start: '2026-04-01', end: '2026-04-02' };
    const intervals = intervalSeries(ratchet, april, () => ({ importWh: 250 }));
    const pastDemands = [
      { componentId: 'd', month: '2026-03', kw: '10' }, { componentId: 'd', month: '2026-01', kw: '20' },
      { componentId: 'd', month: '2025-12', kw: '50' }, { componentId: 'other', month: '2026-02', kw: '90' },
    ];
    // Months before April, 3 of them: March, February, January → highest 20 kW (December is too old, `other` is another
    // component). 0.8 × 20 = 16 kW > 1 kW measured; 16 × 10.00 = 160.00
    const bill = rateBill(ratchet, april, intervals, { pastDemands });
    assert.deepEqual(linesOf(bill, 'd').map((l) => [l.quantity, l.amount.minor]), [['16', 16_000]]);
    assert.match(linesOf(bill, 'd')[0]?.description ?? '', /ratchet: 0\.8 × 20 kW of 2026-01, above the 1 kW measured/u);
    // With no history the measured 1 kW is billed: 10.00
    assert.equal(rateBill(ratchet, april, intervals).total.minor, 1000);
  });
});

describe('rating: reactive energy and power factor', () => {
  // 1 kW and 0.6 kvar all day: 24 kWh and 14.4 kvarh (150 varh per 15 min).
  const reactive = (varh: number) => () => ({ importWh: 250, reactiveImportVarh: varh });

  it('charges the kvarh above tan φ × kWh', () => {
    const tariff = testTariff({
      components: [{ kind: 'reactive-kvarh', id: 'q', description: 'Reactive', tanPhiLimit: '0.4', rate: '0.0120' }],
    });
    // Free: 0.4 × 24 = 9.6 kvarh; billed 14.4 − 9.6 = 4.8 kvarh × 0.0120 = 0.0576 → 0.06
    const bill = rateBill(tariff, day, intervalSeries(tariff, day, reactive(150)));
    assert.deepEqual(linesOf(bill, 'q').map((l) => [l.quantity, l.amount.minor, l.determinant]), [['4.8', 6, 'p0.reactiveImport']]);
    // 0.4 kvar: 9.6 kvarh, all free
    assert.equal(rateBill(tariff, day, intervalSeries(tariff, day, reactive(100))).total.minor, 0);
  });

  const pfTariff = (surcharge: object) => testTariff({
    components: [
      { kind: 'energy-flat', id: 'energy', description: 'Energy', rate: '0.20' },
      { kind: 'power-factor', id: 'pf', description: 'Low power factor', pfLimit: '0.9', surcharge },
    ],
  });

  it('adds a percent of the energy charge below the PF limit', () => {
    const tariff = pfTariff({ type: 'percent-of-energy', percent: '5' });
    // PF = 24 / √(24² + 14.4²) = 24 / 27.988 = 0.8575 < 0.9. Energy 24 × 0.20 = 4.80; 5 % of 4.80 = 0.24
    const bill = rateBill(tariff, day, intervalSeries(tariff, day, reactive(150)));
    assert.deepEqual(linesOf(bill, 'pf').map((l) => [l.quantity, l.unit, l.rate, l.amount.minor]), [['4.8', 'percent', '5', 24]]);
    assert.equal(bill.total.minor, 504);
  });

  it('adds an amount per kWh below the PF limit, and nothing at or above it', () => {
    const tariff = pfTariff({ type: 'per-kwh', rate: '0.01' });
    // 24 kWh × 0.01 = 0.24
    assert.equal(amountOf(rateBill(tariff, day, intervalSeries(tariff, day, reactive(150))), 'pf'), 24);
    // 0.2 kvar: PF = 24 / √(24² + 4.8²) = 0.9806 ≥ 0.9: no line
    assert.equal(linesOf(rateBill(tariff, day, intervalSeries(tariff, day, reactive(50))), 'pf').length, 0);
  });

  it('compares the PF with its limit exactly', () => {
    const tariff = testTariff({ components: [{ kind: 'power-factor', id: 'pf', description: 'PF', pfLimit: '0.8',
      surcharge: { type: 'per-kwh', rate: '1' } }] });
    // 187.5 varh per 15 min: 18 kvarh; PF = 24 / √(24² + 18²) = 24 / 30 = 0.8 exactly: not below 0.8, no surcharge
    assert.equal(linesOf(rateBill(tariff, day, intervalSeries(tariff, day, reactive(187.5))), 'pf').length, 0);
    // 188 varh: 18.048 kvarh, PF just below 0.8: 24 kWh × 1 = 24.00
    assert.equal(amountOf(rateBill(tariff, day, intervalSeries(tariff, day, reactive(188))), 'pf'), 2400);
  });
});

describe('rating: export credits', () => {
  it('credits every exported kWh at the feed-in rate', () => {
    const tariff = testTariff({ components: [{ kind: 'feed-in', id: 'feed', description: 'Feed-in', rate: '0.0810' }] });
    // 100 Wh per 15 min: 9.6 kWh × 0.0810 = 0.7776 → −0.78
    const bill = rateBill(tariff, day, intervalSeries(tariff, day, () => ({ importWh: 0, exportWh: 100 })));
    assert.deepEqual(linesOf(bill, 'feed').map((l) => [l.quantity, l.amount.minor, l.determinant]), [['9.6', -78, 'p0.export']]);
  });

  it('nets export against import over the period, and credits what is left', () => {
    const tariff = testTariff({
      components: [
        { kind: 'energy-flat', id: 'energy', description: 'Energy', rate: '0.20' },
        { kind: 'net-metering', id: 'net', description: 'Excess export', excessRate: '0.05' },
        { kind: 'levy', id: 'levy-net', description: 'Levy on net', rate: '0.01', basis: 'net' },
        { kind: 'levy', id: 'levy-import', description: 'Levy on import', rate: '0.01', basis: 'import' },
      ],
    });
    // Import 250 Wh in the first 48 intervals (12 kWh), export 300 Wh in the other 48 (14.4 kWh): net import 0, excess
    // 2.4 kWh × 0.05 = −0.12; energy 0 × 0.20 = 0; levy on net 0; levy on import 12 × 0.01 = 0.12
    const halves = (p: IntervalPlace) => (p.slot < 48 ? { importWh: 250 } : { importWh: 0, exportWh: 300 });
    const bill = rateBill(tariff, day, intervalSeries(tariff, day, halves));
    assert.deepEqual(bill.lines.map((l) => [l.componentId, l.quantity, l.amount.minor]),
      [['energy', '0', 0], ['net', '2.4', -12], ['levy-net', '0', 0], ['levy-import', '12', 12]]);
    assert.equal(bill.total.minor, 0);
  });

  it('nets by ToU bucket under a ToU energy charge', () => {
    const tariff = testTariff({
      schedule: { windows: [{ bucket: 'day', dayTypes: everyDay, from: '08:00', to: '20:00' }], defaultBucket: 'night' },
      components: [
        { kind: 'energy-tou', id: 'energy', description: 'Energy', rates: { day: '0.30', night: '0.15' } },
        { kind: 'net-metering', id: 'net', description: 'Excess export', excessRate: '0.05' },
      ],
    });
    const inDay = (p: IntervalPlace): boolean => p.minute >= 480 && p.minute < 1200;
    // Day: import 50 Wh × 48 = 2.4 kWh, export 300 Wh × 48 = 14.4 kWh → billed 0, excess 12 kWh.
    // Night: import 250 Wh × 48 = 12 kWh, no export → billed 12 × 0.15 = 1.80. Excess 12 × 0.05 = −0.60. Total 1.20
    const load = (p: IntervalPlace) => (inDay(p) ? { importWh: 50, exportWh: 300 } : { importWh: 250 });
    const bill = rateBill(tariff, day, intervalSeries(tariff, day, load));
    assert.deepEqual(bill.lines.map((l) => [l.description, l.quantity, l.amount.minor]),
      [['Energy (day)', '0', 0], ['Energy (night)', '12', 180], ['Excess export', '12', -60]]);
    assert.equal(bill.total.minor, 120);
  });
});
