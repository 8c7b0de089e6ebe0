// The weekly EN 50160 power-quality report of a meter (docs/power-quality.md): as JSON, as CSV (one row
// per ten-minute interval) and as PDF. The week is an ISO week in the zone the caller names; without
// one, the last whole week before now. The report is computed from the stored readings on each
// request (the MDM's pure weeklyPqReport); the exports are written to the audit log.
import { Type } from 'typebox';
import type { MeterId } from '@phasewire/core';
import { isoWeekOf, meterMetadata, parseIsoWeek, weekSpan, weeklyPqFromStore } from '@phasewire/mdm';
import type { WeekSpan, WeeklyPqReport } from '@phasewire/mdm';
import { ApiFieldError } from '../api-errors.ts';
import type { ApiPrincipal } from '../access.ts';
import { ErrorBody, IdParams } from '../dto.ts';
import { powerQualityCsv } from '../export/power-quality-csv.ts';
import { checkTimeZone } from '../export/time-zone.ts';
import { WeeklyPowerQuality, WeeklyPqQuery, weeklyPqDto } from '../power-quality-dto.ts';
import type { ApiContext, ApiInstance } from './api-context.ts';
import { powerQualityPdf } from './power-quality-pdf.ts';

/** A PDF document: binary, sent as it is (fastify does not serialise a Buffer). */
const pdfBody = Type.Unsafe<Buffer>({ type: 'string', format: 'binary', description: 'application/pdf' });
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 429: ErrorBody };

function zoneOf(zone: string | undefined): string {
  const name = zone ?? 'UTC';
  try {
    checkTimeZone(name);
  } catch (error) {
    throw new ApiFieldError('/querystring/zone', `Cannot accept the request: querystring.zone ${JSON.stringify(name)} is not an IANA `
      + 'time zone (e.g. Europe/Berlin)', 'PW_ERR_API_INVALID_REQUEST', { cause: error });
  }
  return name;
}

function weekOf(week: string | undefined, zone: string, now: number): WeekSpan {
  if (week === undefined) {
    const current = weekSpan(isoWeekOf(now, zone), zone);
    return weekSpan(isoWeekOf(current.from - 1, zone), zone);
  }
  try {
    return weekSpan(parseIsoWeek(week), zone);
  } catch (error) {
    throw new ApiFieldError('/querystring/week', `Cannot accept the request: querystring.week ${JSON.stringify(week)} is not an ISO `
      + 'week that exists (YYYY-Www, e.g. 2026-W02)', 'PW_ERR_API_INVALID_REQUEST', { cause: error });
  }
}

export function powerQualityRoutes(app: ApiInstance, ctx: ApiContext): void {
  const report = async (request: { params: { id: string }; query: WeeklyPqQuery }, principal: ApiPrincipal): Promise<WeeklyPqReport> => {
    const meter = ctx.meterOf(principal, request.params.id);
    const zone = zoneOf(request.query.zone);
    const week = weekOf(request.query.week, zone, ctx.clock.now());
    const declared = ctx.powerQuality?.declared?.(meter.id) ?? fromSetup(meter.id);
    return weeklyPqFromStore(ctx.store, { meter: meter.id, week, declaredVoltage: declared.voltage, nominalFrequency: declared.frequency });
  };
  const fileName = (r: WeeklyPqReport, ext: string): string => `${r.meter}-power-quality-${r.week}.${ext}`;

  app.get('/api/v1/meters/:id/power-quality/weekly',
    { schema: { tags: ['power quality'], summary: 'EN 50160 weekly compliance, IEC 61000-4-30 events and data coverage of one meter',
    params: IdParams, querystring: WeeklyPqQuery, response: { 200: WeeklyPowerQuality, ...errors } } }, async (request) =>
    weeklyPqDto(await report(request, ctx.principalOf(request))));

  app.get('/api/v1/meters/:id/power-quality/weekly.csv',
    { schema: { tags: ['exports'], summary: 'The weekly power-quality values, one row per ten-minute interval (RFC 4180)',
    params: IdParams, querystring: WeeklyPqQuery, response: { 200: Type.String({ description: 'text/csv' }), ...errors } } }, async (
    request,
    reply,
  ) => {
    const principal = ctx.principalOf(request);
    const r = await report(request, principal);
    ctx.audit(principal, 'power-quality.export', `meter:${r.meter}`, { week: r.week, zone: r.timeZone, format: 'csv' });
    return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${fileName(r, 'csv')}"`)
      .send(powerQualityCsv(r));
  });

  app.get('/api/v1/meters/:id/power-quality/weekly.pdf',
    { schema: { tags: ['exports'], summary: 'The weekly power-quality report as PDF', params: IdParams, querystring: WeeklyPqQuery,
    response: { 200: pdfBody, ...errors } } }, async (request, reply) => {
    const principal = ctx.principalOf(request);
    const r = await report(request, principal);
    ctx.audit(principal, 'power-quality.export', `meter:${r.meter}`, { week: r.week, zone: r.timeZone, format: 'pdf' });
    return reply.type('application/pdf').header('content-disposition', `attachment; filename="${fileName(r, 'pdf')}"`)
      .send(await powerQualityPdf(r, ctx.clock.now()));
  });
}

/** The MDM's meter setup defaults (230 V, 50 Hz) when the server gives no setup. */
function fromSetup(meter: MeterId): { voltage: number; frequency: number } {
  const meta = meterMetadata(meter);
  return { voltage: meta.nominalVoltage, frequency: meta.nominalFrequency };
}
