// Local protection of a meter (docs/protection.md): its settings go as a sealed, versioned
// `protection-settings` command (admin: protection is a safety setting); the settings it last
// confirmed and its trips, with their pre-trip values, are read here. Arm, disarm and the
// confirming reconnect are commands (routes-operations.ts). Each change is in the audit log.
import { ValidationError } from '@phasewire/core';
import { parseProtectionSettings } from '@phasewire/core/protocol';
import { Type } from 'typebox';
import { ApiFieldError, conflict } from '../api-errors.ts';
import { CommandResult, ErrorBody, IdParams, ProtectionDto } from '../dto.ts';
import type { ProtectionTrip } from '../dto.ts';
import { iso } from '../meter-list.ts';
import type { ApiContext, ApiInstance } from './api-context.ts';
import { commandResult } from './routes-operations.ts';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 413: ErrorBody, 429: ErrorBody };

const text = (value: unknown): string => (typeof value === 'string' ? value : '');
const number = (value: unknown): number => (typeof value === 'number' ? value : 0);

export function protectionRoutes(app: ApiInstance, ctx: ApiContext): void {
  app.get('/api/v1/meters/:id/protection', { schema: {
    tags: ['protection'], summary: 'The protection settings the meter last confirmed, and its trips with their pre-trip values',
    params: IdParams, response: { 200: ProtectionDto, ...errors },
  } }, (request) => {
    const principal = ctx.principalOf(request);
    const meter = ctx.meterOf(principal, request.params.id);
    const view = ctx.devices.protection?.(meter.id) ?? { settings: null, trips: [] };
    const trips: ProtectionTrip[] = view.trips.map(({ receivedAt, record }) => ({
      receivedAt: iso(receivedAt), at: iso(number(record['at'])), fn: text(record['fn']), reason: text(record['reason']),
      settingsVersion: number(record['settingsVersion']), record: { ...record },
    }));
    return {
      settings: view.settings === null ? null : {
        version: view.settings.version, confirmedAt: iso(view.settings.confirmedAt), command: view.settings.command,
        settings: { ...view.settings.settings },
      },
      trips,
    };
  });

  app.put('/api/v1/meters/:id/protection', { schema: {
    tags: ['protection'], summary: 'Send protection settings to the meter (a sealed, versioned command) and wait for its answer',
    params: IdParams, body: Type.Record(Type.String(), Type.Unknown(), { description: 'the settings (docs/protection.md)' }),
    response: { 200: CommandResult, ...errors },
  } }, async (request) => {
    const principal = ctx.principalOf(request);
    const meter = ctx.meterOf(principal, request.params.id);
    if (meter.state === 'revoked') throw conflict(`Cannot send protection settings to meter ${meter.id}: it is revoked`);
    let version: number;
    try {
      version = parseProtectionSettings(request.body, 'the protection settings of the request').version;
    } catch (error) {
      if (error instanceof ValidationError) throw new ApiFieldError('/body', error.message);
      throw error;
    }
    const outcome = commandResult(await ctx.devices.sendCommand(meter.id, 'protection-settings', undefined, { settings: request.body }));
    ctx.audit(principal, 'meter.protection.settings', `meter:${meter.id}`, {
      version, command: outcome.id, status: outcome.status, ...(outcome.reason === undefined ? {} : { reason: outcome.reason }),
    });
    return outcome;
  });
}
