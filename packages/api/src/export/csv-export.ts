// CSV exports (RFC 4180: a header row, CRLF line ends, a field quoted when it holds a comma, a quote,
// CR or LF, a quote inside doubled): interval data, one row per interval, and bills, one row per
// charge line. The columns are documented in docs/billing.md ("CSV exports"); their order is fixed.
//
// A text field that a spreadsheet would run as a formula (starting with = + - @, a tab or CR: OWASP
// "CSV injection") is written with a leading apostrophe. Numbers are written as numbers.
import type { IntervalQuality } from '@phasewire/store';
import { intervalMs } from '@phasewire/store';
import { minorToDecimal } from '@phasewire/mdm';
import { localIso } from './time-zone.ts';

/** One field, quoted when RFC 4180 §2 (6, 7) asks for it. */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A text field from outside (a description, an id) made inert for spreadsheets, then quoted. */
export function csvText(text: string): string {
  return csvField(/^[=+\-@\t\r]/.test(text) ? `'${text}` : text);
}

/** Rows to RFC 4180 text: CRLF after every row, the last included. */
export const csvDocument = (rows: readonly (readonly string[])[]): string => rows.map((row) => `${row.join(',')}\r\n`).join('');

export const intervalCsvColumns = [
  'meter', 'quantity', 'unit', 'start_utc', 'end_utc', 'start_local', 'end_local', 'value', 'quality',
] as const;

export interface CsvIntervalSeries {
  readonly meter: string;
  readonly quantity: string;
  /** Wh or varh. */
  readonly unit: string;
  readonly intervals: readonly { readonly end: number; readonly value: number | null; readonly quality: IntervalQuality }[];
}

const utc = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

/**
 * Interval data: one row per interval of each series, in time order; times in UTC and in the
 * zone's local time with its offset (a DST change shows as the offset changing); a missing
 * interval has an empty value.
 */
export function intervalCsv(series: readonly CsvIntervalSeries[], timeZone: string): string {
  const rows: string[][] = [[...intervalCsvColumns]];
  for (const s of series) {
    for (const interval of [...s.intervals].sort((a, b) => a.end - b.end)) {
      const start = interval.end - intervalMs;
      rows.push([
        csvText(s.meter), csvText(s.quantity), s.unit, utc(start), utc(interval.end),
        localIso(timeZone, start), localIso(timeZone, interval.end),
        interval.value === null ? '' : String(interval.value), interval.quality,
      ]);
    }
  }
  return csvDocument(rows);
}

export const billCsvColumns = [
  'account', 'meter', 'tariff', 'period_start', 'period_end', 'line', 'component', 'kind', 'description', 'quantity', 'unit', 'rate',
  'amount', 'currency', 'determinant', 'tariff_version', 'line_start', 'line_end', 'held',
] as const;

/** What the CSV reads of a bill: a subset of the billing engine's `Bill` (mdm/billing/types.ts). */
export interface CsvBill {
  readonly tariffId: string;
  readonly currency: string;
  readonly period: { readonly start: string; readonly end: string };
  readonly total: { readonly minor: number };
  readonly lines: readonly {
    readonly componentId: string;
    readonly kind: string;
    readonly description: string;
    readonly quantity: string;
    readonly unit: string;
    readonly rate: string;
    readonly amount: { readonly minor: number };
    readonly determinant: string | null;
    readonly tariffVersion: number;
    readonly start: string;
    readonly end: string;
  }[];
  readonly hold: { readonly message: string } | null;
}

export interface CsvBillRow {
  readonly account: string;
  readonly meter: string;
  readonly bill: CsvBill;
  /** Digits of the currency's minor unit (2 for EUR): the amount column is in currency units. */
  readonly minorDigits: number;
}

/** Bills: one row per charge line, numbered from 1 in the bill's order; the amounts of a bill's rows add up to its total. */
export function billCsv(bills: readonly CsvBillRow[]): string {
  const rows: string[][] = [[...billCsvColumns]];
  for (const { account, meter, bill, minorDigits } of bills) {
    for (const [index, line] of bill.lines.entries()) {
      rows.push([
        csvText(account), csvText(meter), csvText(bill.tariffId), bill.period.start, bill.period.end, String(index + 1),
        csvText(line.componentId), line.kind, csvText(line.description), line.quantity, line.unit, line.rate,
        minorToDecimal(line.amount.minor, minorDigits), bill.currency,
        line.determinant === null ? '' : csvText(line.determinant), String(line.tariffVersion), line.start, line.end,
        bill.hold === null ? 'false' : 'true',
      ]);
    }
  }
  return csvDocument(rows);
}
