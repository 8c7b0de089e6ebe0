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
import { create } from 'xmlbuilder2';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';
import {
  AccumulationKind, CommodityKind, MeasurementKind, QualityOfReading, ServiceKind, UnitMultiplierKind, atomNamespace, currencies,
  espiNamespace, readingQualityOf, registerReadingTypes,
} from './espi-codes.ts';
import { nameUuid } from './espi-ids.ts';
import { addUsageSummary, type GreenButtonBill } from './greenbutton-bill.ts';
import { checkTimeZone, dstRules, localMidnight, localParts, nextLocalMidnight } from './time-zone.ts';

export type { GreenButtonBill } from './greenbutton-bill.ts';

/** The intervals of one energy register (IntervalValue from the store: final value and quality). */
export interface GreenButtonSeries {
  readonly quantity: ObisCode;
  readonly intervals: readonly IntervalValue[];
}

export interface GreenButtonRequest {
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
  readonly feed: XMLBuilder;
  readonly request: GreenButtonRequest;
  entry(resource: Resource, up: string, related: readonly string[], content: (content: XMLBuilder) => void): void;
}

function feedWriter(request: GreenButtonRequest): { writer: FeedWriter; root: XMLBuilder } {
  const root = create({ version: '1.0', encoding: 'UTF-8' });
  const feed = root.ele(atomNamespace, 'feed').att('xmlns:espi', espiNamespace);
  const updated = atomTime(request.generatedAt);
  const feedId = nameUuid(`feed|${request.meter}|${request.range.from}|${request.range.to}|${request.generatedAt}`);
  feed.ele('id').txt(`urn:uuid:${feedId}`).up()
    .ele('title').txt(`Green Button usage of meter ${request.meter}`).up()
    .ele('updated').txt(updated).up()
    .ele('link').att('rel', 'self').att('href', `${request.baseUri}/Batch/UsagePoint/${nameUuid(`up|${request.meter}`)}`).up();
  const writer: FeedWriter = {
    feed, request,
    entry(resource, up, related, content) {
      const entry = feed.ele('entry');
      entry.ele('id').txt(`urn:uuid:${resource.id}`).up()
        .ele('link').att('rel', 'self').att('href', resource.href).up()
        .ele('link').att('rel', 'up').att('href', up).up();
      for (const href of related) entry.ele('link').att('rel', 'related').att('href', href).up();
      entry.ele('title').txt(resource.title).up().ele('published').txt(updated).up().ele('updated').txt(updated).up();
      content(entry.ele('content').att('type', 'application/xml'));
    },
  };
  return { writer, root };
}

const espi = (parent: XMLBuilder, name: string): XMLBuilder => parent.ele(espiNamespace, `espi:${name}`);
const leaf = (parent: XMLBuilder, name: string, value: string | number): void => { espi(parent, name).txt(String(value)); };

function interval(parent: XMLBuilder, name: string, start: number, durationSeconds: number): void {
  const node = espi(parent, name);
  leaf(node, 'duration', durationSeconds);
  leaf(node, 'start', seconds(start));
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
  writer.entry(reading, `${usagePoint.href}/MeterReading`, [readingType.href, blocks], (content) => { espi(content, 'MeterReading'); });
  writer.entry(readingType, `${request.baseUri}/ReadingType`, [], (content) => {
    const node = espi(content, 'ReadingType');
    leaf(node, 'accumulationBehaviour', AccumulationKind.deltaData);
    leaf(node, 'commodity', CommodityKind.electricitySecondaryMetered);
    if (currency !== undefined) leaf(node, 'currency', currency);
    leaf(node, 'defaultQuality', QualityOfReading.valid);
    leaf(node, 'flowDirection', type.flowDirection);
    leaf(node, 'intervalLength', intervalSeconds);
    leaf(node, 'kind', MeasurementKind.energy);
    leaf(node, 'powerOfTenMultiplier', UnitMultiplierKind.milli);
    leaf(node, 'uom', type.uom);
  });
  for (const day of localDays(request.timeZone, request.range, series.intervals)) {
    const id = nameUuid(`ib|${key}|${day.from}`);
    writer.entry({ id, href: `${blocks}/${id}`, title: `${type.title} from ${atomTime(day.from)}` }, blocks, [], (content) => {
      const block = espi(content, 'IntervalBlock');
      interval(block, 'interval', day.from, seconds(day.to - day.from));
      for (const value of day.values) {
        const node = espi(block, 'IntervalReading');
        const quality = readingQualityOf[value.quality];
        if (quality !== null) leaf(espi(node, 'ReadingQuality'), 'quality', quality);
        interval(node, 'timePeriod', value.end - intervalSeconds * 1000, intervalSeconds);
        leaf(node, 'value', milliUnits(value.value ?? 0));
      }
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
  const { writer, root } = feedWriter(request);
  const upId = nameUuid(`up|${request.meter}`);
  const usagePoint: Resource = { id: upId, href: `${request.baseUri}/UsagePoint/${upId}`, title: `Meter ${request.meter}` };
  const timeParameters: Resource = {
    id: nameUuid(`ltp|${request.timeZone}`), href: `${request.baseUri}/LocalTimeParameters/${nameUuid(`ltp|${request.timeZone}`)}`,
    title: `Local time: ${request.timeZone}`,
  };
  const related = [`${usagePoint.href}/MeterReading`, timeParameters.href];
  if (request.bill !== undefined) related.push(`${usagePoint.href}/UsageSummary`);
  writer.entry(usagePoint, `${request.baseUri}/UsagePoint`, related, (content) => {
    leaf(espi(espi(content, 'UsagePoint'), 'ServiceCategory'), 'kind', ServiceKind.electricity);
  });
  const rules = dstRules(request.timeZone, new Date(request.range.from).getUTCFullYear());
  writer.entry(timeParameters, `${request.baseUri}/LocalTimeParameters`, [], (content) => {
    const node = espi(content, 'LocalTimeParameters');
    leaf(node, 'dstEndRule', rules.dstEndRule.toString(16).toUpperCase().padStart(8, '0'));
    leaf(node, 'dstOffset', rules.dstOffset);
    leaf(node, 'dstStartRule', rules.dstStartRule.toString(16).toUpperCase().padStart(8, '0'));
    leaf(node, 'tzOffset', rules.tzOffset);
  });
  for (const series of request.series) addMeterReading(writer, usagePoint, series, currency?.numeric);
  if (request.bill !== undefined && currency !== undefined) {
    const id = nameUuid(`us|${request.meter}|${request.bill.determinants.from}`);
    const title = `Bill ${request.bill.period.start} to ${request.bill.period.end}`;
    writer.entry({ id, href: `${usagePoint.href}/UsageSummary/${id}`, title },
      `${usagePoint.href}/UsageSummary`, [], (content) => {
      addUsageSummary(espi(content, 'UsageSummary'), request.bill as GreenButtonBill, currency, request.generatedAt);
    });
  }
  return root.end({ prettyPrint: true });
}
