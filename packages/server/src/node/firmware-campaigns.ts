// Firmware campaigns in `phasewire server` (docs/firmware.md, "Campaigns"): the campaign service over
// the campaign store, fitted to the head-end. Offers go out as sealed firmware-update commands; each
// firmware-progress event a device sends (up/events) goes into the service, which then moves its
// campaign on; a timer moves every running campaign on as well (waves, windows, silent devices). The
// fleet is the registry's meters with the firmware each last reported in its status.
import type { Clock } from '@phasewire/core';
import { PhasewireError } from '@phasewire/core';
import { firmwareProgressKind, parseFirmwareProgress, type FirmwareRunning } from '@phasewire/core/protocol';
import type { CommandKind, CommandParams, CommandRecord, DeviceRegistry } from '@phasewire/headend';
import { CampaignService, type CampaignAudit } from '@phasewire/mdm/campaigns';
import type { CampaignStore, StoreConfig } from '@phasewire/store';
import { openCampaignStore } from '@phasewire/store/node';
import type { FirmwarePort } from '@phasewire/api';
import type { ServerContext } from './phasewire-server.ts';
import { inData } from './data-directory.ts';
import type { FirmwareImageInfo } from '@phasewire/api';
import { loadRepositoryState } from '@phasewire/mdm/firmware';
import { directoryStorage } from '@phasewire/mdm/node';

/** The head-end as campaigns use it (`HeadEnd` fits). */
export interface CampaignHeadEnd {
  readonly registry: Pick<DeviceRegistry, 'list'>;
  reportedFirmware(): ReadonlyMap<string, FirmwareRunning>;
  onDeviceEvent(listener: (device: string, kind: string, body: unknown) => void): () => void;
  sendCommand(device: string, kind: CommandKind, waitMs?: number, params?: CommandParams): Promise<CommandRecord>;
}

export interface FirmwareCampaignsOptions {
  readonly headEnd: CampaignHeadEnd;
  readonly store: CampaignStore;
  readonly clock: Clock;
  /** Where actions are audited; until given (here or by `auditTo`), they are kept and handed over then. */
  readonly audit?: (entry: CampaignAudit) => void;
  /** How often every running campaign moves on (default 10 s; 0: only after progress and on `tick`). */
  readonly tickMs?: number;
  /** How long an offer waits for the device's answer before it counts as sent (default 10 s). */
  readonly offerWaitMs?: number;
  readonly onError?: (error: unknown, what: string) => void;
}

export interface FirmwareCampaigns {
  readonly service: CampaignService;
  /** Sends the audit entries (the ones kept so far first) to `audit`: the API's audit log, once the API is up. */
  auditTo(audit: (entry: CampaignAudit) => void): void;
  close(): Promise<void>;
}

/** The images a firmware repository publishes; none when the directory holds no repository. */
export async function publishedImages(dir: string): Promise<FirmwareImageInfo[]> {
  let state;
  try {
    state = await loadRepositoryState(directoryStorage(dir));
  } catch (error) {
    if (error instanceof PhasewireError && error.code === 'PW_ERR_FIRMWARE_REPOSITORY') return [];
    throw error;
  }
  const images: FirmwareImageInfo[] = [];
  for (const role of state.delegated.values()) {
    for (const [target, file] of Object.entries(role.signed.targets)) {
      if (file.custom === undefined) continue;
      const { model, hardwareRevision, version, securityVersion } = file.custom;
      images.push({ target, model, hardwareRevision, version, securityVersion, length: file.length, sha256: file.hashes.sha256 });
    }
  }
  return images.sort((a, b) => a.target.localeCompare(b.target, 'en'));
}

export function startFirmwareCampaigns(options: FirmwareCampaignsOptions): FirmwareCampaigns {
  const { headEnd, store, clock } = options;
  const failed = (what: string) => (error: unknown): void => { options.onError?.(error, what); };
  const early: CampaignAudit[] = [];
  let audit = options.audit ?? ((entry: CampaignAudit): void => { early.push(entry); });
  const service = new CampaignService({
    store, clock, audit: (entry) => { audit(entry); },
    fleet: () => headEnd.registry.list().filter((r) => r.kind === 'meter' && r.state !== 'revoked')
      .map((r) => ({ id: r.id, model: r.model, version: headEnd.reportedFirmware().get(r.id)?.version ?? null })),
    offer: async (device, firmware) => {
      const record = await headEnd.sendCommand(device, 'firmware-update', options.offerWaitMs ?? 10_000, { firmware });
      if (record.status === 'failed' || record.status === 'timeout') {
        return { command: record.id, status: 'refused', reason: [record.code, record.reason].filter((x) => x !== undefined).join(': ') };
      }
      return { command: record.id, status: 'sent' };
    },
  });
  // A burst of progress events asks for one tick, not one each; the timer catches up with the rest.
  let queued: Promise<void> | undefined;
  const soon = (): void => {
    queued ??= service.tick().catch(failed('moving the firmware campaigns on')).finally(() => { queued = undefined; });
  };
  const unsubscribe = headEnd.onDeviceEvent((device, kind, body) => {
    if (kind !== firmwareProgressKind) return;
    let progress;
    try {
      progress = parseFirmwareProgress(body);
    } catch (error) {
      failed(`reading a firmware-progress event of ${device}`)(error instanceof PhasewireError ? error : new Error(String(error)));
      return;
    }
    void service.progress(device, progress).then(soon, failed(`recording the firmware progress of ${device}`));
  });
  const every = options.tickMs ?? 10_000;
  const timer = every > 0 ? setInterval(soon, every) : undefined;
  timer?.unref();
  return {
    service,
    auditTo(sink) {
      audit = sink;
      for (const entry of early.splice(0)) sink(entry);
    },
    async close() {
      if (timer !== undefined) clearInterval(timer);
      unsubscribe();
      await service.idle();
      await store.close();
    },
  };
}

/** The campaigns of `phasewire server` over its head-end and the campaign store beside its meter store, and the API's port to them. */
export async function serverCampaigns(context: ServerContext, store: StoreConfig, clock: Clock, options: {
  readonly firmwareDir?: string; readonly campaignTickMs?: number; readonly onError?: (error: unknown, what: string) => void;
}): Promise<{ campaigns: FirmwareCampaigns; firmware: FirmwarePort }> {
  const campaigns = startFirmwareCampaigns({
    headEnd: context.headEnd, store: await openCampaignStore(store, clock), clock,
    ...(options.campaignTickMs === undefined ? {} : { tickMs: options.campaignTickMs }),
    onError: (error, what) => {
      if (options.onError !== undefined) options.onError(error, what);
      else context.log({ level: 'warn', msg: `Firmware campaigns: ${what} failed: ${(error as Error).message}` });
    },
  });
  const dir = options.firmwareDir ?? inData(context.dataDir, 'firmware');
  return { campaigns, firmware: { campaigns: campaigns.service, images: () => publishedImages(dir) } };
}
