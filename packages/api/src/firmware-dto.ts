// The firmware routes' bodies (routes-firmware.ts, docs/api.md): the repository's images and the
// campaigns with their progress by state per wave and their failures.
import { Type, type Static } from 'typebox';
import { campaignIdPattern, firmwareStates, firmwareTargetPattern } from '@phasewire/core/protocol';

const label = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' });
const labels = Type.Array(label, { maxItems: 100 });

export const FirmwareImageDto = Type.Object({
  target: Type.String(), model: Type.String(), hardwareRevision: Type.String(), version: Type.String(),
  securityVersion: Type.Integer(), length: Type.Integer(), sha256: Type.String(),
});
export type FirmwareImageDto = Static<typeof FirmwareImageDto>;
export const FirmwareImageList = Type.Object({ images: Type.Array(FirmwareImageDto) });

export const CampaignSelectorDto = Type.Object({
  models: Type.Optional(labels), versions: Type.Optional(labels), groups: Type.Optional(labels), tags: Type.Optional(labels),
}, { additionalProperties: false, description: 'every criterion given must hold; tags: any of them' });

export const MaintenanceWindowDto = Type.Object({
  start: Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', description: 'HH:MM, wall clock in zone' }),
  end: Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', description: 'HH:MM; before start: the window spans midnight' }),
  zone: Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone' }),
}, { additionalProperties: false });

export const CampaignBody = Type.Object({
  id: Type.String({ pattern: campaignIdPattern }),
  name: Type.String({ minLength: 1, maxLength: 200 }),
  target: Type.String({ pattern: firmwareTargetPattern, description: 'the TUF target path of a published image' }),
  selector: Type.Optional(CampaignSelectorDto),
  waves: Type.Optional(Type.Array(Type.Number({ exclusiveMinimum: 0, maximum: 1 }), {
    minItems: 1, maxItems: 20, description: 'cumulative shares, growing to 1 (default [0.05, 0.25, 1])',
  })),
  failureThreshold: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'default 0.1' })),
  window: Type.Optional(Type.Union([MaintenanceWindowDto, Type.Null()])),
}, { additionalProperties: false });
export type CampaignBody = Static<typeof CampaignBody>;

const stateCounts = Type.Record(Type.String(), Type.Integer(), { description: `devices per state (${firmwareStates.join(', ')})` });

export const CampaignDto = Type.Object({
  id: Type.String(), name: Type.String(), target: Type.String(), version: Type.String(), selector: CampaignSelectorDto,
  waves: Type.Array(Type.Object({ wave: Type.Integer({ description: '1 for the canary' }), share: Type.Number(), states: stateCounts })),
  failureThreshold: Type.Number(), window: Type.Union([MaintenanceWindowDto, Type.Null()]),
  status: Type.Union([Type.Literal('running'), Type.Literal('paused'), Type.Literal('aborted'), Type.Literal('done')]),
  wave: Type.Integer({ description: 'the wave being offered, 1 for the canary' }),
  statusReason: Type.Union([Type.String(), Type.Null()]), devices: Type.Integer(), states: stateCounts,
  createdBy: Type.String(), createdAt: Type.String(), updatedAt: Type.String(),
});
export type CampaignDto = Static<typeof CampaignDto>;
export const CampaignList = Type.Object({ campaigns: Type.Array(CampaignDto) });

export const CampaignDeviceDto = Type.Object({
  device: Type.String(), wave: Type.Integer(), state: Type.String(), reason: Type.Union([Type.String(), Type.Null()]),
  command: Type.Union([Type.String(), Type.Null()]), updatedAt: Type.String(),
});
export type CampaignDeviceDto = Static<typeof CampaignDeviceDto>;
export const CampaignDetail = Type.Object({
  campaign: CampaignDto,
  failures: Type.Array(CampaignDeviceDto, { description: 'failed and rolled-back devices with the reason, at most 200' }),
});
export type CampaignDetail = Static<typeof CampaignDetail>;

export const DeviceLabelsBody = Type.Object({ group: Type.Union([label, Type.Null()]), tags: labels }, { additionalProperties: false });
export type DeviceLabelsBody = Static<typeof DeviceLabelsBody>;
