// Worked examples, computed by hand beside each assertion: fixed charges, flat, tiered and
// time-of-use energy, levies, taxes and rounding. Amounts are in cents.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { intervalSeries, testTariff } from '../testing/billing-fixtures.ts';
import { rateBill } from './rate-bill.ts';
import type { Bill, BillLine } from './types.ts';

const linesOf = (bill: Bill, id: string): BillLine[] => bill.lines.filter((l) => l.componentId === id);
const amountOf = (bill: Bill, id: string): number => linesOf(bill, id).reduce((s, l) => s + l.amount.minor, 0);
const twoDays = { start: '2026-01-01', end: '2026-01-03' };
/** 250 Wh every 15 minutes is a steady 1 kW: 24 kWh a day. */
const oneKw = () => ({ importWh: 250 });

describe('rating: fixed and flat energy charges, levies and taxes', () => {
  const tariff = testTariff({
    components: [
      { kind: 'fixed', id: 'base', description: 'Base', per: 'day', amount: '1.20' },
      { kind: 'energy-flat', id: 'energy', description: 'Energy', rate: '0.2845' },
      { kind: 'levy', id: 'levy', description: 'Levy', rate: '0.0205', basis: 'import' },
      { kind: 'tax', id: 'vat', description: 'VAT', percent: '19' },
    ],
  });
  const bill = rateBill(tariff, twoDays, intervalSeries(tariff, twoDays, oneKw));

  it('charges each component by its arithmetic and rounds each line once', () => {
    // 2 days × 1.20 = 2.40
    assert.deepEqual(linesOf(bill, 'base').map((l) => [l.quantity, l.unit, l.rate, l.amount.minor]), [['2', 'day', '1.20', 240]]);
    // 192 intervals × 0.25 kWh = 48 kWh; 48 × 0.2845 = 13.656 → 13.66 (half-up)
    assert.deepEqual(linesOf(bill, 'energy').map((l) => [l.quantity, l.amount.minor, l.determinant]), [['48', 1366, 'p0.import']]);
    // 48 × 0.0205 = 0.984 → 0.98
    assert.equal(amountOf(bill, 'levy'), 98);
    // subtotal 2.40 + 13.66 + 0.98 = 17.04; 17.04 × 19 % = 3.2376 → 3.24
    assert.deepEqual(linesOf(bill, 'vat').map((l) => [l.quantity, l.unit, l.rate, l.amount.minor]), [['17.04', 'percent', '19', 324]]);
    // 17.04 + 3.24 = 20.28
    assert.deepEqual(bill.total, { currency: 'EUR', minor: 2028 });
    assert.equal(bill.hold, null);
  });

  it('puts taxes after every other line', () => {
    assert.deepEqual(bill.lines.map((l) => l.componentId), ['base', 'energy', 'levy', 'vat']);
  });

  it('compounds a tax on the taxes before it only when asked', () => {
    const taxes = (compound: boolean) => testTariff({
      components: [
        { kind: 'fixed', id: 'base', description: 'Base', per: 'period', amount: '10' },
        { kind: 'tax', id: 't1', description: 'Tax 1', percent: '10' },
        { kind: 'tax', id: 't2', description: 'Tax 2', percent: '5', compound },
      ],
    });
    const day = { start: '2026-01-01', end: '2026-01-02' };
    // 10.00 + 10 % = 1.00; then 5 % of 10.00 = 0.50, or of 10.00 + 1.00 = 0.55 when compound
    const plain = rateBill(taxes(false), day, intervalSeries(taxes(false), day, oneKw));
    const compound = rateBill(taxes(true), day, intervalSeries(taxes(true), day, oneKw));
    assert.deepEqual([amountOf(plain, 't1'), amountOf(plain, 't2'), plain.total.minor], [100, 50, 1150]);
    assert.deepEqual([amountOf(compound, 't2'), compound.total.minor], [55, 1155]);
  });

  it('rounds a tie half-up or half-even as the tariff says', () => {
    const day = { start: '2026-01-01', end: '2026-01-02' };
    const tie = (rounding: string) =>
      testTariff({ rounding, components: [{ kind: 'energy-flat', id: 'e', description: 'E', rate: '0.001875' }] });
    // 24 kWh × 0.001875 = 0.045, 4.5 cents: half-up → 5, half-even → 4 (4 is even)
    assert.equal(rateBill(tie('half-up'), day, intervalSeries(tie('half-up'), day, oneKw)).total.minor, 5);
    assert.equal(rateBill(tie('half-even'), day, intervalSeries(tie('half-even'), day, oneKw)).total.minor, 4);
  });
});

describe('rating: fixed charge per period and tiered energy', () => {
  const tariff = testTariff({
    components: [
      { kind: 'fixed', id: 'customer', description: 'Customer', per: 'period', amount: '17.00' },
      { kind: 'energy-tiered', id: 'energy', description: 'Energy',
        blocks: [{ upToKwh: '100', rate: '0.10' }, { upToKwh: 200, rate: 0.2 }, { rate: '0.30' }] },
    ],
  });
  const tenDays = { start: '2026-01-01', end: '2026-01-11' };

  it('fills the blocks in order', () => {
    // 10 days × 24 kWh = 240 kWh: 100 × 0.10 = 10.00; 100 × 0.20 = 20.00; 40 × 0.30 = 12.00; + 17.00 = 59.00
    const bill = rateBill(tariff, tenDays, intervalSeries(tariff, tenDays, oneKw));
    assert.deepEqual(linesOf(bill, 'energy').map((l) => [l.quantity, l.rate, l.amount.minor]),
      [['100', '0.10', 1000], ['100', '0.2', 2000], ['40', '0.30', 1200]]);
    assert.deepEqual(linesOf(bill, 'customer').map((l) => [l.quantity, l.unit, l.amount.minor]), [['1', 'period', 1700]]);
    assert.equal(bill.total.minor, 5900);
  });

  it('shows only the first block when nothing reaches the others', () => {
    // 1 day × 24 kWh: all in block 1, 24 × 0.10 = 2.40
    const day = { start: '2026-01-01', end: '2026-01-02' };
    const bill = rateBill(tariff, day, intervalSeries(tariff, day, oneKw));
    assert.deepEqual(linesOf(bill, 'energy').map((l) => [l.quantity, l.amount.minor]), [['24', 240]]);
  });
});

describe('rating: time-of-use energy with seasons, day types and holidays', () => {
  const tariff = testTariff({
    timeZone: 'Europe/Berlin',
    schedule: {
      seasons: [{ id: 'summer', from: '04-01', to: '09-30' }, { id: 'winter', from: '10-01', to: '03-31' }],
      holidays: ['2026-04-03'],
      windows: [
        { bucket: 'night', dayTypes: ['weekday', 'weekend', 'holiday'], from: '22:00', to: '06:00' },
        { bucket: 'winter-peak', seasons: ['winter'], dayTypes: ['weekday'], from: '08:00', to: '20:00' },
        { bucket: 'summer-peak', seasons: ['summer'], dayTypes: ['weekday'], from: '08:00', to: '20:00' },
      ],
      defaultBucket: 'offpeak',
    },
    components: [{
      kind: 'energy-tou', id: 'energy', description: 'Energy',
      rates: { 'night': '0.10', 'winter-peak': '0.30', 'summer-peak': '0.25', 'offpeak': '0.15' },
    }],
  });
  // Tue 03-31 (winter weekday), Wed 04-01 and Thu 04-02 (summer weekdays), Fri 04-03 (Good Friday: a holiday).
  const period = { start: '2026-03-31', end: '2026-04-04' };
  const bill = rateBill(tariff, period, intervalSeries(tariff, period, oneKw));

  it('puts each interval in the bucket of the first window that holds its local start', () => {
    // night 22:00–06:00: 8 h × 4 days = 32 kWh; winter-peak: 12 h on 03-31 = 12 kWh; summer-peak: 12 h × 2 = 24 kWh
    // (not on the holiday); offpeak: the rest, 96 − 32 − 12 − 24 = 28 kWh
    const buckets = bill.determinants.parts[0]?.buckets ?? [];
    const kwh = Object.fromEntries(buckets.map((b): [string, string] => [b.trace.buckets?.[0] ?? '', b.quantity]));
    assert.deepEqual(kwh, { 'night': '32', 'winter-peak': '12', 'summer-peak': '24', 'offpeak': '28' });
  });

  it('charges each bucket at its rate', () => {
    // 32 × 0.10 = 3.20; 12 × 0.30 = 3.60; 24 × 0.25 = 6.00; 28 × 0.15 = 4.20; total 17.00
    assert.deepEqual(linesOf(bill, 'energy').map((l) => [l.description, l.amount.minor]),
      [['Energy (night)', 320], ['Energy (winter-peak)', 360], ['Energy (summer-peak)', 600], ['Energy (offpeak)', 420]]);
    assert.equal(bill.total.minor, 1700);
  });
});
