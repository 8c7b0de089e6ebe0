// The PDF bill read back by an independent PDF text extractor (unpdf, pdf.js): it is a PDF, and it
// carries every charge line with its amount, the total, the peak and the determinants with their
// data quality. The bill is rated by the billing engine on the sample commercial ToU tariff.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { extractText, getDocumentProxy } from 'unpdf';
import { minorToDecimal, parseTariff, rateBill, type IntervalInput } from '@phasewire/mdm';
import { billView } from '../export/bill-view.ts';
import { billPdf } from './bill-pdf.ts';

const quarter = 900_000;
const tariffFile = new URL('../../../mdm/tariffs/commercial-tou-berlin.json', import.meta.url);

async function november() {
  const tariff = parseTariff(JSON.parse(await readFile(tariffFile, 'utf8')), 'commercial-tou-berlin.json');
  const from = Date.UTC(2026, 9, 31, 23);
  const to = Date.UTC(2026, 10, 30, 23);
  const peakEnd = Date.UTC(2026, 10, 12, 9, 15);
  const intervals: IntervalInput[] = [];
  for (let end = from + quarter; end <= to; end += quarter) {
    const local = new Date(end - quarter + 3_600_000);
    const weekdayDaytime = local.getUTCDay() % 6 !== 0 && local.getUTCHours() >= 8 && local.getUTCHours() < 20;
    intervals.push({ end, importWh: end === peakEnd ? 5000 : weekdayDaytime ? 2500 : 1000, quality: end % (97 * quarter) === 0 ? 'estimated'
      : 'validated' });
  }
  const bill = rateBill(tariff, { start: '2026-11-01', end: '2026-12-01' }, intervals);
  const view = billView([tariff], bill, intervals.map((i) => ({ end: i.end, importWh: i.importWh })));
  return { tariff, bill, view, peakEnd };
}

test('the PDF bill parses and holds every charge line, the total, the peak and the determinants with their data quality', async () => {
  const { tariff, bill, view, peakEnd } = await november();
  assert.deepEqual(view.peak, { at: peakEnd, kw: 20, windowMinutes: 15, componentId: 'demand' });
  assert.ok(view.touSpans.length >= 20, 'one winter-peak window per weekday');
  const pdf = await billPdf({
    account: { id: 'acc-1', name: 'Bakery Schmidt GmbH' }, servicePoint: 'sp-1', meters: ['m-0001'], tariffName: tariff.name,
    timeZone: tariff.timeZone, minorDigits: tariff.minorDigits, bill, view, billId: '2026-11/acc-1/sp-1/1', issuedAt: Date.UTC(2026, 11, 2),
  });
  assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
  const document = await getDocumentProxy(new Uint8Array(pdf));
  const { text } = await extractText(document, { mergePages: true });
  const flat = text.replace(/\s+/g, ' ');
  assert.match(flat, /Electricity bill/);
  assert.match(flat, /Bakery Schmidt GmbH \(acc-1\)/);
  assert.match(flat, /2026-11-01 to 2026-11-30/);
  for (const line of bill.lines) {
    assert.ok(flat.includes(line.description), `line ${line.description}`);
    const amount = minorToDecimal(line.amount.minor, 2);
    assert.ok(flat.includes(amount), `amount of ${line.description}: ${amount}`);
  }
  assert.ok(flat.includes(`Total ${minorToDecimal(bill.total.minor, 2)} EUR`), `total ${minorToDecimal(bill.total.minor, 2)}`);
  assert.match(flat, /Peak 20 kW, 2026-11-12 10:00 to 10:15/);
  assert.match(flat, /Shaded: time-of-use windows \(winter-peak\)/);
  assert.match(flat, /Maximum demand \(demand, 15-min\) 20 kW, 2026-11-12 10:00 to 10:15/);
  assert.match(flat, /Data quality 100\.0 % complete of 2880 intervals; 1\.0 % estimated, 0\.0 % edited/);
});

test('a held bill says so on its face', async () => {
  const { tariff, bill, view } = await november();
  const held = { ...bill, hold: { reason: 'completeness' as const, message: 'completeness 0.9123 is below the limit 0.98' } };
  const pdf = await billPdf({ account: { id: 'acc-1', name: 'A' }, servicePoint: 'sp-1', meters: ['m-1'], tariffName: tariff.name,
    timeZone: tariff.timeZone, minorDigits: 2, bill: held, view, billId: 'b', issuedAt: 0 });
  const { text } = await extractText(await getDocumentProxy(new Uint8Array(pdf)), { mergePages: true });
  assert.match(text.replace(/\s+/g, ' '), /Held for review, not issued: completeness 0\.9123 is below the limit 0\.98/);
});
