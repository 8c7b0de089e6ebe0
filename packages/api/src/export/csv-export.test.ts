import { test } from 'node:test';
import assert from 'node:assert/strict';
import { billCsv, billCsvColumns, csvText, intervalCsv, intervalCsvColumns, type CsvBill } from './csv-export.ts';

/** RFC 4180 read strictly, written apart from the code under test: CRLF rows, quoted fields with doubled quotes. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  while (i < text.length) {
    if (text[i] === '"' && field === '') {
      i += 1;
      for (;;) {
        if (text[i] === '"' && text[i + 1] === '"') { field += '"'; i += 2; } else if (text[i] === '"') { i += 1; break; } else {
          assert.ok(i < text.length, 'unterminated quoted field');
          field += text.charAt(i);
          i += 1;
        }
      }
    } else if (text[i] === ',') { row.push(field); field = ''; i += 1; } else if (text.startsWith('\r\n', i)) {
      row.push(field); rows.push(row); row = []; field = ''; i += 2;
    } else {
      assert.notEqual(text[i], '\n', 'a bare LF outside quotes');
      field += text.charAt(i);
      i += 1;
    }
  }
  assert.equal(row.length + field.length, 0, 'the last row ends with CRLF');
  return rows;
}

const quarter = 900_000;

test('interval CSV: one row per interval, UTC and local times across the autumn DST change, empty value when missing', () => {
  // Europe/Berlin, 25 October 2026: 02:00–03:00 local happens twice (CEST, then CET).
  const from = Date.UTC(2026, 9, 25, 0, 30);
  const intervals = [0, 1, 2, 3, 4, 5].map((i) => ({
    end: from + (i + 1) * quarter, value: i === 3 ? null : 250.5 + i, quality: i === 3 ? 'missing' as const : 'validated' as const,
  }));
  const series = [{ meter: 'm-1', quantity: '1-0:1.8.0', unit: 'Wh', intervals: intervals.reverse() }];
  const rows = parseCsv(intervalCsv(series, 'Europe/Berlin'));
  assert.deepEqual(rows[0], [...intervalCsvColumns]);
  assert.equal(rows.length, 7);
  assert.deepEqual(rows[1], ['m-1', '1-0:1.8.0', 'Wh', '2026-10-25T00:30:00Z', '2026-10-25T00:45:00Z', '2026-10-25T02:30:00+02:00',
    '2026-10-25T02:45:00+02:00', '250.5', 'validated']);
  assert.deepEqual(rows.slice(3).map((r) => [r[5], r[7], r[8]]), [
    ['2026-10-25T02:00:00+01:00', '252.5', 'validated'],
    ['2026-10-25T02:15:00+01:00', '', 'missing'],
    ['2026-10-25T02:30:00+01:00', '254.5', 'validated'],
    ['2026-10-25T02:45:00+01:00', '255.5', 'validated'],
  ], 'after the change the same wall-clock hour again, at +01:00');
});

const bill: CsvBill = {
  tariffId: 'commercial-tou', currency: 'EUR', period: { start: '2026-11-01', end: '2026-12-01' }, total: { minor: 10_617 },
  lines: [
    { componentId: 'energy', kind: 'energy-tou', description: 'Energy, peak "high" window, Mon–Fri', quantity: '120.5', unit: 'kWh',
      rate: '0.3000', amount: { minor: 3615 }, determinant: 'p0.bucket.peak', tariffVersion: 2, start: '2026-11-01', end: '2026-12-01' },
    { componentId: 'feed', kind: 'feed-in', description: '=HYPERLINK("http://x")', quantity: '10', unit: 'kWh', rate: '-0.0800',
      amount: { minor: -80 }, determinant: 'p0.export', tariffVersion: 2, start: '2026-11-01', end: '2026-12-01' },
    { componentId: 'base', kind: 'fixed', description: 'Standing\ncharge', quantity: '30', unit: 'day', rate: '0.2500',
      amount: { minor: 750 }, determinant: null, tariffVersion: 2, start: '2026-11-01', end: '2026-12-01' },
    { componentId: 'vat', kind: 'tax', description: 'VAT', quantity: '42.85', unit: 'percent', rate: '148.61',
      amount: { minor: 6332 }, determinant: null, tariffVersion: 2, start: '2026-11-01', end: '2026-12-01' },
  ],
  hold: null,
};

test('bill CSV: one row per charge line, quoting per RFC 4180, formulas made inert, amounts that add up to the total', () => {
  const rows = parseCsv(billCsv([{ account: 'acc-7', meter: 'm-1', bill, minorDigits: 2 }]));
  assert.deepEqual(rows[0], [...billCsvColumns]);
  const column = (name: (typeof billCsvColumns)[number]) => billCsvColumns.indexOf(name);
  const body = rows.slice(1);
  assert.equal(body.length, 4);
  assert.deepEqual(body.map((r) => r[column('description')]),
    ['Energy, peak "high" window, Mon–Fri', '\'=HYPERLINK("http://x")', 'Standing\ncharge', 'VAT']);
  assert.deepEqual(body.map((r) => r[column('amount')]), ['36.15', '-0.80', '7.50', '63.32']);
  assert.deepEqual(body.map((r) => r[column('determinant')]), ['p0.bucket.peak', 'p0.export', '', '']);
  assert.deepEqual(body.map((r) => r[column('line')]), ['1', '2', '3', '4']);
  const cents = body.reduce((sum, r) => sum + Math.round(Number(r[column('amount')]) * 100), 0);
  assert.equal(cents, bill.total.minor);
  assert.ok(body.every((r) => r.length === billCsvColumns.length && r[column('held')] === 'false'));
});

test('text that a spreadsheet would run is prefixed', () => {
  assert.equal(csvText('-1+1'), '\'-1+1');
  assert.equal(csvText('@SUM(A1)'), '\'@SUM(A1)');
  assert.equal(csvText('a,b'), '"a,b"');
});
