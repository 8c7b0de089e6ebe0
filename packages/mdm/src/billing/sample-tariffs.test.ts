// The sample tariffs (packages/mdm/tariffs/), each rated on a simple load and checked against a bill
// computed by hand: what the demo's meters will be billed on. Amounts in cents.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { intervalSeries, sampleTariff } from '../testing/billing-fixtures.ts';
import { rateBill } from './rate-bill.ts';

const lines = (bill: ReturnType<typeof rateBill>) => bill.lines.map((l) => [l.componentId, l.quantity, l.amount.minor]);

describe('the sample tariffs', () => {
  it('residential tiered (New York): a month at 1 kW', () => {
    const tariff = sampleTariff('residential-tiered-new-york');
    const january = { start: '2026-01-01', end: '2026-02-01' };
    const bill = rateBill(tariff, january, intervalSeries(tariff, january, () => ({ importWh: 250 })));
    // 31 days × 24 kWh = 744 kWh. Customer 17.00; block 1: 250 × 0.1150 = 28.75; block 2: 494 × 0.1350 = 66.69;
    // no export: credit 0; system benefits 744 × 0.0052 = 3.8688 → 3.87; subtotal 116.31; tax 4 % = 4.6524 → 4.65
    assert.deepEqual(lines(bill), [['customer', '1', 1700], ['energy', '250', 2875], ['energy', '494', 6669],
      ['net-metering', '0', 0], ['sbc', '744', 387], ['sales-tax', '116.31', 465]]);
    assert.equal(bill.total.minor, 12_096);
  });

  it('commercial ToU with demand (Berlin): a winter weekday at 1 kW', () => {
    const tariff = sampleTariff('commercial-tou-berlin');
    const day = { start: '2026-03-31', end: '2026-04-01' };
    const bill = rateBill(tariff, day, intervalSeries(tariff, day, () => ({ importWh: 250 })));
    // Base 1.20; winter-peak 08–20: 12 × 0.2480 = 2.976 → 2.98; summer-peak 0; offpeak 12 × 0.1710 = 2.052 → 2.05;
    // demand 1 kW × 9.50; feed-in 0; electricity tax 24 × 0.0205 = 0.492 → 0.49; subtotal 16.22; VAT 19 % = 3.0818 → 3.08
    assert.deepEqual(lines(bill), [['base', '1', 120], ['energy', '12', 298], ['energy', '0', 0], ['energy', '12', 205],
      ['demand', '1', 950], ['feed-in', '0', 0], ['electricity-tax', '24', 49], ['vat', '16.22', 308]]);
    assert.equal(bill.total.minor, 1930);
  });

  it('industrial with ratchet and reactive charge (Berlin): a day at 1 kW and 0.6 kvar', () => {
    const tariff = sampleTariff('industrial-reactive-berlin');
    const day = { start: '2026-02-02', end: '2026-02-03' };
    const intervals = intervalSeries(tariff, day, () => ({ importWh: 250, reactiveImportVarh: 150 }));
    const bill = rateBill(tariff, day, intervals, { pastDemands: [{ componentId: 'demand', month: '2026-01', kw: '10' }] });
    // Base 145.00 (one period); energy 24 × 0.1580 = 3.792 → 3.79; demand: ratchet 0.8 × 10 kW = 8 kW > 1 kW measured,
    // 8 × 14.20 = 113.60; reactive 14.4 − 0.4843 × 24 = 2.7768 kvarh × 0.0120 = 0.0333 → 0.03; electricity tax 0.49;
    // subtotal 262.91; VAT 19 % = 49.9529 → 49.95
    assert.deepEqual(lines(bill), [['base', '1', 14_500], ['energy', '24', 379], ['demand', '8', 11_360], ['reactive', '2.7768', 3],
      ['electricity-tax', '24', 49], ['vat', '262.91', 4995]]);
    assert.equal(bill.total.minor, 31_286);
  });
});
