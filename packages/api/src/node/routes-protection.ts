// Local protection of a meter (docs/protection.md): its settings go as a sealed, versioned
// `protection-settings` command (admin: protection is a safety setting), its load limit as a sealed,
// versioned `load-limit` command (operator: the supplier's policy); the settings and limit it last
// confirmed, its relay as it last reported it and its trips, with their pre-trip values, are read
// here, and the fleet's trips and open relays (the caller's tenant's meters only). Arm, disarm and the
// confirming reconnect are commands (routes-operations.ts). Each change is in the audit log.
import { ValidationError } from '@phasewire/core';
import { parseLoadLimit, parseProtectionSettings } from '@phasewire/core/protocol';
import type { RelayView } from '@phasewire/headend';
import { Type } from 'typebox';
import { ApiFieldError, conflict } from '../api-errors.ts';
import { CommandResult, ErrorBody, IdParams, ProtectionDto, ProtectionFleetDto, TripsQuery } from '../dto.ts';
import type { FleetTrip, ProtectionTrip, RelayDto } from '../dto.ts';
import { iso } from '../meter-list.ts';
import type { ApiContext, ApiInstance } from './api-context.ts';
import { commandResult } from './routes-operations.ts';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 413: ErrorBody, 429: ErrorBody };

const text = (value: unknown): string => (typeof value === 'string' ? value : '');
const number = (value: unknown): number => (typeof value === 'number' ? value : 0);

/** The relay as the API shows it (the meter's DTO, the protection view, the fleet's Trips). */
export const relayDto = (relay: RelayView): RelayDto => ({
  state: relay.relay, armed: relay.armed, cause: relay.by ?? null, fn: relay.fn ?? null, since: iso(relay.at),
  reportedAt: iso(relay.receivedAt), loadLimitVersion: relay.loadLimitVersion ?? null,
});

const tripDto = (receivedAt: number, record: Readonly<Record<string, unknown>>): ProtectionTrip => ({
  receivedAt: iso(receivedAt), at: iso(number(record['at'])), fn: text(record['fn']), reason: text(record['reason']),
  settingsVersion: number(record['settingsVersion']), record: { ...record },
});

export function protectionRoutes(app: ApiInstance, ctx: ApiContext): void {
  app.get('/api/v1/meters/:id/protection', { schema: {
    tags: ['protection'], summary: 'The protection settings the meter last confirmed, and its trips with their pre-trip values',
    params: IdParams, response: { 200: ProtectionDto, ...errors },
  } }, (request) => {
    const principal = ctx.principalOf(request);
    const meter = ctx.meterOf(principal, request.params.id);
    const view = ctx.devices.protection?.(meter.id) ?? { settings: null, trips: [] };
    const trips = view.trips.map(({ receivedAt, record }) => tripDto(receivedAt, record));
    const { relay, loadLimit } = view;
    return {
      relay: relay === undefined || relay === null ? null : relayDto(relay),
      loadLimit: loadLimit === undefined || loadLimit === null ? null
        : { version: loadLimit.version, confirmedAt: iso(loadLimit.confirmedAt), limit: { ...loadLimit.limit } },
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
  app.put('/api/v1/meters/:id/load-limit', { schema: {
    tags: ['protection'], summary: 'Send a load limit to the meter (a sealed, versioned command) and wait for its answer',
    params: IdParams, body: Type.Record(Type.String(), Type.Unknown(), { description: 'the limit (docs/protection.md, "Load limiting")' }),
    response: { 200: CommandResult, ...errors },
  } }, async (request) => {
    const principal = ctx.principalOf(request);
    const meter = ctx.meterOf(principal, request.params.id);
    if (meter.state === 'revoked') throw conflict(`Cannot send a load limit to meter ${meter.id}: it is revoked`);
    let version: number;
    try {
      version = parseLoadLimit(request.body, 'the load limit of the request').version;
    } catch (error) {
      if (error instanceof ValidationError) throw new ApiFieldError('/body', error.message);
      throw error;
    }
    const outcome = commandResult(await ctx.devices.sendCommand(meter.id, 'load-limit', undefined, { loadLimit: request.body }));
    ctx.audit(principal, 'meter.load-limit', `meter:${meter.id}`, {
      version, command: outcome.id, status: outcome.status, ...(outcome.reason === undefined ? {} : { reason: outcome.reason }),
    });
    return outcome;
  });

  app.get('/api/v1/protection/trips', { schema: {
    tags: ['protection'], summary: 'The latest trips of the caller\'s meters with pre-trip values, and the meters whose relay is open',
    querystring: TripsQuery, response: { 200: ProtectionFleetDto, ...errors },
  } }, (request) => {
    const principal = ctx.principalOf(request);
    const limit = request.query.limit ?? 100;
    const mine = (device: string): boolean =>
      ctx.accounts.tenantOf(device) === principal.tenant && ctx.devices.registry.get(device) !== undefined;
    const fleet = ctx.devices.protectionFleet?.(limit, mine) ?? { trips: [], open: [] };
    const trips: FleetTrip[] = fleet.trips.filter((trip) => mine(trip.device)).slice(0, limit)
      .map((trip) => ({ meter: trip.device, ...tripDto(trip.receivedAt, trip.record) }));
    const disconnected = fleet.open.filter((relay) => mine(relay.device))
      .map((relay) => ({ meter: relay.device, relay: relayDto(relay) }));
    return { trips, disconnected };
  });
}
