// What a firmware campaign keeps (docs/firmware.md, "Campaigns"): the campaign itself, one row per
// device it selected (its wave and how far its update got) and the group and tags an operator gave
// each device, which campaigns select by. The engine (@phasewire/mdm/campaigns) decides; the store
// only keeps, so that a head-end restart resumes every campaign where it was. A change of a
// campaign and of its devices is written in one transaction (`commitCampaign`).
import type { FirmwareState } from '@phasewire/core/protocol';

export type CampaignStatus = 'running' | 'paused' | 'aborted' | 'done';

/** Which devices a campaign selects: every listed criterion must hold (an empty or absent list selects all). */
export interface CampaignSelector {
  readonly models?: readonly string[];
  /** Current firmware versions (as the devices last reported them). */
  readonly versions?: readonly string[];
  readonly groups?: readonly string[];
  /** A device carrying any of these tags. */
  readonly tags?: readonly string[];
}

/** A daily maintenance window in a time zone; `end` before `start` spans midnight. */
export interface MaintenanceWindow {
  /** HH:MM, wall clock in `zone`. */
  readonly start: string;
  readonly end: string;
  /** IANA time zone (Europe/Berlin). */
  readonly zone: string;
}

export interface CampaignRecord {
  readonly id: string;
  readonly name: string;
  /** The TUF target path of the image and its version. */
  readonly target: string;
  readonly version: string;
  readonly selector: CampaignSelector;
  /** Cumulative shares of the selected devices, growing to 1: [0.05, 0.3, 1] is a 5 % canary, then 30 %, then all. */
  readonly waves: readonly number[];
  /** Failed and rolled-back devices over the devices of the waves so far above which the campaign pauses itself. */
  readonly failureThreshold: number;
  readonly window: MaintenanceWindow | null;
  readonly status: CampaignStatus;
  /** Index of the wave being offered. */
  readonly wave: number;
  /** Why it paused (an operator, or the failure threshold), or why it ended. */
  readonly statusReason: string | null;
  /** Failures already seen when an operator last resumed: the threshold counts only the ones after. */
  readonly acceptedFailures: number;
  readonly createdBy: string;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface CampaignDeviceRecord {
  readonly campaign: string;
  readonly device: string;
  readonly wave: number;
  readonly state: FirmwareState;
  /** Why it failed or rolled back, as the device or the head-end said. */
  readonly reason: string | null;
  /** The firmware-update command that offered it, once sent. */
  readonly command: string | null;
  readonly updatedAt: number;
}

export interface DeviceLabels {
  readonly device: string;
  readonly group: string | null;
  readonly tags: readonly string[];
}

export interface CampaignStateCount {
  readonly wave: number;
  readonly state: FirmwareState;
  readonly count: number;
}

export interface CampaignDeviceQuery {
  readonly wave?: number;
  readonly states?: readonly FirmwareState[];
  /** At most this many, in device order (default all). */
  readonly limit?: number;
}

export interface CampaignStore {
  /** Stores a new campaign with its devices; refused (PW_ERR_CAMPAIGN_INVALID) when the id is taken. */
  createCampaign(campaign: CampaignRecord, devices: readonly CampaignDeviceRecord[]): Promise<void>;
  campaign(id: string): Promise<CampaignRecord | undefined>;
  /** Every campaign, newest first. */
  campaigns(): Promise<readonly CampaignRecord[]>;
  /** Writes the campaign (when given) and replaces the given device rows, in one transaction. */
  commitCampaign(change: { readonly campaign?: CampaignRecord; readonly devices: readonly CampaignDeviceRecord[] }): Promise<void>;
  device(campaign: string, device: string): Promise<CampaignDeviceRecord | undefined>;
  devices(campaign: string, query?: CampaignDeviceQuery): Promise<readonly CampaignDeviceRecord[]>;
  /** How many devices are in each state, per wave. */
  counts(campaign: string): Promise<readonly CampaignStateCount[]>;
  /** Sets (replaces) a device's group and tags; a device with neither is removed. */
  putLabels(labels: DeviceLabels): Promise<void>;
  labels(): Promise<readonly DeviceLabels[]>;
  close(): Promise<void>;
}
