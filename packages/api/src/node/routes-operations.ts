// Alarms (list, acknowledge), commands to a meter, revocation and enrollment tokens: the routes that
// act on the fleet. Each change is in the audit log, with its outcome.
import { parseMeterId, ValidationError } from '@phasewire/core';
import type { CommandRecord } from '@phasewire/headend';
import { ApiFieldError, conflict, notFound } from '../api-errors.ts';
import {
  AcknowledgeBody, AlarmDto, AlarmList, AlarmListParams, CommandBody, CommandParams, CommandResult, EnrollmentToken, EnrollmentTokenBody,
  ErrorBody, IdParams, MeterDetail, RevokeBody,
} from '../dto.ts';
import type { CommandResult as CommandResultDto } from '../dto.ts';
import { iso } from '../meter-list.ts';
import type { ApiContext, ApiInstance } from './api-context.ts';
import { meterDetail } from './routes-meters.ts';
import { defaultTenant } from './sqlite-accounts.ts';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 413: ErrorBody, 429: ErrorBody };

export function operationRoutes(app: ApiInstance, ctx: ApiContext): void {
  app.get('/api/v1/alarms',
    { schema: { tags: ['alarms'], summary: 'Alarms of my tenant\'s meters, newest first', querystring: AlarmListParams,
    response: { 200: AlarmList, ...errors } } }, async (request) => {
    const principal = ctx.principalOf(request);
    if (ctx.alarms === undefined) return { items: [], nextCursor: null };
    const meters = new Set<string>(ctx.metersOf(principal).map((m) => m.id));
    const { state, meter, severity } = request.query;
    const all = await ctx.alarms.list({ meters, activeOnly: state !== 'all', ...(meter === undefined ? {} : { meter }),
      ...(severity === undefined ? {} : { severity }) });
    const visible = all.filter((a) =>
      meters.has(a.meter) && (meter === undefined || a.meter === meter) && (severity === undefined || a.severity === severity));
    let offset = 0;
    if (request.query.cursor !== undefined) {
      const match = /^o([0-9a-z]{1,8})$/.exec(request.query.cursor);
      if (match === null)
        throw new ApiFieldError('/querystring/cursor',
          'Cannot accept the request: querystring.cursor is not a cursor this server gave out');
      offset = Number.parseInt(match[1] ?? '0', 36);
    }
    const limit = request.query.limit ?? 100;
    const items = visible.slice(offset, offset + limit);
    const next = offset + items.length;
    return { items, nextCursor: next < visible.length ? `o${next.toString(36)}` : null };
  });

  app.post('/api/v1/alarms/:id/acknowledge',
    { schema: { tags: ['alarms'], summary: 'Acknowledge an alarm with a note', params: IdParams, body: AcknowledgeBody,
    response: { 200: AlarmDto, ...errors } } }, async (request) => {
    const principal = ctx.principalOf(request);
    const alarm = await ctx.alarms?.get(request.params.id);
    // Another tenant's alarm is as unknown as a missing one.
    if (alarm === undefined || ctx.accounts.tenantOf(alarm.meter) !== principal.tenant
      || ctx.devices.registry.get(alarm.meter) === undefined || ctx.alarms === undefined) {
      throw notFound(`alarm ${JSON.stringify(request.params.id)}`);
    }
    const note = request.body.note.trim();
    if (note === '')
      throw new ApiFieldError('/body/note', 'Cannot accept the request: body.note is blank; an acknowledgement needs a note');
    const actor = principal.kind === 'user' ? principal.username : `token:${principal.tokenId}`;
    const acknowledged = await ctx.alarms.acknowledge(alarm.id, actor, note);
    ctx.audit(principal, 'alarm.acknowledge', `alarm:${alarm.id}`, { meter: alarm.meter, note });
    ctx.emit({ type: 'alarm', alarm: acknowledged });
    return acknowledged;
  });

  app.post('/api/v1/meters/:id/commands', { schema: {
    tags: ['commands'], summary: 'Send a command to a meter and wait for its answer (or get it as pending)',
    params: IdParams, body: CommandBody, response: { 200: CommandResult, ...errors },
  } }, async (request) => {
    const principal = ctx.principalOf(request);
    const meter = ctx.meterOf(principal, request.params.id);
    if (meter.state === 'revoked') throw conflict(`Cannot send ${request.body.kind} to meter ${meter.id}: it is revoked`);
    const confirm = request.body.confirm === true;
    if (confirm && request.body.kind !== 'reconnect') {
      throw new ApiFieldError('/body/confirm', `Cannot accept the request: body.confirm goes with a reconnect, not a ${request.body.kind}`);
    }
    const outcome = commandResult(await ctx.devices.sendCommand(meter.id, request.body.kind, undefined, confirm ? { confirm } : undefined));
    ctx.audit(principal, 'meter.command', `meter:${meter.id}`, {
      kind: outcome.kind, command: outcome.id, status: outcome.status, ...(confirm ? { confirm } : {}),
      ...(outcome.reason === undefined ? {} : { reason: outcome.reason }),
    });
    return outcome;
  });

  app.get('/api/v1/meters/:id/commands/:command', { schema: {
    tags: ['commands'], summary: 'A command sent to a meter: pending, or its answer once it came', params: CommandParams,
    response: { 200: CommandResult, ...errors },
  } }, (request) => {
    const principal = ctx.principalOf(request);
    const meter = ctx.meterOf(principal, request.params.id);
    const record = ctx.devices.command(meter.id, request.params.command);
    if (record === undefined) throw notFound(`command ${JSON.stringify(request.params.command)} of meter ${meter.id}`);
    return commandResult(record);
  });

  app.post('/api/v1/meters/:id/revoke',
    { schema: { tags: ['meters'], summary: 'Revoke a meter: its sessions drop at once', params: IdParams, body: RevokeBody,
    response: { 200: MeterDetail, ...errors } } }, async (request) => {
    const principal = ctx.principalOf(request);
    const meter = ctx.meterOf(principal, request.params.id);
    if (meter.state === 'revoked') throw conflict(`Cannot revoke meter ${meter.id}: it is revoked already`);
    await ctx.devices.revokeDevice(meter.id);
    if (meter.serial !== null) await ctx.devices.revokeCertificate?.(meter.serial);
    ctx.audit(principal, 'meter.revoke', `meter:${meter.id}`, { reason: request.body.reason, certificate: meter.serial });
    ctx.emit({ type: 'meter', meter: meter.id });
    return meterDetail(ctx, principal, meter.id);
  });

  app.post('/api/v1/enrollment-tokens',
    { schema: { tags: ['meters'], summary: 'Create a one-time enrollment token for a meter (shown once)', body: EnrollmentTokenBody,
    response: { 201: EnrollmentToken, ...errors } } }, async (
    request,
    reply,
  ) => {
    const principal = ctx.principalOf(request);
    if (ctx.enrollment === undefined)
      throw new ValidationError('PW_ERR_API_NOT_FOUND', 'Cannot create an enrollment token: this server runs without a CA');
    const serial = parseMeterId(request.body.serial);
    const existing = ctx.devices.registry.get(serial);
    const owner = ctx.accounts.tenantOf(serial);
    // A meter known to the registry, or promised to a tenant by an earlier token, stays with its tenant.
    if (owner !== principal.tenant && (existing !== undefined || owner !== defaultTenant))
      throw notFound(`meter ${JSON.stringify(serial)}`);
    if (existing?.state === 'revoked')
      throw conflict(`Cannot create an enrollment token for meter ${serial}: it is revoked, and a revoked meter stays revoked`);
    const { token, expiresAt } = await ctx.enrollment.createToken(serial, (request.body.expiresInHours ?? 72) * 3_600_000);
    ctx.accounts.assignMeter(serial, principal.tenant);
    ctx.audit(principal, 'enrollment-token.create', `meter:${serial}`, { expiresAt: iso(expiresAt) });
    return reply.code(201).send({ token, serial, expiresAt: iso(expiresAt) });
  });
}

/** What the API says of a command (status, answer, why not, until when the meter takes it). */
export function commandResult(record: CommandRecord): CommandResultDto {
  return {
    id: record.id, kind: record.kind, status: record.status,
    ...(record.result === undefined ? {} : { result: { ...record.result } }),
    ...(record.reason === undefined ? {} : { reason: record.reason }),
    ...(record.status === 'pending' ? { reason: pendingReason(record) } : {}),
    ...(Number.isFinite(new Date(record.expiresAt).getTime()) ? { expiresAt: iso(record.expiresAt) } : {}),
  };
}

function pendingReason(record: CommandRecord): string {
  return `No answer yet: the meter gets the command when it next connects (a cellular meter when it wakes from its sleep) and answers `
    + `then; it takes it until ${iso(record.expiresAt)} on its clock. GET /api/v1/meters/${record.device}/commands/${record.id} `
    + 'shows its answer once it came';
}
