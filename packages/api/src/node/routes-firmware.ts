// Firmware (docs/firmware.md, "Campaigns"): the images the TUF repository publishes, and campaigns
// that offer one of them to a selection of meters wave by wave. Reading is for every role; starting
// and resuming a campaign is an admin's (it changes what meters run), pausing and aborting an
// operator's (stopping is always safe). The campaign service audits every action with the caller.
import { Type } from 'typebox';
import { actorOf } from '../access.ts';
import { notFound } from '../api-errors.ts';
import { ErrorBody, IdParams } from '../dto.ts';
import {
  CampaignBody, CampaignDetail, CampaignList, DeviceLabelsBody, FirmwareImageList, type CampaignDeviceDto, type CampaignDto,
} from '../firmware-dto.ts';
import type { FirmwarePort } from '../ports.ts';
import type { ApiContext, ApiInstance } from './api-context.ts';
import type { CampaignView } from '@phasewire/mdm/campaigns';
import type { CampaignDeviceRecord } from '@phasewire/store';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 413: ErrorBody, 429: ErrorBody };
const iso = (t: number): string => new Date(t).toISOString();

function firmwareOf(ctx: ApiContext): FirmwarePort {
  if (ctx.firmware === undefined) throw notFound('firmware: this server runs without campaigns');
  return ctx.firmware;
}

export function campaignDto(view: CampaignView): CampaignDto {
  const c = view.campaign;
  return {
    id: c.id, name: c.name, target: c.target, version: c.version, selector: selectorDto(c.selector),
    waves: view.waves.map((w) => ({ wave: w.wave + 1, share: w.share, states: { ...w.states } })),
    failureThreshold: c.failureThreshold, window: c.window === null ? null : { ...c.window }, status: c.status, wave: c.wave + 1,
    statusReason: c.statusReason, devices: view.tally.devices, states: { ...view.tally.byState },
    createdBy: c.createdBy, createdAt: iso(c.createdAt), updatedAt: iso(c.updatedAt),
  };
}

const selectorDto = (s: CampaignView['campaign']['selector']): CampaignDto['selector'] => ({
  ...(s.models === undefined ? {} : { models: [...s.models] }), ...(s.versions === undefined ? {} : { versions: [...s.versions] }),
  ...(s.groups === undefined ? {} : { groups: [...s.groups] }), ...(s.tags === undefined ? {} : { tags: [...s.tags] }),
});

const deviceDto = (d: CampaignDeviceRecord): CampaignDeviceDto => ({
  device: d.device, wave: d.wave + 1, state: d.state, reason: d.reason, command: d.command, updatedAt: iso(d.updatedAt),
});

async function detail(firmware: FirmwarePort, id: string): Promise<CampaignDetail> {
  const view = await firmware.campaigns.view(id);
  const failures = await firmware.campaigns.devices(id, { states: ['failed', 'rolled-back'], limit: 200 });
  return { campaign: campaignDto(view), failures: failures.map(deviceDto) };
}

export function firmwareRoutes(app: ApiInstance, ctx: ApiContext): void {
  app.get('/api/v1/firmware/images', { schema: {
    tags: ['firmware'], summary: 'The firmware images the TUF repository publishes', response: { 200: FirmwareImageList, ...errors },
  } }, async () => ({ images: (await firmwareOf(ctx).images()).map((image) => ({ ...image })) }));

  app.get('/api/v1/firmware/campaigns', { schema: {
    tags: ['firmware'], summary: 'Every campaign with its devices by state per wave, newest first',
    response: { 200: CampaignList, ...errors },
  } }, async () => ({ campaigns: (await firmwareOf(ctx).campaigns.list()).map(campaignDto) }));

  app.post('/api/v1/firmware/campaigns', { schema: {
    tags: ['firmware'], summary: 'Start a campaign: offer a published image to the meters the selector picks, wave by wave',
    body: CampaignBody, response: { 201: CampaignDetail, ...errors },
  } }, async (request, reply) => {
    const firmware = firmwareOf(ctx);
    const body = request.body;
    const image = (await firmware.images()).find((i) => i.target === body.target);
    if (image === undefined) throw notFound(`firmware image ${JSON.stringify(body.target)} in the repository`);
    const view = await firmware.campaigns.create({
      id: body.id, name: body.name, target: image.target, version: image.version, selector: body.selector ?? {},
      waves: body.waves ?? [0.05, 0.25, 1], failureThreshold: body.failureThreshold ?? 0.1, window: body.window ?? null,
    }, actorOf(ctx.principalOf(request)));
    return reply.code(201).send(await detail(firmware, view.campaign.id));
  });

  app.get('/api/v1/firmware/campaigns/:id', { schema: {
    tags: ['firmware'], summary: 'A campaign with its devices by state per wave and its failures with their reasons',
    params: IdParams, response: { 200: CampaignDetail, ...errors },
  } }, (request) => detail(firmwareOf(ctx), request.params.id));

  for (const action of ['pause', 'resume', 'abort'] as const) {
    app.post(`/api/v1/firmware/campaigns/:id/${action}`, { schema: {
      tags: ['firmware'], summary: `${action[0]?.toUpperCase() ?? ''}${action.slice(1)} a campaign`, params: IdParams,
      response: { 200: CampaignDetail, ...errors },
    } }, async (request) => {
      const firmware = firmwareOf(ctx);
      await firmware.campaigns[action](request.params.id, actorOf(ctx.principalOf(request)));
      return detail(firmware, request.params.id);
    });
  }

  app.put('/api/v1/firmware/devices/:id/labels', { schema: {
    tags: ['firmware'], summary: 'Set the group and tags campaigns select a meter by', params: IdParams, body: DeviceLabelsBody,
    response: { 204: Type.Null(), ...errors },
  } }, async (request, reply) => {
    const principal = ctx.principalOf(request);
    const meter = ctx.meterOf(principal, request.params.id);
    await firmwareOf(ctx).campaigns.label({ device: meter.id, group: request.body.group, tags: request.body.tags });
    ctx.audit(principal, 'firmware.device.labels', `meter:${meter.id}`, { group: request.body.group, tags: request.body.tags });
    return reply.code(204).send(null);
  });
}
