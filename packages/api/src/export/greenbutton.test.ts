import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MeterId, ObisCode } from '@phasewire/core';
import type { IntervalQuality, IntervalValue } from '@phasewire/store';
import { readGreenButton, validateGreenButton } from '../testing/greenbutton-check.ts';
import { greenButtonFeed, milliUnits, type GreenButtonBill, type GreenButtonRequest } from './greenbutton.ts';
import { espiAmount, scaledDecimal } from './greenbutton-bill.ts';
import { nameUuid } from './espi-ids.ts';

const meter = 'm-berlin-1' as MeterId;
const importWh = '1-0:1.8.0' as ObisCode;
const exportWh = '1-0:2.8.0' as ObisCode;
const quarter = 900_000;
// Europe/Berlin, Saturday 28 and Sunday 29 March 2026 (the spring change: 29 March has 23 hours, 92 intervals).
const from = Date.UTC(2026, 2, 27, 23);
const to = Date.UTC(2026, 2, 29, 22);

const qualityAt = (i: number): IntervalQuality =>
  i === 5 ? 'estimated' : i === 6 ? 'edited' : i === 7 ? 'missing' : i === 8 ? 'suspect' : i === 9 ? 'measured' : 'validated';

function intervals(quantity: ObisCode, scale: number): IntervalValue[] {
  const out: IntervalValue[] = [];
  for (let end = from + quarter, i = 0; end <= to; end += quarter, i += 1) {
    const quality = qualityAt(i);
    // 0.1 Wh resolution, and one estimate with a finer fraction (an estimate is not rounded by the store).
    const value = quality === 'missing' ? null : quality === 'estimated' ? 123.4567 : Math.round((50 + (i % 11) * 17.3) * scale * 10) / 10;
    out.push({ meter, quantity, end, raw: value, validated: value, final: value, value, quality });
  }
  return out;
}

const base: GreenButtonRequest = {
  meter, timeZone: 'Europe/Berlin', range: { from, to }, generatedAt: Date.UTC(2026, 3, 1, 8),
  baseUri: 'https://phasewire.test/espi/1_1/resource',
  series: [{ quantity: importWh, intervals: intervals(importWh, 1) }, { quantity: exportWh, intervals: intervals(exportWh, 0.25) }],
};

// A bill as the rating engine returns it, worked by hand: 100.5 kWh × 0.3000 EUR = 30.15 EUR; 2 days × 0.50 EUR = 1.00 EUR;
// 12.25 kW × 4.00 EUR = 49.00 EUR; 20 % VAT on 80.15 EUR = 16.03 EUR; total 96.18 EUR = 9618 cents.
const bill: GreenButtonBill = {
  currency: 'EUR', period: { start: '2026-03-28', end: '2026-03-30' }, total: { minor: 9618 },
  lines: [
    { kind: 'energy-flat', description: 'Energy', quantity: '100.5', unit: 'kWh', amount: { minor: 3015 } },
    { kind: 'fixed', description: 'Standing charge', quantity: '2', unit: 'day', amount: { minor: 100 } },
    { kind: 'demand', description: 'Demand', quantity: '12.25', unit: 'kW', amount: { minor: 4900 } },
    { kind: 'tax', description: 'VAT 20 %', quantity: '80.15', unit: 'percent', amount: { minor: 1603 } },
  ],
  determinants: {
    from, to, importKwh: '100.5', quality: { completeness: 91 / 188, estimatedShare: 1 / 188, editedShare: 1 / 188 },
    parts: [{ demands: [{ quantity: '12.25', at: from + 20 * quarter }] }],
  },
  hold: null,
};

test('a feed of two local days across the spring DST change validates against the ESPI 3.3 schemas', async () => {
  const xml = greenButtonFeed(base);
  const verdict = await validateGreenButton(xml);
  assert.equal(verdict.valid, true, verdict.output);
});

test('an independent parser reads back every interval value, its start and its quality; a missing interval has no reading', () => {
  const feed = readGreenButton(greenButtonFeed(base));
  const read = new Map<string, number>();
  for (const block of feed.blocks) for (const r of block.readings) read.set(`${block.title.split(' from ')[0]}|${r.start}`, r.value);
  for (const series of base.series) {
    const title = series.quantity === importWh ? 'Active energy import' : 'Active energy export';
    for (const interval of series.intervals) {
      const start = (interval.end - quarter) / 1000;
      assert.equal(read.get(`${title}|${start}`), interval.value === null ? undefined : Math.round(interval.value * 1000),
        `${title} interval starting ${new Date(start * 1000).toISOString()}`);
    }
  }
  assert.equal(read.size, 2 * (188 - 1));
  const readings = feed.blocks.flatMap((b) => b.readings);
  assert.ok(readings.every((r) => r.duration === 900));
  const startOf = (i: number) => (from + i * quarter) / 1000;
  const qualitiesAt = (i: number) => readings.find((r) => r.start === startOf(i))?.qualities;
  assert.deepEqual(qualitiesAt(5), [8], 'estimated: QualityOfReading 8');
  assert.deepEqual(qualitiesAt(6), [7], 'edited by a person: 7');
  assert.deepEqual(qualitiesAt(8), [10], 'suspect (failed a check): 10');
  assert.deepEqual(qualitiesAt(9), [14], 'measured, not yet validated: 14');
  assert.deepEqual(qualitiesAt(10), [], 'validated: the ReadingType default (0)');
  assert.equal(readings.find((r) => r.start === startOf(5))?.value, 123_457, '123.4567 Wh is 123 457 mWh');
});

test('IntervalBlocks are local days: 96 intervals on 28 March, 92 on the 23-hour 29 March in Europe/Berlin', () => {
  const feed = readGreenButton(greenButtonFeed(base));
  const imports = feed.blocks.filter((b) => b.title.startsWith('Active energy import'));
  assert.deepEqual(imports.map((b) => [b.start, b.duration]), [[from / 1000, 86_400], [(from + 96 * quarter) / 1000, 82_800]]);
  assert.deepEqual(imports.map((b) => b.readings.length), [95, 92]);
});

test('ReadingType and LocalTimeParameters carry the codes of usage.xsd', () => {
  const feed = readGreenButton(greenButtonFeed({ ...base, timeZone: 'America/New_York', bill }));
  const types = feed.entries.filter((e) => e.kind === 'ReadingType').map((e) => e.content);
  assert.deepEqual(types[0], {
    accumulationBehaviour: 4, commodity: 1, currency: 978, defaultQuality: 0, flowDirection: 1, intervalLength: 900, kind: 12,
    powerOfTenMultiplier: -3, uom: 72,
  });
  assert.equal(types[1]?.['flowDirection'], 19, 'export is the reverse flow');
  const local = feed.entries.find((e) => e.kind === 'LocalTimeParameters')?.content;
  // The US rules as the Green Button samples carry them: second Sunday of March 02:00, first Sunday of November 02:00.
  assert.deepEqual(local, { dstEndRule: 'B40E2000', dstOffset: 3600, dstStartRule: '360E2000', tzOffset: -18_000 });
  const berlin = readGreenButton(greenButtonFeed(base)).entries.find((e) => e.kind === 'LocalTimeParameters')?.content;
  // Last Sunday of March at 02:00, last Sunday of October at 03:00 (local time before each change).
  assert.deepEqual(berlin, { dstEndRule: 'AE0E3000', dstOffset: 3600, dstStartRule: '3E0E2000', tzOffset: 3600 });
});

test('the bill is a UsageSummary in hundred-thousandths of the currency, one LineItem per bill line, and validates', async () => {
  const xml = greenButtonFeed({ ...base, bill });
  const verdict = await validateGreenButton(xml);
  assert.equal(verdict.valid, true, verdict.output);
  const summary = readGreenButton(xml).entries.find((e) => e.kind === 'UsageSummary')?.content;
  assert.ok(summary !== undefined);
  assert.deepEqual(summary['billingPeriod'], { duration: (to - from) / 1000, start: from / 1000 });
  assert.equal(summary['billLastPeriod'], 9_618_000, '96.18 EUR');
  assert.equal(summary['currency'], 978);
  const items = summary['costAdditionalDetailLastPeriod'] as { amount: number; note: string; itemKind: number; measurement?: unknown }[];
  assert.deepEqual(items.map((i) => [i.note, i.amount, i.itemKind]),
    [['Energy', 3_015_000, 3], ['Standing charge', 100_000, 4], ['Demand', 4_900_000, 2], ['VAT 20 %', 1_603_000, 5]]);
  assert.equal(items.reduce((sum, i) => sum + i.amount, 0), summary['billLastPeriod'], 'the line items add up to the bill');
  assert.deepEqual(items[0]?.measurement, { powerOfTenMultiplier: -3, uom: 72, value: 100_500_000 }, '100.5 kWh in mWh');
  assert.deepEqual(summary['peakDemand'],
    { powerOfTenMultiplier: -3, timeStamp: (from + 20 * quarter) / 1000, uom: 38, value: 12_250_000 });
  assert.equal(summary['qualityOfReading'], 13, 'incomplete data: mixed quality');
});

test('a planted error, a uom written as text, fails validation and xmllint names the element', async () => {
  const xml = greenButtonFeed(base).replace('<espi:uom>72</espi:uom>', '<espi:uom>Wh</espi:uom>');
  const verdict = await validateGreenButton(xml);
  assert.equal(verdict.valid, false);
  assert.match(verdict.output, /uom/);
});

test('a bill in a currency ESPI has no code for, an unknown time zone and a register without intervals are refused by name', () => {
  assert.throws(() => greenButtonFeed({ ...base, bill: { ...bill, currency: 'XBT' } }), /currency is not one of AUD, CAD/);
  assert.throws(() => greenButtonFeed({ ...base, timeZone: 'Mars/Olympus' }), /"Mars\/Olympus": it is not an IANA time zone/);
  assert.throws(() => greenButtonFeed({ ...base, series: [{ quantity: '1-0:32.7.0' as ObisCode, intervals: [] }] }),
    /only the energy registers/);
  assert.throws(() => milliUnits(2 ** 40), /does not fit an ESPI Int48/);
});

test('amounts and decimals convert exactly; resource ids are stable lower-case UUIDs', () => {
  assert.equal(espiAmount(1234, 2), 1_234_000);
  assert.equal(espiAmount(-500, 2), -500_000, 'a credit stays negative');
  assert.equal(espiAmount(1234, 0), 123_400_000, 'JPY has no minor unit');
  assert.equal(scaledDecimal('0.0000005', 6), 1, 'half rounds away from zero');
  assert.equal(scaledDecimal('-12.25', 6), -12_250_000);
  assert.equal(scaledDecimal('7', 3), 7000);
  assert.throws(() => scaledDecimal('1e3', 3), /as a decimal number/);
  assert.equal(nameUuid('up|m-1'), nameUuid('up|m-1'));
  assert.notEqual(nameUuid('up|m-1'), nameUuid('up|m-2'));
  assert.match(nameUuid('up|m-1'), /^[a-f0-9]{8}-[a-f0-9]{4}-8[a-f0-9]{3}-[89ab][a-f0-9]{3}-[a-f0-9]{12}$/);
});

test('a bill line whose description holds NUL, a control character or U+FFFE still gives a feed xmllint validates', async () => {
  const description = 'Energy\u0000\u0007\uFFFE\uD800 <&>';
  const hostile = { ...bill, lines: bill.lines.map((line, k) => (k === 0 ? { ...line, description } : line)) };
  const verdict = await validateGreenButton(greenButtonFeed({ ...base, bill: hostile }));
  assert.equal(verdict.valid, true, verdict.output);
});
