// The Green Button export: one meter's interval data over a time range (and, when given, its bill)
// as a NAESB REQ.21 ESPI 3.3 Atom feed. The feed holds, as entries linked by self/up/related:
//
//   UsagePoint (the meter) ── LocalTimeParameters (the zone's offsets and DST rules)
//     ├─ MeterReading per energy register ── ReadingType (unit, scale, direction, interval length)
//     │    └─ IntervalBlock per local day ── IntervalReading per 15-minute interval (value, timePeriod, quality)
//     └─ UsageSummary (the bill: period, amount, line items; greenbutton-bill.ts)
//
// Values are in mWh or mvarh (uom Wh/VArh, powerOfTenMultiplier −3), so the store's 0.1 Wh
// resolution and an estimate's fraction survive as integers (usage.xsd: IntervalReading.value is
// an Int48). A missing interval has no IntervalReading: a gap stays a gap. Every export is checked
// against the schemas in packages/api/schemas/greenbutton/ by the tests (docs/billing.md, "Exports").
import { ValidationError, type ObisCode } from '@phasewire/core';
import type { IntervalValue, TimeRange } from '@phasewire/store';
import {
  AccumulationKind, CommodityKind, MeasurementKind, QualityOfReading, ServiceKind, UnitMultiplierKind, atomNamespace, currencies,
  espiNamespace, readingQualityOf, registerReadingTypes,
} from './espi-codes.ts';
import { nameUuid } from './espi-ids.ts';
import { addUsageSummary, type GreenButtonBill } from './greenbutton-bill.ts';
import { XmlWriter } from './xml-writer.ts';
import { checkTimeZone, dstRules, localMidnight, localParts, nextLocalMidnight } from './time-zone.ts';

export type { GreenButtonBill } from './greenbutton-bill.ts';

/** The intervals of one energy register (IntervalValue from the store: final value and quality). */
export interface GreenButtonSeries {
  readonly quantity: ObisCode;
  readonly intervals: readonly IntervalValue[];
}

export interface GreenButtonRequest {
  /** The usage point: a meter's id, or the service point of a bill (its meters' intervals as one). */
  readonly meter: string;
  /** The zone the customer's days are in: IntervalBlocks are local days, LocalTimeParameters its rules. */
  readonly timeZone: string;
  /** The span exported; intervals ending in (from, to] are taken. */
  readonly range: TimeRange;
  /** When the feed was made (the Atom `updated` and `published` times). */
  readonly generatedAt: number;
  /** The base of the resource URIs (`https://host/espi/1_1/resource`); links are only names here, nothing is served at them. */
  readonly baseUri: string;
  readonly series: readonly GreenButtonSeries[];
  readonly bill?: GreenButtonBill | undefined;
}

const intervalSeconds = 900;
/** usage.xsd Int48. */
const int48Limit = 2 ** 47;

const seconds = (ms: number): number => Math.floor(ms / 1000);
const atomTime = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** A value in the quantity's unit (Wh, varh) as the integer of milli-units the IntervalReading carries. */
export function milliUnits(value: number): number {
  const milli = Math.round(value * 1000);
  if (!(Math.abs(milli) < int48Limit))
    throw new ValidationError('PW_ERR_INVALID_ARGUMENT', `Cannot write interval value ${value} to Green Button: `
      + `${milli} mWh does not fit an ESPI Int48 (|value| < 2^47)`);
  return milli + 0;
}

interface Resource {
  readonly id: string;
  readonly href: string;
  readonly title: string;
}

interface FeedWriter {
  readonly xml: XmlWriter;
  readonly request: GreenButtonRequest;
  entry(resource: Resource, up: string, related: readonly string[], content: (xml: XmlWriter) => void): void;
}

function feedWriter(request: GreenButtonRequest): FeedWriter {
  const xml = new XmlWriter();
  const updated = atomTime(request.generatedAt);
  const feedId = nameUuid(`feed|${request.meter}|${request.range.from}|${request.range.to}|${request.generatedAt}`);
  xml.start('feed', { 'xmlns': atomNamespace, 'xmlns:espi': espiNamespace })
    .leaf('id', `urn:uuid:${feedId}`)
    .leaf('title', `Green Button data of usage point ${request.meter}`)
    .leaf('updated', updated)
    .empty('link', { rel: 'self', href: `${request.baseUri}/Batch/UsagePoint/${nameUuid(`up|${request.meter}`)}` });
  return {
    xml, request,
    entry(resource, up, related, content) {
      xml.start('entry').leaf('id', `urn:uuid:${resource.id}`)
        .empty('link', { rel: 'self', href: resource.href }).empty('link', { rel: 'up', href: up });
      for (const href of related) xml.empty('link', { rel: 'related', href });
      xml.leaf('title', resource.title).leaf('published', updated).leaf('updated', updated).start('content', { type: 'application/xml' });
      content(xml);
      xml.end().end();
    },
  };
}

const leaf = (xml: XmlWriter, name: string, value: string | number): void => { xml.leaf(`espi:${name}`, value); };

function interval(xml: XmlWriter, name: string, start: number, durationSeconds: number): void {
  xml.start(`espi:${name}`);
  leaf(xml, 'duration', durationSeconds);
  leaf(xml, 'start', seconds(start));
  xml.end();
}

/** Intervals with a value, grouped by the local day their start falls in (a DST day holds 92 or 100). */
interface LocalDay {
  readonly from: number;
  readonly to: number;
  readonly values: IntervalValue[];
}

function localDays(zone: string, range: TimeRange, intervals: readonly IntervalValue[]): LocalDay[] {
  const days: LocalDay[] = [];
  const sorted = intervals.filter((i) => i.value !== null && i.end > range.from && i.end <= range.to).sort((a, b) => a.end - b.end);
  for (const value of sorted) {
    const start = value.end - intervalSeconds * 1000;
    let day = days.at(-1);
    if (day === undefined || start >= day.to) {
      const p = localParts(zone, start);
      const from = Math.max(range.from, localMidnight(zone, p.year, p.month, p.day));
      day = { from, to: Math.min(range.to, nextLocalMidnight(zone, start)), values: [] };
      days.push(day);
    }
    day.values.push(value);
  }
  return days;
}

function addMeterReading(writer: FeedWriter, usagePoint: Resource, series: GreenButtonSeries, currency: number | undefined): string {
  const { request } = writer;
  const type = registerReadingTypes.get(series.quantity);
  if (type === undefined)
    throw new ValidationError('PW_ERR_INVALID_ARGUMENT', `Cannot export ${series.quantity} to Green Button: only the energy registers `
      + `${[...registerReadingTypes.keys()].join(', ')} have interval data`);
  const key = `${request.meter}|${series.quantity}`;
  const reading: Resource = {
    id: nameUuid(`mr|${key}`), href: `${usagePoint.href}/MeterReading/${nameUuid(`mr|${key}`)}`,
    title: `${type.title} (${series.quantity})`,
  };
  const readingType: Resource = {
    id: nameUuid(`rt|${key}`), href: `${request.baseUri}/ReadingType/${nameUuid(`rt|${key}`)}`,
    title: `${type.title}, 15-minute intervals`,
  };
  const blocks = `${reading.href}/IntervalBlock`;
  writer.entry(reading, `${usagePoint.href}/MeterReading`, [readingType.href, blocks], (xml) => { xml.start('espi:MeterReading').end(); });
  writer.entry(readingType, `${request.baseUri}/ReadingType`, [], (node) => {
    node.start('espi:ReadingType');
    leaf(node, 'accumulationBehaviour', AccumulationKind.deltaData);
    leaf(node, 'commodity', CommodityKind.electricitySecondaryMetered);
    if (currency !== undefined) leaf(node, 'currency', currency);
    leaf(node, 'defaultQuality', QualityOfReading.valid);
    leaf(node, 'flowDirection', type.flowDirection);
    leaf(node, 'intervalLength', intervalSeconds);
    leaf(node, 'kind', MeasurementKind.energy);
    leaf(node, 'powerOfTenMultiplier', UnitMultiplierKind.milli);
    leaf(node, 'uom', type.uom);
    node.end();
  });
  for (const day of localDays(request.timeZone, request.range, series.intervals)) {
    const id = nameUuid(`ib|${key}|${day.from}`);
    writer.entry({ id, href: `${blocks}/${id}`, title: `${type.title} from ${atomTime(day.from)}` }, blocks, [], (xml) => {
      xml.start('espi:IntervalBlock');
      interval(xml, 'interval', day.from, seconds(day.to - day.from));
      for (const value of day.values) {
        xml.start('espi:IntervalReading');
        const quality = readingQualityOf[value.quality];
        if (quality !== null) xml.start('espi:ReadingQuality').leaf('espi:quality', quality).end();
        interval(xml, 'timePeriod', value.end - intervalSeconds * 1000, intervalSeconds);
        leaf(xml, 'value', milliUnits(value.value ?? 0));
        xml.end();
      }
      xml.end();
    });
  }
  return reading.href;
}

/** The feed as XML text (UTF-8, indented). */
export function greenButtonFeed(request: GreenButtonRequest): string {
  checkTimeZone(request.timeZone);
  const currencyCode = request.bill?.currency;
  const currency = currencyCode === undefined ? undefined : currencies.get(currencyCode);
  if (currencyCode !== undefined && currency === undefined)
    throw new ValidationError('PW_ERR_INVALID_ARGUMENT', `Cannot export a bill in ${currencyCode} to Green Button: the currency is not `
      + `one of ${[...currencies.keys()].join(', ')}`);
  const writer = feedWriter(request);
  const upId = nameUuid(`up|${request.meter}`);
  const usagePoint: Resource = { id: upId, href: `${request.baseUri}/UsagePoint/${upId}`, title: `Usage point ${request.meter}` };
  const timeParameters: Resource = {
    id: nameUuid(`ltp|${request.timeZone}`), href: `${request.baseUri}/LocalTimeParameters/${nameUuid(`ltp|${request.timeZone}`)}`,
    title: `Local time: ${request.timeZone}`,
  };
  const related = [`${usagePoint.href}/MeterReading`, timeParameters.href];
  if (request.bill !== undefined) related.push(`${usagePoint.href}/UsageSummary`);
  writer.entry(usagePoint, `${request.baseUri}/UsagePoint`, related, (xml) => {
    xml.start('espi:UsagePoint').start('espi:ServiceCategory').leaf('espi:kind', ServiceKind.electricity).end().end();
  });
  const rules = dstRules(request.timeZone, new Date(request.range.from).getUTCFullYear());
  writer.entry(timeParameters, `${request.baseUri}/LocalTimeParameters`, [], (node) => {
    node.start('espi:LocalTimeParameters');
    leaf(node, 'dstEndRule', rules.dstEndRule.toString(16).toUpperCase().padStart(8, '0'));
    leaf(node, 'dstOffset', rules.dstOffset);
    leaf(node, 'dstStartRule', rules.dstStartRule.toString(16).toUpperCase().padStart(8, '0'));
    leaf(node, 'tzOffset', rules.tzOffset);
    node.end();
  });
  for (const series of request.series) addMeterReading(writer, usagePoint, series, currency?.numeric);
  if (request.bill !== undefined && currency !== undefined) {
    const id = nameUuid(`us|${request.meter}|${request.bill.determinants.from}`);
    const title = `Bill ${request.bill.period.start} to ${request.bill.period.end}`;
    writer.entry({ id, href: `${usagePoint.href}/UsageSummary/${id}`, title },
      `${usagePoint.href}/UsageSummary`, [], (xml) => {
      xml.start('espi:UsageSummary');
      addUsageSummary(xml, request.bill as GreenButtonBill, currency, request.generatedAt);
      xml.end();
    });
  }
  writer.xml.end();
  return writer.xml.text();
}
