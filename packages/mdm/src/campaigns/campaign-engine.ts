// The rules of a firmware campaign (docs/firmware.md, "Campaigns"), as pure functions over the
// records the campaign store keeps: which devices a campaign selects, which wave each is in, when a
// maintenance window is open, how a device's reported progress moves its state, and what a campaign
// does next (offer a wave, pause itself on failures, move to the next wave, finish). The service
// (campaign-service.ts) runs them against the store and the devices; nothing here does I/O.
import { ValidationError } from '@phasewire/core';
import {
  campaignIdPattern, finalFirmwareStates, firmwareTargetPattern, firmwareVersionPattern, type FirmwareProgress, type FirmwareState,
} from '@phasewire/core/protocol';
import type {
  CampaignDeviceRecord, CampaignRecord, CampaignSelector, CampaignStateCount, MaintenanceWindow,
} from '@phasewire/store';
import { isTimeZone, offsetAt } from '../billing/local-time.ts';

/** A device as a campaign sees it: what it is, what it runs, how an operator labelled it. */
export interface FleetDevice {
  readonly id: string;
  readonly model: string | null;
  /** The firmware version it last reported (status `firmware`), null when it never did. */
  readonly version: string | null;
  readonly group: string | null;
  readonly tags: readonly string[];
}

/** What an operator asks for; the rest of a CampaignRecord the engine fills in. */
export type CampaignSpec = Pick<CampaignRecord, 'id' | 'name' | 'target' | 'version' | 'selector' | 'waves' | 'failureThreshold'
  | 'window'>;

const invalid = (id: string, what: string): never => {
  throw new ValidationError('PW_ERR_CAMPAIGN_INVALID', `Cannot create campaign ${JSON.stringify(id)}: ${what}`);
};

const hhmm = /^([01]\d|2[0-3]):([0-5]\d)$/;
const minuteOf = (text: string): number => {
  const match = hhmm.exec(text);
  return match === null ? -1 : Number(match[1]) * 60 + Number(match[2]);
};

/** The model a target path is for: its first segment (`PW3/r2/PW3-r2-1.4.0.bin` is for PW3). */
export const modelOfTarget = (target: string): string => target.split('/')[0] ?? '';

/** Checks a spec and gives the selector its model: a campaign offers an image only to the model it was built for. */
export function checkCampaignSpec(spec: CampaignSpec): CampaignSpec {
  const { id } = spec;
  if (!new RegExp(campaignIdPattern).test(id)) invalid(id, 'expected an id of 1 to 64 of A-Z a-z 0-9 _ -, starting with a letter or digit');
  const show = JSON.stringify;
  if (spec.name.trim().length === 0 || spec.name.length > 200) invalid(id, `name ${show(spec.name)}: expected 1 to 200 characters`);
  if (!new RegExp(firmwareTargetPattern).test(spec.target)) invalid(id, `target ${show(spec.target)}: expected <model>/<hw>/<file>`);
  if (!new RegExp(firmwareVersionPattern).test(spec.version)) invalid(id, `version ${show(spec.version)}: expected such as 1.4.0`);
  const { waves } = spec;
  if (waves.length === 0 || waves.length > 20 || waves.at(-1) !== 1
    || waves.some((share, i) => !(share > 0 && share <= 1) || (i > 0 && share <= (waves[i - 1] ?? 0)))) {
    invalid(id, `waves ${JSON.stringify(waves)}: expected 1 to 20 growing shares above 0, the last 1 (all devices)`);
  }
  if (!(spec.failureThreshold >= 0 && spec.failureThreshold <= 1)) {
    invalid(id, `failure threshold ${spec.failureThreshold}: expected 0 to 1`);
  }
  const { window } = spec;
  if (window !== null) {
    if (minuteOf(window.start) < 0 || minuteOf(window.end) < 0 || window.start === window.end) {
      invalid(id, `maintenance window ${window.start}–${window.end}: expected two different times HH:MM`);
    }
    if (!isTimeZone(window.zone)) invalid(id, `maintenance window zone ${JSON.stringify(window.zone)}: expected an IANA time zone`);
  }
  const model = modelOfTarget(spec.target);
  const models = spec.selector.models ?? [];
  if (models.some((m) => m !== model)) {
    invalid(id, `it selects models ${models.join(', ')}, but image ${spec.target} is for model ${model} only`);
  }
  return { ...spec, selector: { ...spec.selector, models: [model] } };
}

const anyOf = (wanted: readonly string[] | undefined, value: string | null): boolean =>
  wanted === undefined || wanted.length === 0 || (value !== null && wanted.includes(value));

/** The devices a selector picks: every criterion holds; a device already running the campaign's version is left out. */
export function selectDevices(selector: CampaignSelector, version: string, fleet: readonly FleetDevice[]): FleetDevice[] {
  return fleet.filter((d) => anyOf(selector.models, d.model) && anyOf(selector.versions, d.version) && anyOf(selector.groups, d.group)
    && (selector.tags === undefined || selector.tags.length === 0 || d.tags.some((t) => selector.tags?.includes(t)))
    && d.version !== version);
}

/** FNV-1a, 32 bits: spreads devices over the waves the same way on every run, unrelated to their id order. */
function spread(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash;
}

/**
 * Each selected device's wave: the devices in a stable pseudo-random order, wave i taking them up to
 * its cumulative share (rounded up, so that a canary of 1 % of 50 devices is 1 device, never none).
 */
export function assignWaves(campaign: string, waves: readonly number[], devices: readonly string[]): Map<string, number> {
  const order = [...devices].map((d) => ({ d, h: spread(`${campaign}:${d}`) })).sort((a, b) => a.h - b.h || (a.d < b.d ? -1 : 1));
  const result = new Map<string, number>();
  let wave = 0;
  order.forEach(({ d }, i) => {
    while (wave < waves.length - 1 && i >= Math.ceil((waves[wave] ?? 1) * order.length)) wave++;
    result.set(d, wave);
  });
  return result;
}

const dayMs = 86_400_000;

/**
 * The maintenance window around `now`: open (with its end) when now is inside it, otherwise closed
 * with the start of the next one. Window times are wall clock in the zone; on a day the clocks change
 * a bound is taken with the offset in force an hour before it.
 */
export function windowAt(window: MaintenanceWindow | null, now: number): { open: boolean; from: number; until: number } {
  if (window === null) return { open: true, from: now, until: Number.MAX_SAFE_INTEGER };
  const start = minuteOf(window.start) * 60_000;
  const end = minuteOf(window.end) * 60_000;
  const length = (end - start + dayMs) % dayMs;
  const wall = now + offsetAt(now, window.zone);
  const midnight = Math.floor(wall / dayMs) * dayMs;
  // The window that started yesterday (it may span midnight), today's, then tomorrow's.
  for (const day of [midnight - dayMs, midnight, midnight + dayMs]) {
    const wallFrom = day + start;
    const from = wallFrom - offsetAt(wallFrom - 3_600_000, window.zone);
    const until = from + length;
    if (now < until) return { open: now >= from, from, until };
  }
  /* c8 ignore next */
  return { open: false, from: now + dayMs, until: now + dayMs + length };
}

const rank: Readonly<Record<FirmwareState, number>> = {
  pending: 0, offered: 1, downloading: 2, downloaded: 3, installing: 4, trial: 5, committed: 6, 'rolled-back': 6, failed: 6,
};
export const isFinal = (state: FirmwareState): boolean => finalFirmwareStates.includes(state);

/**
 * A device's record after it reported `progress`, or why the report changes nothing: another
 * campaign or image, a device already at a final state, or a step behind the one recorded (a copy
 * delivered late). A device may report failed from any step.
 */
export function applyProgress(
  record: CampaignDeviceRecord, campaign: CampaignRecord, progress: FirmwareProgress, now: number,
): CampaignDeviceRecord | string {
  if (progress.campaign !== campaign.id || progress.target !== campaign.target || progress.version !== campaign.version) {
    return `it names ${progress.campaign} ${progress.target} ${progress.version}, `
      + `the campaign offered ${campaign.target} ${campaign.version}`;
  }
  if (isFinal(record.state)) return `the device is already ${record.state}`;
  if (rank[progress.state] < rank[record.state]) return `the device is already ${record.state}, past ${progress.state}`;
  return { ...record, state: progress.state, reason: progress.reason ?? (isFinal(progress.state) ? record.reason : null), updatedAt: now };
}

/** Sums of a campaign's device counts: all of them, and up to and including wave `upTo`. */
export interface CampaignTally {
  readonly devices: number;
  readonly upToWave: number;
  readonly finalUpToWave: number;
  readonly failuresUpToWave: number;
  readonly byState: Readonly<Record<FirmwareState, number>>;
}

export function tally(counts: readonly CampaignStateCount[], upTo: number): CampaignTally {
  const byState = { pending: 0, offered: 0, downloading: 0, downloaded: 0, installing: 0, trial: 0, committed: 0, 'rolled-back': 0,
    failed: 0 };
  let devices = 0;
  let upToWave = 0;
  let finalUpToWave = 0;
  let failuresUpToWave = 0;
  for (const { wave, state, count } of counts) {
    devices += count;
    byState[state] += count;
    if (wave > upTo) continue;
    upToWave += count;
    if (isFinal(state)) finalUpToWave += count;
    if (state === 'failed' || state === 'rolled-back') failuresUpToWave += count;
  }
  return { devices, upToWave, finalUpToWave, failuresUpToWave, byState };
}

/** What a running campaign does next. */
export type CampaignStep =
  | { readonly kind: 'pause'; readonly reason: string }
  | { readonly kind: 'next-wave'; readonly wave: number }
  | { readonly kind: 'done' }
  | { readonly kind: 'offer' };

/**
 * The next step of a running campaign from its counts: pause when the failures since the last resume
 * pass the threshold (of the devices in the waves so far); the next wave, or done, when every device
 * of the waves so far is final; offer the pending devices of the current wave otherwise.
 */
export function nextStep(campaign: CampaignRecord, counts: readonly CampaignStateCount[]): CampaignStep {
  const t = tally(counts, campaign.wave);
  const failures = t.failuresUpToWave - campaign.acceptedFailures;
  if (t.upToWave > 0 && failures > 0 && failures / t.upToWave > campaign.failureThreshold) {
    return { kind: 'pause', reason: `${failures} of ${t.upToWave} devices in waves 1 to ${campaign.wave + 1} failed or rolled back, `
      + `more than the threshold of ${Math.round(campaign.failureThreshold * 1000) / 10} %` };
  }
  if (t.finalUpToWave === t.upToWave) {
    return campaign.wave + 1 < campaign.waves.length ? { kind: 'next-wave', wave: campaign.wave + 1 } : { kind: 'done' };
  }
  return { kind: 'offer' };
}
