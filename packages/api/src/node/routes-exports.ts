// Exports of a meter's interval data: Green Button (ESPI 3.3 Atom XML) and CSV. Data comes from the
// meter store through the API's port (MeterStore.intervals: final value and quality), is shaped by
// the pure builders of src/export/, and every export is written to the audit log.
import { Type } from 'typebox';
import { findQuantity } from '@phasewire/core';
import { dayMs } from '@phasewire/store';
import type { ApiPrincipal } from '../access.ts';
import { ApiFieldError } from '../api-errors.ts';
import { ErrorBody, IdParams } from '../dto.ts';
import { ExportQuery } from '../export-dto.ts';
import { intervalCsv } from '../export/csv-export.ts';
import { registerIntervals } from '../export/export-data.ts';
import { greenButtonFeed } from '../export/greenbutton.ts';
import { checkTimeZone } from '../export/time-zone.ts';
import { iso } from '../meter-list.ts';
import { parseRange } from '../time-range.ts';
import type { ApiContext, ApiInstance } from './api-context.ts';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 429: ErrorBody };
/** The longest span one export may cover: a quarter (92 days of 15-minute data is 8 832 intervals per register). */
const maxSpanMs = 92 * dayMs;

function zoneOf(tz: string | undefined): string {
  const zone = tz ?? 'UTC';
  try {
    checkTimeZone(zone);
  } catch (error) {
    throw new ApiFieldError('/querystring/tz', `Cannot accept the request: querystring.tz ${JSON.stringify(zone)} is not an IANA time zone `
      + '(e.g. Europe/Berlin)', 'PW_ERR_API_INVALID_REQUEST', { cause: error });
  }
  return zone;
}

export function exportRoutes(app: ApiInstance, ctx: ApiContext): void {
  const range = (query: ExportQuery) => parseRange(query, { now: ctx.clock.now(), defaultSpanMs: dayMs, maxSpanMs });
  /** What both exports of a meter read: who asks, the meter (theirs), the span, the zone and the registers' intervals. */
  const meterExport = async (request: { params: { id: string }; query: ExportQuery }, principal: ApiPrincipal) => {
    const meter = ctx.meterOf(principal, request.params.id);
    const span = range(request.query);
    const timeZone = zoneOf(request.query.tz);
    return { meter, span, timeZone, series: await registerIntervals(ctx.store, meter.id, span) };
  };

  app.get('/api/v1/meters/:id/greenbutton.xml',
    { schema: { tags: ['exports'], summary: 'Interval data as a Green Button feed (NAESB ESPI 3.3 Atom XML)', params: IdParams,
    querystring: ExportQuery, response: { 200: Type.String({ description: 'application/atom+xml' }), ...errors } } }, async (
    request,
    reply,
  ) => {
    const principal = ctx.principalOf(request);
    const { meter, span, timeZone, series } = await meterExport(request, principal);
    const baseUri = `https://${request.hostname}/espi/1_1/resource`;
    const xml = greenButtonFeed({ meter: meter.id, timeZone, range: span, generatedAt: ctx.clock.now(), baseUri, series });
    ctx.audit(principal, 'greenbutton.export', `meter:${meter.id}`, { from: iso(span.from), to: iso(span.to), tz: timeZone });
    return reply.type('application/atom+xml; charset=utf-8')
      .header('content-disposition', `attachment; filename="${meter.id}-greenbutton.xml"`).send(xml);
  });

  app.get('/api/v1/meters/:id/intervals.csv',
    { schema: { tags: ['exports'], summary: 'Interval data of every energy register as CSV (RFC 4180; columns in docs/billing.md)',
    params: IdParams, querystring: ExportQuery, response: { 200: Type.String({ description: 'text/csv' }), ...errors } } }, async (
    request,
    reply,
  ) => {
    const principal = ctx.principalOf(request);
    const exported = await meterExport(request, principal);
    const { meter, span, timeZone } = exported;
    const series = exported.series.map((s) => ({
      meter: meter.id, quantity: s.quantity, unit: findQuantity(s.quantity)?.unit ?? '',
      intervals: s.intervals.filter((i) => i.end > span.from && i.end - 900_000 < span.to),
    }));
    ctx.audit(principal, 'intervals.export', `meter:${meter.id}`, { from: iso(span.from), to: iso(span.to), tz: timeZone });
    return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${meter.id}-intervals.csv"`)
      .send(intervalCsv(series, timeZone));
  });
}
