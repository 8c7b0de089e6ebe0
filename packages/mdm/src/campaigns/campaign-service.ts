// Runs firmware campaigns (docs/firmware.md, "Campaigns") against the campaign store and the
// devices: creates a campaign over the fleet, offers each wave by a sealed firmware-update command
// (through the `offer` port the composition wires to the head-end), takes the devices'
// firmware-progress events, and on every `tick` moves each running campaign on (campaign-engine.ts).
// Everything it knows is in the store, so a new service over the same store after a restart carries
// on where the last one stopped. Every action, an operator's or its own, goes to the audit port.
import { PhasewireError, ValidationError, type Clock } from '@phasewire/core';
import type { FirmwareProgress, FirmwareUpdateArgs } from '@phasewire/core/protocol';
import type { CampaignDeviceRecord, CampaignRecord, CampaignStore, DeviceLabels } from '@phasewire/store';
import {
  applyProgress, assignWaves, checkCampaignSpec, isFinal, nextStep, selectDevices, tally, windowAt, type CampaignSpec, type CampaignTally,
  type FleetDevice,
} from './campaign-engine.ts';

/** The answer to an offer: the command's id, and whether the device refused it at once. */
export interface OfferOutcome {
  readonly command: string;
  /** `refused`: the device answered no (unsupported, busy); `sent`: answered yes or not yet (a sleeping device). */
  readonly status: 'sent' | 'refused' | 'failed';
  readonly reason?: string;
}

export interface CampaignAudit {
  readonly actor: string;
  readonly action: string;
  readonly subject: string;
  readonly detail: Record<string, unknown>;
}

export interface CampaignServiceOptions {
  readonly store: CampaignStore;
  readonly clock: Clock;
  /** The devices as they are now: id, model, the firmware version they last reported (labels come from the store). */
  readonly fleet: () => readonly Omit<FleetDevice, 'group' | 'tags'>[];
  /** Sends the sealed firmware-update command. */
  readonly offer: (device: string, args: FirmwareUpdateArgs) => Promise<OfferOutcome>;
  readonly audit: (entry: CampaignAudit) => void;
  /** Devices offered per campaign and tick (default 200): a wave of 10 000 goes out over several ticks. */
  readonly offersPerTick?: number;
  /** An offered device that reports nothing for this long (and, with a window, past its window) fails (default 24 h). */
  readonly offerTimeoutMs?: number;
}

/** A campaign with its counts, as the API shows it. */
export interface CampaignView {
  readonly campaign: CampaignRecord;
  readonly tally: CampaignTally;
  /** Devices per state, per wave. */
  readonly waves: readonly { readonly wave: number; readonly share: number; readonly states: Readonly<Record<string, number>> }[];
}

const system = 'system:campaigns';

export class CampaignService {
  readonly #o: CampaignServiceOptions;
  /**
   * One tick at a time (an offer in flight is not offered again by an overlapping tick), and an
   * operator's pause, resume or abort between ticks, never inside one (a tick writes the campaign it read).
   */
  #ticking: Promise<void> = Promise.resolve();
  /** Device records are read, changed and written one change at a time (progress, offers, expiry, abort). */
  #records: Promise<void> = Promise.resolve();

  constructor(options: CampaignServiceOptions) {
    this.#o = options;
  }

  #inTurn<T>(run: () => Promise<T>): Promise<T> {
    const result = this.#ticking.then(run);
    this.#ticking = result.then(() => undefined, () => undefined);
    return result;
  }

  #recordsInTurn<T>(run: () => Promise<T>): Promise<T> {
    const result = this.#records.then(run);
    this.#records = result.then(() => undefined, () => undefined);
    return result;
  }

  async #fleet(): Promise<FleetDevice[]> {
    const labels = new Map((await this.#o.store.labels()).map((l) => [l.device, l]));
    return this.#o.fleet().map((d) => ({ ...d, group: labels.get(d.id)?.group ?? null, tags: labels.get(d.id)?.tags ?? [] }));
  }

  async #get(id: string): Promise<CampaignRecord> {
    const campaign = await this.#o.store.campaign(id);
    if (campaign === undefined) throw new ValidationError('PW_ERR_CAMPAIGN_NOT_FOUND', `No firmware campaign ${JSON.stringify(id)}`);
    return campaign;
  }

  #audit(actor: string, action: string, campaign: string, detail: Record<string, unknown> = {}): void {
    this.#o.audit({ actor, action: `firmware.campaign.${action}`, subject: `campaign:${campaign}`, detail });
  }

  /** Creates a running campaign over the devices its selector picks now, each in its wave, pending. */
  async create(spec: CampaignSpec, actor: string): Promise<CampaignView> {
    const checked = checkCampaignSpec(spec);
    const selected = selectDevices(checked.selector, checked.version, await this.#fleet());
    if (selected.length === 0) {
      throw new ValidationError('PW_ERR_CAMPAIGN_INVALID', `Cannot create campaign ${spec.id}: its selector picks no device that does `
        + `not already run ${spec.version}`);
    }
    const now = this.#o.clock.now();
    const campaign: CampaignRecord = { ...checked, status: 'running', wave: 0, statusReason: null, acceptedFailures: 0, createdBy: actor,
      createdAt: now, updatedAt: now };
    const waves = assignWaves(campaign.id, campaign.waves, selected.map((d) => d.id));
    const devices: CampaignDeviceRecord[] = [...waves].map(([device, wave]) => ({
      campaign: campaign.id, device, wave, state: 'pending', reason: null, command: null, updatedAt: now,
    }));
    await this.#o.store.createCampaign(campaign, devices);
    this.#audit(actor, 'create', campaign.id, { target: campaign.target, version: campaign.version, devices: devices.length,
      waves: campaign.waves, failureThreshold: campaign.failureThreshold, window: campaign.window });
    return this.view(campaign.id);
  }

  async view(id: string): Promise<CampaignView> {
    const campaign = await this.#get(id);
    const counts = await this.#o.store.counts(id);
    return {
      campaign, tally: tally(counts, campaign.wave),
      waves: campaign.waves.map((share, wave) => ({
        wave, share, states: Object.fromEntries(counts.filter((c) => c.wave === wave).map((c) => [c.state, c.count])),
      })),
    };
  }

  async list(): Promise<readonly CampaignView[]> {
    return Promise.all((await this.#o.store.campaigns()).map((c) => this.view(c.id)));
  }

  /** Sets a device's group and tags (the API audits it with the caller). */
  label(labels: DeviceLabels): Promise<void> {
    return this.#o.store.putLabels(labels);
  }

  devices(id: string, query?: Parameters<CampaignStore['devices']>[1]): Promise<readonly CampaignDeviceRecord[]> {
    return this.#get(id).then(() => this.#o.store.devices(id, query));
  }

  #setStatus(id: string, actor: string, action: 'pause' | 'resume' | 'abort', allowed: readonly CampaignRecord['status'][],
    change: (c: CampaignRecord, now: number) => Promise<CampaignRecord>): Promise<CampaignView> {
    return this.#inTurn(() => this.#changeStatus(id, actor, action, allowed, change));
  }

  async #changeStatus(id: string, actor: string, action: 'pause' | 'resume' | 'abort', allowed: readonly CampaignRecord['status'][],
    change: (c: CampaignRecord, now: number) => Promise<CampaignRecord>): Promise<CampaignView> {
    const campaign = await this.#get(id);
    if (!allowed.includes(campaign.status)) {
      throw new ValidationError('PW_ERR_CAMPAIGN_STATE', `Cannot ${action} campaign ${id}: it is ${campaign.status}; expected ${
        allowed.join(' or ')}`);
    }
    const next = await change(campaign, this.#o.clock.now());
    this.#audit(actor, action, id, { from: campaign.status, to: next.status, wave: next.wave + 1 });
    return this.view(id);
  }

  pause(id: string, actor: string): Promise<CampaignView> {
    return this.#setStatus(id, actor, 'pause', ['running'], async (c, now) => {
      const next: CampaignRecord = { ...c, status: 'paused', statusReason: `paused by ${actor}`, updatedAt: now };
      await this.#o.store.commitCampaign({ campaign: next, devices: [] });
      return next;
    });
  }

  /** Resumes a paused campaign; the failures so far are accepted, and the threshold counts only new ones. */
  resume(id: string, actor: string): Promise<CampaignView> {
    return this.#setStatus(id, actor, 'resume', ['paused'], async (c, now) => {
      const failures = tally(await this.#o.store.counts(id), c.wave).failuresUpToWave;
      const next: CampaignRecord = { ...c, status: 'running', statusReason: null, acceptedFailures: failures, updatedAt: now };
      await this.#o.store.commitCampaign({ campaign: next, devices: [] });
      return next;
    });
  }

  /** Aborts: nothing more is offered and the pending devices fail; a device already offered finishes what it started. */
  abort(id: string, actor: string): Promise<CampaignView> {
    return this.#setStatus(id, actor, 'abort', ['running', 'paused'], (c, now) => this.#recordsInTurn(async () => {
      const pending = await this.#o.store.devices(id, { states: ['pending'] });
      const next: CampaignRecord = { ...c, status: 'aborted', statusReason: `aborted by ${actor}`, updatedAt: now };
      await this.#o.store.commitCampaign({ campaign: next, devices: pending.map((d) => ({
        ...d, state: 'failed' as const, reason: `not offered: campaign aborted by ${actor}`, updatedAt: now })) });
      return next;
    }));
  }

  /**
   * A device's firmware-progress event. Returns the device's record after it, or why it was ignored
   * (another campaign, a late copy); an unknown campaign or device is ignored too.
   */
  progress(device: string, progress: FirmwareProgress): Promise<CampaignDeviceRecord | string> {
    return this.#recordsInTurn(() => this.#progress(device, progress));
  }

  async #progress(device: string, progress: FirmwareProgress): Promise<CampaignDeviceRecord | string> {
    const campaign = await this.#o.store.campaign(progress.campaign);
    if (campaign === undefined) return `no campaign ${progress.campaign}`;
    const record = await this.#o.store.device(campaign.id, device);
    if (record === undefined) return `device ${device} is not in campaign ${campaign.id}`;
    const next = applyProgress(record, campaign, progress, this.#o.clock.now());
    if (typeof next === 'string') return next;
    await this.#o.store.commitCampaign({ devices: [next] });
    if (isFinal(next.state)) {
      this.#audit(`device:${device}`, next.state, campaign.id, { device, version: campaign.version,
        ...(next.reason === null ? {} : { reason: next.reason }) });
    }
    return next;
  }

  /** Moves every running campaign on by one step (the composition calls it on a timer and after progress). */
  tick(): Promise<void> {
    return this.#inTurn(() => this.#tickAll());
  }

  /** Resolves once the tick running now (if any) has finished. */
  idle(): Promise<void> {
    return this.#ticking;
  }

  async #tickAll(): Promise<void> {
    for (const campaign of await this.#o.store.campaigns()) {
      if (campaign.status === 'running') await this.#step(campaign);
    }
  }

  async #step(campaign: CampaignRecord): Promise<void> {
    const { store, clock } = this.#o;
    const now = clock.now();
    await this.#expireOffers(campaign, now);
    const step = nextStep(campaign, await store.counts(campaign.id));
    if (step.kind === 'pause') {
      await store.commitCampaign({ campaign: { ...campaign, status: 'paused', statusReason: step.reason, updatedAt: now }, devices: [] });
      this.#audit(system, 'auto-pause', campaign.id, { reason: step.reason, wave: campaign.wave + 1 });
      return;
    }
    if (step.kind === 'done') {
      await store.commitCampaign({ campaign: { ...campaign, status: 'done', statusReason: 'every wave finished', updatedAt: now },
        devices: [] });
      this.#audit(system, 'done', campaign.id);
      return;
    }
    if (step.kind === 'next-wave') {
      const next = { ...campaign, wave: step.wave, updatedAt: now };
      await store.commitCampaign({ campaign: next, devices: [] });
      this.#audit(system, 'wave', campaign.id, { wave: step.wave + 1, share: campaign.waves[step.wave] });
      return this.#step(next);
    }
    const window = windowAt(campaign.window, now);
    if (!window.open) return;
    const pending = await store.devices(campaign.id, { wave: campaign.wave, states: ['pending'], limit: this.#o.offersPerTick ?? 200 });
    const args: FirmwareUpdateArgs = {
      campaign: campaign.id, target: campaign.target, version: campaign.version,
      ...(campaign.window === null ? {} : { notBefore: now, notAfter: window.until }),
    };
    const offered = await Promise.all(pending.map(async (d): Promise<CampaignDeviceRecord> => {
      let outcome: OfferOutcome;
      try {
        outcome = await this.#o.offer(d.device, args);
      } catch (error) {
        const reason = error instanceof PhasewireError ? `${error.code}: ${error.message}` : String(error);
        outcome = { command: '', status: 'failed', reason };
      }
      const at = clock.now();
      return outcome.status === 'sent'
        ? { ...d, state: 'offered', command: outcome.command, reason: null, updatedAt: at }
        : { ...d, state: 'failed', command: outcome.command || null, reason: outcome.reason ?? `offer ${outcome.status}`, updatedAt: at };
    }));
    if (offered.length > 0) await this.#recordsInTurn(() => this.#commitOffers(offered));
  }

  /**
   * Writes the offers' outcomes; a device that reported progress while its offer waited for the
   * command's answer keeps that progress (it only gains the command id), never goes back to offered.
   */
  async #commitOffers(offered: readonly CampaignDeviceRecord[]): Promise<void> {
    const records: CampaignDeviceRecord[] = [];
    for (const record of offered) {
      const now = await this.#o.store.device(record.campaign, record.device);
      if (now === undefined || now.state === 'pending') records.push(record);
      else if (now.command === null) records.push({ ...now, command: record.command });
    }
    if (records.length > 0) await this.#o.store.commitCampaign({ devices: records });
  }

  /**
   * Devices silent for longer than the offer timeout fail, so that a wave can finish: an offered one,
   * and one that went quiet half-way (a meter that died downloading or on trial would hold its wave forever).
   */
  #expireOffers(campaign: CampaignRecord, now: number): Promise<void> {
    return this.#recordsInTurn(() => this.#expire(campaign, now));
  }

  async #expire(campaign: CampaignRecord, now: number): Promise<void> {
    const timeout = this.#o.offerTimeoutMs ?? 86_400_000;
    const states = ['offered', 'downloading', 'downloaded', 'installing', 'trial'] as const;
    const silent = (await this.#o.store.devices(campaign.id, { states: [...states] })).filter((d) => now - d.updatedAt > timeout);
    if (silent.length === 0) return;
    const minutes = Math.round(timeout / 60_000);
    await this.#o.store.commitCampaign({ devices: silent.map((d) => ({
      ...d, state: 'failed' as const, updatedAt: now,
      reason: d.state === 'offered' ? `no progress reported within ${minutes} min of the offer`
        : `no progress reported within ${minutes} min of ${d.state}`,
    })) });
  }
}
