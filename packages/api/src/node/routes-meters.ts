// Fleet, meters, readings (JSON and CSV), rollups, intervals and their editing, data quality and
// the power-quality summary. Every route resolves the meter through ctx.meterOf first: another
// tenant's meter is a 404 like an unknown one.
import { findQuantity } from '@phasewire/core';
import type { MeterId, ObisCode } from '@phasewire/core';
import { ApiFieldError } from '../api-errors.ts';
import {
  CsvQuery, ErrorBody, FleetSummary, IdParams, IntervalEditBody, IntervalPoint, Intervals, MeterDetail, MeterList, MeterListQuery,
  PowerQuality, QualityDays, RangeQuery, Readings, ReadingsQuery, RollupQuery, Rollups, powerQualityUnits,
} from '../dto.ts';
import type { IntervalQualityDto, MeterSummary } from '../dto.ts';
import type { ApiPrincipal } from '../access.ts';
import { fleetSummary, isExpressibleTime, iso, listMeters, meterSummary } from '../meter-list.ts';
import type { MeterFigures } from '../meter-list.ts';
import { parseRange } from '../time-range.ts';
import { latestPowerQuality } from '../latest-power-quality.ts';
import { checkEdit, EditRefusal, firstReadingAt, type EditRequest } from '@phasewire/mdm';
import { roundPowerQuality, roundRatio, roundReading, roundValues } from '../rounding.ts';
import type { IntervalValue } from '@phasewire/store';
import { dayMs, intervalMs } from '@phasewire/store';
import type { IntervalQuality } from '@phasewire/store';
import type { ApiContext, ApiInstance } from './api-context.ts';
import { Type } from 'typebox';
import { relayDto } from './routes-protection.ts';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 413: ErrorBody, 429: ErrorBody };
const activeEnergyImport = '1-0:1.8.0' as ObisCode;

const qualityDto: Readonly<Record<IntervalQuality, IntervalQualityDto>> = {
  measured: 'valid', validated: 'valid', estimated: 'estimated', edited: 'edited', missing: 'missing', suspect: 'failed',
};

function quantityOf(field: string, text: string, kind?: 'register'): { obis: ObisCode; unit: string } {
  const found = findQuantity(text);
  if (found?.obis !== text)
    throw new ApiFieldError(field, `Cannot accept the request: ${field.slice(1).replaceAll('/', '.')} ${JSON.stringify(text)} is not an `
      + `OBIS code of the catalogue (e.g. 1-0:32.7.0)`);
  if (kind === 'register' && found.kind !== 'register')
    throw new ApiFieldError(field, `Cannot accept the request: ${field.slice(1).replaceAll('/', '.')} ${text} is not an energy register; `
      + `only intervals of energy registers can be edited`);
  return { obis: found.obis, unit: found.unit };
}

const floorGrid = (t: number): number => Math.floor(t / intervalMs) * intervalMs;
const ceilGrid = (t: number): number => Math.ceil(t / intervalMs) * intervalMs;

async function figuresFor(ctx: ApiContext, principal: ApiPrincipal, meters: readonly string[]): Promise<MeterFigures> {
  const now = ctx.clock.now();
  const alarms = new Map<string, { warn: number; critical: number }>();
  if (ctx.alarms !== undefined) {
    for (const alarm of await ctx.alarms.list({ meters: new Set(meters), activeOnly: true })) {
      const counts = alarms.get(alarm.meter) ?? { warn: 0, critical: 0 };
      counts[alarm.severity] += 1;
      alarms.set(alarm.meter, counts);
    }
  }
  const dayStart = Math.floor(now / dayMs) * dayMs;
  const elapsed = Math.max(1, Math.floor((now - dayStart) / intervalMs));
  const completeness = new Map<string, number>();
  const wanted = new Set(meters);
  for (const day of await ctx.store.completeness({ from: dayStart, to: dayStart + dayMs })) {
    if (wanted.has(day.meter)) completeness.set(day.meter, Math.min(1, day.measured / elapsed));
  }
  const pq = ctx.powerQuality;
  return { now, onlineWindowMs: ctx.onlineWindowMs, alarms, completeness,
    vufPercent: (meter) => (pq === undefined ? ctx.latestVuf(meter) : pq.vufPercent(meter as MeterId)) };
}

async function summaries(ctx: ApiContext, principal: ApiPrincipal): Promise<MeterSummary[]> {
  const records = ctx.metersOf(principal);
  const figures = await figuresFor(ctx, principal, records.map((r) => r.id));
  return records.map((r) => meterSummary(r, figures));
}

/** The rules of every edit (mdm/editing), applied to an edit the API was asked for: a refusal names its body field. */
function checkBodyEdit(edit: EditRequest): void {
  try {
    checkEdit(edit);
  } catch (error) {
    if (!(error instanceof EditRefusal) || error.field === 'actor') throw error;
    throw new ApiFieldError(`/body/${error.field}`, error.message, error.code, { cause: error });
  }
}

const csvField = (text: string): string => (/[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text);

export function meterRoutes(app: ApiInstance, ctx: ApiContext): void {
  const range = (query: { from?: string | undefined; to?: string | undefined }, defaultSpanMs: number, maxSpanMs: number) =>
    parseRange(query, { now: ctx.clock.now(), defaultSpanMs, maxSpanMs });

  app.get('/api/v1/fleet/summary',
    { schema: { tags: ['fleet'], summary: 'Online/offline by link, active alarms, completeness',
    response: { 200: FleetSummary, ...errors } } }, async (request) =>
    fleetSummary(await summaries(ctx, ctx.principalOf(request))));

  app.get('/api/v1/meters',
    { schema: { tags: ['meters'], summary: 'Meters of my tenant, filtered and sorted (worst imbalance first by default)',
    querystring: MeterListQuery, response: { 200: MeterList, ...errors } } }, async (request) => {
    const page = listMeters(await summaries(ctx, ctx.principalOf(request)), request.query);
    return { items: [...page.items], total: page.total, nextCursor: page.nextCursor };
  });

  app.get('/api/v1/meters/:id',
    { schema: { tags: ['meters'], summary: 'One meter', params: IdParams, response: { 200: MeterDetail, ...errors } } },
    async (request) => {
    const principal = ctx.principalOf(request);
    return meterDetail(ctx, principal, request.params.id);
  });

  app.get('/api/v1/meters/:id/readings',
    { schema: { tags: ['readings'], summary: 'Readings of one quantity', params: IdParams, querystring: ReadingsQuery,
    response: { 200: Readings, ...errors } } }, async (request) => {
    const meter = ctx.meterOf(ctx.principalOf(request), request.params.id);
    const { obis, unit } = quantityOf('/querystring/quantity', request.query.quantity);
    const readings = await ctx.store.readings(meter.id, obis, range(request.query, dayMs, 31 * dayMs));
    const points = readings.map((r): [string, number] => [iso(r.at), roundReading(obis, r.value)]);
    return { meter: meter.id, quantity: obis, unit, points };
  });

  app.get('/api/v1/meters/:id/readings.csv',
    { schema: { tags: ['readings'], summary: 'Readings of several quantities as CSV (RFC 4180)', params: IdParams, querystring: CsvQuery,
    response: { 200: Type.String({ description: 'text/csv' }), ...errors } } }, async (
    request,
    reply,
  ) => {
    const meter = ctx.meterOf(ctx.principalOf(request), request.params.id);
    const codes = request.query.quantities.split(',').filter((q) => q !== '');
    if (codes.length === 0 || codes.length > 32)
      throw new ApiFieldError('/querystring/quantities',
        'Cannot accept the request: querystring.quantities must name 1 to 32 OBIS codes, comma-separated');
    const quantities = codes.map((code) => quantityOf('/querystring/quantities', code));
    const span = range(request.query, dayMs, 31 * dayMs);
    const rows = new Map<number, (number | undefined)[]>();
    for (const [index, q] of quantities.entries()) {
      for (const reading of await ctx.store.readings(meter.id, q.obis, span)) {
        let row = rows.get(reading.at);
        if (row === undefined) { row = new Array<number | undefined>(quantities.length); rows.set(reading.at, row); }
        row[index] = roundReading(q.obis, reading.value);
      }
    }
    // RFC 4180: CRLF line ends, a header row; units in the header so a spreadsheet shows them.
    const lines = [['time', ...quantities.map((q) => `${q.obis} [${q.unit}]`)].map(csvField).join(',')];
    for (const at of [...rows.keys()].sort((a, b) => a - b))
      lines.push([iso(at), ...(rows.get(at) ?? []).map((v) => (v === undefined ? '' : String(v)))].join(','));
    ctx.audit(ctx.principalOf(request), 'readings.export', `meter:${meter.id}`,
      { quantities: codes, from: iso(span.from), to: iso(span.to) });
    return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${meter.id}-readings.csv"`)
      .send(`${lines.join('\r\n')}\r\n`);
  });

  app.get('/api/v1/meters/:id/rollups',
    { schema: { tags: ['readings'], summary: 'Hour, day or month rollups', params: IdParams, querystring: RollupQuery,
    response: { 200: Rollups, ...errors } } }, async (request) => {
    const meter = ctx.meterOf(ctx.principalOf(request), request.params.id);
    const { obis } = quantityOf('/querystring/quantity', request.query.quantity);
    const rollups = await ctx.store.rollups(meter.id, obis, request.query.period, range(request.query, 31 * dayMs, 3660 * dayMs));
    const round = (value: number | null) => roundReading(obis, value);
    return { points: rollups.map((r) =>
      ({ start: iso(r.start), sum: roundReading(obis, r.sum), min: round(r.min), max: round(r.max), count: r.count })) };
  });

  app.get('/api/v1/meters/:id/intervals',
    { schema: { tags: ['intervals'], summary: 'Interval values with their quality', params: IdParams, querystring: ReadingsQuery,
    response: { 200: Intervals, ...errors } } }, async (request) => {
    const meter = ctx.meterOf(ctx.principalOf(request), request.params.id);
    const { obis } = quantityOf('/querystring/quantity', request.query.quantity, 'register');
    const span = range(request.query, dayMs, 92 * dayMs);
    const grid = { from: floorGrid(span.from), to: ceilGrid(span.to) };
    return { points: await intervalPoints(ctx, meter.id, obis, grid) };
  });

  app.post('/api/v1/meters/:id/intervals/edit',
    { schema: { tags: ['intervals'], summary: 'Edit one interval (reason mandatory, audited)', params: IdParams, body: IntervalEditBody,
    response: { 200: IntervalPoint, ...errors } } }, async (request) => {
    const principal = ctx.principalOf(request);
    const meter = ctx.meterOf(principal, request.params.id);
    const { obis } = quantityOf('/body/quantity', request.body.quantity, 'register');
    const start = Date.parse(request.body.start);
    if (!Number.isFinite(start) || start % intervalMs !== 0)
      throw new ApiFieldError('/body/start',
        `Cannot accept the request: body.start ${request.body.start} is not on the 15-minute interval grid`);
    const end = start + intervalMs;
    const person = principal.kind === 'user' ? principal.username : `token:${principal.tokenId}`;
    checkBodyEdit({
      meter: meter.id, quantity: obis, interval: end, value: request.body.value, actor: person, reason: request.body.reason,
    });
    const reason = request.body.reason.trim();
    await ctx.store.writeIntervals([{ meter: meter.id, quantity: obis, end, stage: 'final', value: request.body.value, quality: 'edited' }],
      { kind: 'person', person, reason });
    ctx.audit(principal, 'interval.edit', `meter:${meter.id}`,
      { quantity: obis, start: request.body.start, value: request.body.value, reason });
    const [point] = await intervalPoints(ctx, meter.id, obis, { from: start, to: end });
    if (point === undefined) throw new Error(`The interval ending ${iso(end)} was written but cannot be read back`);
    return point;
  });

  app.get('/api/v1/meters/:id/quality',
    { schema: { tags: ['intervals'], summary: 'Completeness, estimated, edited and failed intervals per day', params: IdParams,
    querystring: RangeQuery, response: { 200: QualityDays, ...errors } } }, async (request) => {
    const meter = ctx.meterOf(ctx.principalOf(request), request.params.id);
    const span = range(request.query, 7 * dayMs, 92 * dayMs);
    const days = { from: Math.floor(span.from / dayMs) * dayMs, to: Math.ceil(span.to / dayMs) * dayMs };
    const measured = new Map<number, number>();
    for (const day of await ctx.store.completeness(days)) if (day.meter === meter.id) measured.set(day.day, day.measured / day.expected);
    const intervals = await ctx.store.intervals(meter.id, activeEnergyImport, days);
    const out: { day: string; completeness: number; estimated: number; edited: number; failed: number }[] = [];
    for (let day = days.from; day < days.to; day += dayMs) {
      const inDay = intervals.filter((i) => i.end > day && i.end <= day + dayMs);
      const count = (quality: IntervalQuality) => inDay.filter((i) => i.quality === quality).length;
      const completeness = roundRatio(measured.get(day) ?? 0) ?? 0;
      out.push({ day: iso(day).slice(0, 10), completeness, estimated: count('estimated'), edited: count('edited'),
        failed: count('suspect') });
    }
    return { days: out };
  });

  app.get('/api/v1/meters/:id/power-quality',
    { schema: { tags: ['power quality'], summary: 'Unbalance figures with their standards, power factor, THD, voltage events',
    params: IdParams, querystring: RangeQuery, response: { 200: PowerQuality, ...errors } } }, async (request) => {
    const meter = ctx.meterOf(ctx.principalOf(request), request.params.id);
    const span = range(request.query, dayMs, 92 * dayMs);
    if (ctx.powerQuality !== undefined) return roundPowerQuality(await ctx.powerQuality.summary(meter.id, span) ?? emptyPowerQuality());
    const latest = await ctx.store.latest(meter.id);
    return roundPowerQuality(latestPowerQuality(new Map(latest.map((r) => [r.quantity as string, r.value]))));
  });
}

export function emptyPowerQuality(): PowerQuality {
  return {
    unbalance: {
      vuf: { value: null, unit: '%', standard: 'IEC 61000-4-30 VUF' }, lvur: { value: null, unit: '%', standard: 'NEMA MG 1 LVUR' },
      pvur: { value: null, unit: '%', standard: 'IEEE 112 PVUR' },
    },
    currentUnbalance: null, neutralCurrent: null, powerFactor: { l1: null, l2: null, l3: null }, thd: {}, events: [],
    units: powerQualityUnits, en50160: null,
  };
}

async function intervalPoints(ctx: ApiContext, meter: MeterId, quantity: ObisCode, grid: { from: number; to: number }) {
  // Intervals before a meter's first reading are not its own: not listed (a new meter has no gap before it existed).
  const begins = await firstReadingAt(ctx.store, meter, quantity, grid.from, grid.to);
  const values: readonly IntervalValue[] = (await ctx.store.intervals(meter, quantity, grid)).filter((v) => v.end > begins);
  const rules = new Map<number, string>();
  for (const change of await ctx.store.intervalChanges(meter, quantity, grid)) {
    if (change.provenance.kind === 'rule') rules.set(change.end, change.provenance.rule);
    else rules.delete(change.end);
  }
  return values.map((v) => {
    const rule = rules.get(v.end);
    const value = roundReading(quantity, v.value);
    return { start: iso(v.end - intervalMs), value, quality: qualityDto[v.quality], ...(rule === undefined ? {} : { rule }) };
  });
}

export async function meterDetail(ctx: ApiContext, principal: ApiPrincipal, id: string) {
  const record = ctx.meterOf(principal, id);
  const figures = await figuresFor(ctx, principal, [record.id]);
  const latest = (await ctx.store.latest(record.id)).filter((r) => isExpressibleTime(r.at));
  const at = latest.reduce((max, r) => Math.max(max, r.at), -Infinity);
  const notAfter = record.serial === null ? null : ctx.devices.certificateNotAfter?.(record.serial) ?? null;
  const relay = ctx.devices.protection?.(record.id).relay;
  return {
    ...meterSummary(record, figures),
    relay: relay === undefined || relay === null ? null : relayDto(relay),
    serial: record.id,
    tenant: ctx.accounts.tenantOf(record.id),
    groups: [],
    certificate: record.serial === null ? null : { serial: record.serial, notAfter: notAfter === null ? null : iso(notAfter) },
    latest: latest.length === 0 ? null : { at: iso(at), values: roundValues(Object.fromEntries(latest.map((r) => [r.quantity, r.value]))) },
  };
}
