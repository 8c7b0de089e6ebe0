// The bill an account receives, as PDF (pdfkit, pure JavaScript): who and what period, the charges
// line by line with the total, the period's load curve with the time-of-use windows shaded and the
// demand peak marked, and the determinants the charges were computed from with the quality of the
// data behind them (completeness, estimated and edited shares). A held bill says so on its face.
import PDFDocument from 'pdfkit';
import type { Bill, PartDeterminants } from '@phasewire/mdm';
import { minorToDecimal } from '@phasewire/mdm';
import type { BillView } from '../export/bill-view.ts';
import { localIso } from '../export/time-zone.ts';

export interface BillPdfInput {
  readonly account: { readonly id: string; readonly name: string };
  readonly servicePoint: string;
  readonly meters: readonly string[];
  readonly tariffName: string;
  readonly timeZone: string;
  /** Digits of the currency's minor unit (the tariff's `minorDigits`). */
  readonly minorDigits: number;
  readonly bill: Bill;
  readonly view: BillView;
  /** The bill's id and when it was issued or made (the PDF's creation date: the same bill gives the same file). */
  readonly billId: string;
  readonly issuedAt: number;
}

const page = { width: 595.28, height: 841.89, margin: 50 };
const right = page.width - page.margin;
const bottom = page.height - page.margin;
const colours = { text: '#1a1a1a', muted: '#666666', rule: '#bbbbbb', curve: '#1f5fa8', tou: '#f6d8a8', peak: '#c0392b', held: '#b03a2e' };

const localTime = (zone: string, at: number): string => localIso(zone, at).slice(0, 16).replace('T', ' ');
/** The last day a period covers (its end is exclusive). */
const lastDay = (end: string): string => new Date(Date.parse(`${end}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
const percent = (share: number): string => `${(share * 100).toFixed(1)} %`;
/** A demand window by its local start and end: `2026-11-12 10:00 to 10:15`. */
const windowText = (zone: string, end: number, minutes: number): string =>
  `${localTime(zone, end - minutes * 60_000)} to ${localTime(zone, end).slice(11)}`;

interface Cursor { y: number }

function ensureRoom(doc: PDFKit.PDFDocument, cursor: Cursor, height: number): void {
  if (cursor.y + height <= bottom) return;
  doc.addPage();
  cursor.y = page.margin;
}

/** One row of text cells at fixed x positions; returns the row's height. */
function row(doc: PDFKit.PDFDocument, cursor: Cursor, cells: readonly [string, number, number, 'left' | 'right'][], bold = false): void {
  ensureRoom(doc, cursor, 16);
  doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(9).fillColor(colours.text);
  let height = 0;
  for (const [text, , width] of cells) height = Math.max(height, doc.heightOfString(text, { width }));
  for (const [text, x, width, align] of cells) doc.text(text, x, cursor.y, { width, align, lineBreak: true });
  cursor.y += height + 4;
}

function rule(doc: PDFKit.PDFDocument, cursor: Cursor): void {
  doc.moveTo(page.margin, cursor.y).lineTo(right, cursor.y).lineWidth(0.5).strokeColor(colours.rule).stroke();
  cursor.y += 4;
}

function heading(doc: PDFKit.PDFDocument, cursor: Cursor, text: string): void {
  ensureRoom(doc, cursor, 40);
  cursor.y += 10;
  doc.font('Helvetica-Bold').fontSize(12).fillColor(colours.text).text(text, page.margin, cursor.y);
  cursor.y += 18;
}

function header(doc: PDFKit.PDFDocument, cursor: Cursor, input: BillPdfInput): void {
  const { bill } = input;
  doc.font('Helvetica-Bold').fontSize(18).fillColor(colours.text).text('Electricity bill', page.margin, cursor.y);
  doc.font('Helvetica').fontSize(9).fillColor(colours.muted).text(`Bill ${input.billId}`, page.margin, cursor.y + 4, { align: 'right' });
  cursor.y += 30;
  const facts: [string, string][] = [
    ['Account', `${input.account.name} (${input.account.id})`],
    ['Service point', input.servicePoint],
    ['Meter', input.meters.join(', ')],
    ['Tariff', `${input.tariffName} (${bill.tariffId}, version ${bill.tariffVersions.join(' and ')})`],
    ['Billing period', `${bill.period.start} to ${lastDay(bill.period.end)} (${input.timeZone})`],
    ['Date', localTime(input.timeZone, input.issuedAt)],
  ];
  for (const [label, value] of facts) row(doc, cursor, [[label, page.margin, 90, 'left'], [value, page.margin + 95, 400, 'left']]);
  if (bill.hold !== null) {
    cursor.y += 4;
    doc.font('Helvetica-Bold').fontSize(10).fillColor(colours.held)
      .text(`Held for review, not issued: ${bill.hold.message}`, page.margin, cursor.y, { width: right - page.margin });
    cursor.y = doc.y + 4;
  }
}

function charges(doc: PDFKit.PDFDocument, cursor: Cursor, input: BillPdfInput): void {
  const { bill, minorDigits } = input;
  heading(doc, cursor, 'Charges');
  const columns = (d: string, q: string, r: string, a: string): [string, number, number, 'left' | 'right'][] =>
    [[d, page.margin, 215, 'left'], [q, 270, 95, 'right'], [r, 370, 85, 'right'], [a, 460, right - 460, 'right']];
  row(doc, cursor, columns('Charge', 'Quantity', 'Rate', `Amount (${bill.currency})`), true);
  rule(doc, cursor);
  for (const line of bill.lines) {
    const rate = line.unit === 'percent' ? `${line.rate} %` : `${line.rate} / ${line.unit}`;
    const quantity = line.unit === 'percent' ? `${line.quantity} ${bill.currency}` : `${line.quantity} ${line.unit}`;
    const days = line.start === bill.period.start && line.end === bill.period.end ? '' : ` (${line.start} to ${lastDay(line.end)})`;
    row(doc, cursor, columns(`${line.description}${days}`, quantity, rate, minorToDecimal(line.amount.minor, minorDigits)));
  }
  rule(doc, cursor);
  row(doc, cursor, columns('Total', '', '', `${minorToDecimal(bill.total.minor, minorDigits)} ${bill.currency}`), true);
}

function loadCurve(doc: PDFKit.PDFDocument, cursor: Cursor, input: BillPdfInput): void {
  const { view } = input;
  heading(doc, cursor, 'Load curve');
  const height = 150;
  ensureRoom(doc, cursor, height + 40);
  const box = { left: page.margin + 35, top: cursor.y, width: right - page.margin - 35, height };
  const values = view.curve.map((p) => p.kw ?? 0);
  const maxKw = Math.max(1, ...values, view.peak?.kw ?? 0) * 1.1;
  const x = (t: number) => box.left + ((t - view.from) / (view.to - view.from)) * box.width;
  const y = (kw: number) => box.top + box.height - (kw / maxKw) * box.height;
  for (const span of view.touSpans) doc.rect(x(span.from), box.top, x(span.to) - x(span.from), box.height).fill(colours.tou);
  doc.rect(box.left, box.top, box.width, box.height).lineWidth(0.5).strokeColor(colours.rule).stroke();
  doc.font('Helvetica').fontSize(7).fillColor(colours.muted);
  for (const tick of [0, 0.5, 1]) doc.text((maxKw * tick).toFixed(1), page.margin, y(maxKw * tick) - 4, { width: 30, align: 'right' });
  doc.text('kW', page.margin, box.top - 12, { width: 30, align: 'right' });
  let drawing = false;
  for (const point of view.curve) {
    const px = x(point.end - (view.to - view.from) / Math.max(1, view.curve.length) / 2);
    if (point.kw === null) { drawing = false; continue; }
    if (drawing) doc.lineTo(px, y(point.kw)); else doc.moveTo(px, y(point.kw));
    drawing = true;
  }
  doc.lineWidth(0.6).strokeColor(colours.curve).stroke();
  if (view.peak !== null) {
    doc.circle(x(view.peak.at), y(view.peak.kw), 3).fill(colours.peak);
    doc.font('Helvetica-Bold').fontSize(8).fillColor(colours.peak)
      .text(`Peak ${view.peak.kw} kW, ${windowText(input.timeZone, view.peak.at, view.peak.windowMinutes)}`,
        Math.min(x(view.peak.at) + 5, right - 200), Math.max(y(view.peak.kw) - 4, box.top + 2), { width: 200 });
  }
  cursor.y = box.top + box.height + 4;
  doc.font('Helvetica').fontSize(7).fillColor(colours.muted);
  doc.text(input.bill.period.start, box.left, cursor.y);
  doc.text(lastDay(input.bill.period.end), right - 80, cursor.y, { width: 80, align: 'right' });
  cursor.y += 12;
  const buckets = [...new Set(view.touSpans.map((s) => s.bucket))];
  const legend = buckets.length === 0 ? 'No time-of-use windows in this tariff.' : `Shaded: time-of-use windows (${buckets.join(', ')}).`;
  doc.text(`Average kW per 15-minute interval. ${legend} Red: the demand peak billed.`, page.margin, cursor.y);
  cursor.y += 12;
}

function partRows(doc: PDFKit.PDFDocument, cursor: Cursor, input: BillPdfInput, part: PartDeterminants): void {
  const cells = (label: string, value: string): [string, number, number, 'left' | 'right'][] =>
    [[label, page.margin, 250, 'left'], [value, 305, right - 305, 'left']];
  row(doc, cursor, cells(`${part.start} to ${lastDay(part.end)}`, `tariff version ${part.tariffVersion}, ${part.days} days`), true);
  row(doc, cursor, cells('Active energy import', `${part.importKwh.quantity} kWh`));
  row(doc, cursor, cells('Active energy export', `${part.exportKwh.quantity} kWh`));
  row(doc, cursor, cells('Reactive energy import', `${part.reactiveImportKvarh.quantity} kvarh`));
  for (const bucket of part.buckets) row(doc, cursor, cells(`  in ${bucket.id.split('.').at(-1) ?? bucket.id}`, `${bucket.quantity} kWh`));
  for (const demand of part.demands) {
    const at = demand.at === null ? 'no data' : windowText(input.timeZone, demand.at, demand.windowMinutes);
    row(doc, cursor, cells(`Maximum demand (${demand.componentId}, ${demand.windowMinutes}-min)`, `${demand.quantity} kW, ${at}`));
  }
  row(doc, cursor, cells('Average power factor', part.averagePf === null ? 'no energy' : part.averagePf.toFixed(3)));
  const q = part.quality;
  row(doc, cursor, cells('Data quality', `${percent(q.completeness)} complete of ${q.expected} intervals; ${percent(q.estimatedShare)} `
    + `estimated, ${percent(q.editedShare)} edited`));
}

function determinants(doc: PDFKit.PDFDocument, cursor: Cursor, input: BillPdfInput): void {
  heading(doc, cursor, 'What the charges were computed from');
  for (const part of input.bill.determinants.parts) {
    partRows(doc, cursor, input, part);
    cursor.y += 4;
  }
}

/** The bill as a PDF document. */
export function billPdf(input: BillPdfInput): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4', margin: page.margin, compress: true,
    info: {
      Title: `Electricity bill ${input.billId}`, Author: 'phasewire', Subject: `${input.bill.period.start} to ${input.bill.period.end}`,
      CreationDate: new Date(input.issuedAt),
    },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => { resolve(Buffer.concat(chunks)); });
    doc.on('error', reject);
  });
  const cursor: Cursor = { y: page.margin };
  header(doc, cursor, input);
  charges(doc, cursor, input);
  loadCurve(doc, cursor, input);
  determinants(doc, cursor, input);
  doc.end();
  return done;
}
