// The weekly power-quality report of a meter as PDF (pdfkit, as the bill): the week and its data
// basis, the EN 50160 compliance table (each criterion with its clause, the values judged, the share
// within and the share required), the events of IEC 61000-4-30 with their start, duration and depth,
// and what the readings' resolution cannot see. Local times are in the report's zone.
import PDFDocument from 'pdfkit';
import type { PqCriterion, WeeklyPqReport } from '@phasewire/mdm';
import { localIso } from '../export/time-zone.ts';

const page = { width: 595.28, height: 841.89, margin: 50 };
const right = page.width - page.margin;
const bottom = page.height - page.margin;
const colours = { text: '#1a1a1a', muted: '#666666', rule: '#bbbbbb', pass: '#1e7b34', fail: '#b03a2e' };
/** Events listed one by one; a week with more (a flickering supply) lists the first ones and counts the rest. */
const listedEvents = 60;

type Cell = readonly [text: string, x: number, width: number, align: 'left' | 'right'];
interface Cursor { y: number }

const localTime = (zone: string, at: number): string => localIso(zone, at).slice(0, 19).replace('T', ' ');
const percent = (share: number | null, digits = 2): string => (share === null ? '—' : `${(share * 100).toFixed(digits)} %`);
const verdict = (pass: boolean | null): string => (pass === null ? 'not judged' : pass ? 'pass' : 'FAIL');

function ensureRoom(doc: PDFKit.PDFDocument, cursor: Cursor, height: number): void {
  if (cursor.y + height <= bottom) return;
  doc.addPage();
  cursor.y = page.margin;
}

/**
 * Text in the standard fonts' WinAnsi encoding (PDF 32000-1 Annex D), which has ± and … but not the minus sign or ≤: those would
 * print as other glyphs.
 */
const winAnsi = (text: string): string => text.replaceAll('\u2212', '-').replaceAll('\u2264', '<=');

function row(doc: PDFKit.PDFDocument, cursor: Cursor, given: readonly Cell[], bold = false, colour = colours.text): void {
  const cells = given.map(([text, x, width, align]): Cell => [winAnsi(text), x, width, align]);
  ensureRoom(doc, cursor, 16);
  doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(8.5).fillColor(colour);
  let height = 0;
  for (const [text, , width] of cells) height = Math.max(height, doc.heightOfString(text, { width }));
  for (const [text, x, width, align] of cells) doc.text(text, x, cursor.y, { width, align, lineBreak: true });
  cursor.y += height + 3;
}

function heading(doc: PDFKit.PDFDocument, cursor: Cursor, text: string): void {
  ensureRoom(doc, cursor, 40);
  cursor.y += 10;
  doc.font('Helvetica-Bold').fontSize(12).fillColor(colours.text).text(text, page.margin, cursor.y);
  cursor.y += 18;
}

function rule(doc: PDFKit.PDFDocument, cursor: Cursor): void {
  doc.moveTo(page.margin, cursor.y).lineTo(right, cursor.y).lineWidth(0.5).strokeColor(colours.rule).stroke();
  cursor.y += 3;
}

function facts(doc: PDFKit.PDFDocument, cursor: Cursor, report: WeeklyPqReport): void {
  const zone = report.timeZone;
  const c = report.coverage;
  const lines: [string, string][] = [
    ['Meter', report.meter],
    ['Week', `${report.week}: ${localTime(zone, report.from)} to ${localTime(zone, report.to)} (${zone})`],
    ['Declared voltage', `${report.declaredVoltage} V, ${report.nominalFrequency} Hz`],
    ['Data basis', report.resolution.basis],
    ['Coverage', `${c.intervalsWithData} of ${c.expectedIntervals} intervals with data (${percent(c.share)}); ${c.readings} readings`
      + `${c.expectedReadings === null ? '' : ` of ${c.expectedReadings}`}; ${c.flaggedIntervals} intervals flagged by events`],
    ['Result', `${verdict(report.pass)} (EN 50160:2010, low-voltage supply)`],
  ];
  const width = right - page.margin - 95;
  for (const [label, value] of lines) row(doc, cursor, [[label, page.margin, 90, 'left'], [value, page.margin + 95, width, 'left']]);
}

function criterionName(c: PqCriterion): string {
  const names = { 'voltage': 'Supply voltage', 'voltage-all': 'Supply voltage, all values', 'unbalance': 'Voltage unbalance',
    'thd': 'Voltage THD', 'frequency': 'Power frequency', 'frequency-all': 'Power frequency, all values' } as const;
  return `${names[c.quantity]}${c.phase === null ? '' : ` ${c.phase}`}`;
}

function compliance(doc: PDFKit.PDFDocument, cursor: Cursor, report: WeeklyPqReport): void {
  heading(doc, cursor, 'Compliance with EN 50160');
  const columns = (a: string, b: string, c: string, d: string, e: string, f: string): Cell[] => [
    [a, page.margin, 120, 'left'], [b, 175, 170, 'left'], [c, 350, 50, 'right'], [d, 405, 55, 'right'], [e, 465, 40, 'right'],
    [f, 510, right - 510, 'right'],
  ];
  row(doc, cursor, columns('Criterion', 'Limit', 'Judged', 'Within', 'Required', 'Result'), true);
  rule(doc, cursor);
  for (const c of report.criteria) {
    const colour = c.pass === false ? colours.fail : colours.text;
    row(doc, cursor, columns(`${criterionName(c)} (${c.clause.replace('EN 50160:2010 ', '')})`, c.limit, String(c.evaluated),
      percent(c.share), percent(c.required, 1), verdict(c.pass)), false, colour);
  }
  rule(doc, cursor);
  doc.font('Helvetica').fontSize(7.5).fillColor(colours.muted);
  const note = 'Values in intervals flagged by a dip, swell or interruption (IEC 61000-4-30 §4.7) are left out of the unbalance, THD '
    + 'and frequency shares; the supply-voltage shares leave out only the intervals of interruptions (EN 50160 §4.2.2.2). Frequency '
    + 'is judged on the readings themselves; EN 50160 asks 99.5 % of a year of 10-second means, so a week gives an indication.';
  ensureRoom(doc, cursor, 30);
  doc.text(note, page.margin, cursor.y, { width: right - page.margin });
  cursor.y = doc.y + 4;
}

function events(doc: PDFKit.PDFDocument, cursor: Cursor, report: WeeklyPqReport): void {
  heading(doc, cursor, 'Voltage events (IEC 61000-4-30)');
  const n = report.eventCounts;
  row(doc, cursor, [[`Dips ${n.dip}, swells ${n.swell}, interruptions ${n.interruption}. ${report.resolution.eventLimit}.`,
    page.margin, right - page.margin, 'left']]);
  if (report.events.length === 0) return;
  const columns = (a: string, b: string, c: string, d: string, e: string): Cell[] => [
    [a, page.margin, 70, 'left'], [b, 125, 115, 'left'], [c, 245, 80, 'right'], [d, 330, 110, 'right'], [e, 445, right - 445, 'left'],
  ];
  cursor.y += 4;
  row(doc, cursor, columns('Event', 'Start (local)', 'Duration', 'Residual / peak', 'Phases'), true);
  rule(doc, cursor);
  for (const e of report.events.slice(0, listedEvents)) {
    const duration = e.durationMs === null ? 'ongoing' : `${e.durationMs / 1000} s`;
    row(doc, cursor, columns(e.kind, localTime(report.timeZone, e.start), duration,
      `${e.extreme.toFixed(1)} V (${(e.extremeRatio * 100).toFixed(1)} %)`, e.phases.join(' ')));
  }
  if (report.events.length > listedEvents) {
    row(doc, cursor, [[`… and ${report.events.length - listedEvents} more (all of them in the JSON answer)`, page.margin, 300, 'left']]);
  }
}

/** The report as a PDF document; `madeAt` is its creation date (the same report and time give the same file). */
export function powerQualityPdf(report: WeeklyPqReport, madeAt: number): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4', margin: page.margin, compress: true,
    info: { Title: `Power quality ${report.meter} ${report.week}`, Author: 'phasewire', Subject: 'EN 50160 weekly report',
      CreationDate: new Date(madeAt) },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => { resolve(Buffer.concat(chunks)); });
    doc.on('error', reject);
  });
  const cursor: Cursor = { y: page.margin };
  doc.font('Helvetica-Bold').fontSize(18).fillColor(colours.text).text('Power quality report', page.margin, cursor.y);
  doc.font('Helvetica').fontSize(9).fillColor(colours.muted).text('EN 50160 weekly', page.margin, cursor.y + 4, { align: 'right' });
  cursor.y += 30;
  facts(doc, cursor, report);
  compliance(doc, cursor, report);
  events(doc, cursor, report);
  doc.end();
  return done;
}
