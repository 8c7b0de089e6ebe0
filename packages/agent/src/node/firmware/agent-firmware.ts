// The running agent's firmware: the bundle it runs (its metrology and its version in the status
// message), and the `firmware-update` command carried through to the end. An update waits for its
// maintenance window and for the link to be awake (a sleeping cellular meter downloads in a window
// it opened, and keeps it open while it downloads), downloads through the updater (TUF-verified,
// resumable chunks), restarts into the new slot (the link goes down and up, the bundle is loaded),
// and runs the health check: reconnected, published, acknowledged within `healthCheckMs`. A failed
// check, or a bundle that cannot load, rolls back to the old slot and restarts into it. Every step
// is a sealed `firmware-progress` event (docs/firmware.md, "The device").
//
// The update in hand is kept in `firmware-job.json`, so a restart of the process resumes it: a
// download goes on, a restart that booted the trial runs the health check, and a start while on
// trial (the trial crashed) reports the rollback that boot() made.
import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { createHash } from 'node:crypto';
import type { Snapshot } from '@phasewire/core';
import { finalFirmwareStates as finished } from '@phasewire/core/protocol';
import type { FirmwareProgress, FirmwareRunning, FirmwareState, FirmwareUpdateArgs } from '@phasewire/core/protocol';
import { applyFirmwareMetrology, parseFirmwareBundle } from '../../firmware/firmware-bundle.ts';
import type { FirmwareBundle } from '../../firmware/firmware-bundle.ts';
import { factorySlots, runningImage, runningSlot } from '../../firmware/firmware-slots.ts';
import type { ReadingSource } from '../../reading-source.ts';
import type { AgentLink } from '../agent-link.ts';
import { readJson, writeJson } from '../state-files.ts';
import { ChunkedFetcher } from './chunked-fetcher.ts';
import type { ChunkedFetcherOptions } from './chunked-fetcher.ts';
import { FirmwareUpdater } from './firmware-updater.ts';

export interface AgentFirmwareOptions {
  /** The repository's base URL (the head-end's firmware file server). */
  readonly baseUrl: string;
  /** How to reach it: host, port, server name, trust, chunk size (partial images go below the agent's data directory). */
  readonly fetcher: Omit<ChunkedFetcherOptions, 'partialDir'>;
  /** The root.json the device was built with (TUF §5.2). */
  readonly trustedRoot: string;
  readonly model: string;
  readonly hardwareRevision: string;
  /** The factory image: a firmware bundle (firmware-bundle.ts) and its security version. */
  readonly factory: { readonly bytes: Uint8Array; readonly securityVersion: number };
  /** Reconnected, published and acknowledged within this after a restart into a new image, or it rolls back (default 60 s). */
  readonly healthCheckMs?: number;
  /** How often a waiting update looks at its window and the link again, ms (default 1 s). */
  readonly pollMs?: number;
}

/** What the firmware needs of the running agent. */
export interface FirmwareHost {
  /** The device's clock (the maintenance window is on it). */
  now(): number;
  readonly stats: { readonly connections: number; readonly published: number; readonly acked: number };
  /** Its link: a restart into another image takes it down and up again (the head-end sees the device go and come back). */
  readonly link: Pick<AgentLink, 'connected' | 'start' | 'stop' | 'announce'>;
  /** Seals the event into the queue and sends it (a sleeping link opens a window for it). */
  report(progress: FirmwareProgress): Promise<void>;
}

interface Health {
  readonly connections: number;
  readonly published: number;
  readonly acked: number;
}

interface Job {
  readonly args: FirmwareUpdateArgs;
  readonly state: FirmwareState;
}

const jobFile = 'firmware-job.json';
/** A command's time as ISO 8601; one beyond what a Date can hold (the schema allows up to 2^53 ms) in ms rather than a RangeError. */
const iso = (time: number): string => (Math.abs(time) <= 8.64e15 ? new Date(time).toISOString() : `${time} ms since the epoch`);

export class AgentFirmware {
  readonly #o: AgentFirmwareOptions;
  readonly #dir: string;
  readonly #updater: FirmwareUpdater;
  readonly #fetcher: ChunkedFetcher;
  #bundle: FirmwareBundle;
  #job: Job | undefined;
  #host: FirmwareHost | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;
  /** Downloading: a per-window link stays awake for it. */
  #downloading = false;
  /** This start rolled back the image of the update in hand (a crashed trial, or an image that did not load or verify). */
  #rolledBackAtBoot: boolean;

  private constructor(options: AgentFirmwareOptions, dir: string, updater: FirmwareUpdater, fetcher: ChunkedFetcher,
    bundle: FirmwareBundle, job: Job | undefined, rolledBackAtBoot: boolean) {
    this.#o = options;
    this.#dir = dir;
    this.#updater = updater;
    this.#fetcher = fetcher;
    this.#bundle = bundle;
    this.#job = job;
    this.#rolledBackAtBoot = rolledBackAtBoot;
  }

  /** Opens the firmware state in `<dataDir>/firmware` and loads the bundle of the slot it boots. */
  static async open(options: AgentFirmwareOptions, dataDir: string): Promise<AgentFirmware> {
    const dir = join(dataDir, 'firmware');
    const fetcher = new ChunkedFetcher({ ...options.fetcher, partialDir: join(dir, 'partial') });
    const factory = parseFirmwareBundle(options.factory.bytes);
    const sha256 = createHash('sha256').update(options.factory.bytes).digest('hex');
    const updater = await FirmwareUpdater.open({
      dataDir: dir, baseUrl: options.baseUrl, fetcher, trustedRoot: options.trustedRoot,
      factory: factorySlots(options.model, options.hardwareRevision, {
        version: factory.version, securityVersion: options.factory.securityVersion, sha256,
      }),
    });
    await updater.installFactory(options.factory.bytes);
    const job = await readJson<Job | undefined>(join(dir, jobFile), undefined);
    let rolledBack = updater.rolledBackAtBoot;
    let bundle: FirmwareBundle;
    try {
      bundle = parseFirmwareBundle(await updater.runningImageBytes());
    } catch (error) {
      // Only a trial image can be bad here (a committed one loaded before): back to the old slot.
      if (updater.state.trial === undefined) throw error;
      await updater.finishTrial(`the image does not load: ${(error as Error).message}`);
      rolledBack = true;
      bundle = parseFirmwareBundle(await updater.runningImageBytes());
    }
    return new AgentFirmware(options, dir, updater, fetcher, bundle, job, rolledBack);
  }

  /** The firmware for the status message. */
  get status(): FirmwareRunning {
    const state = this.#updater.state;
    return { version: this.#bundle.version, slot: runningSlot(state), securityVersion: state.securityVersion };
  }

  get bundle(): FirmwareBundle {
    return this.#bundle;
  }

  /** False while a bad build runs whose defect is that it publishes nothing. */
  get publishing(): boolean {
    return this.#bundle.fault !== 'stop-publishing';
  }

  /** An update is downloading: a per-window link keeps its window open. */
  get busy(): boolean {
    return this.#downloading;
  }

  /** The source as this firmware's metrology reports it. */
  wrap(source: ReadingSource): ReadingSource {
    const correct = (snapshot: Snapshot | undefined): Snapshot | undefined =>
      (snapshot === undefined ? undefined : applyFirmwareMetrology(this.#bundle, snapshot));
    const latest = source.latest === undefined ? {} : { latest: (at: number) => correct(source.latest?.(at)) };
    return Object.assign(Object.create(source) as ReadingSource, { read: async (at: number) => correct(await source.read(at)), ...latest });
  }

  /** The command's part: takes the update in hand, or says why not (another update is under way). */
  take(args: FirmwareUpdateArgs): { readonly code: string; readonly reason: string } | undefined {
    const job = this.#job;
    if (job !== undefined && !finished.includes(job.state)) {
      if (job.args.campaign === args.campaign && job.args.version === args.version) return undefined;
      return { code: 'PW_ERR_FIRMWARE_BUSY', reason: `Cannot take firmware ${args.version} (campaign ${args.campaign}): this device is `
        + `${job.state} for ${job.args.version} (campaign ${job.args.campaign}); expected that update to end first` };
    }
    this.#job = { args, state: 'offered' };
    this.#start(async () => {
      const waiting = args.notBefore !== undefined && this.#host !== undefined && this.#host.now() < args.notBefore;
      await this.#progress('offered', waiting ? `waiting for the maintenance window from ${iso(args.notBefore ?? 0)}` : undefined);
      await this.#download();
    });
    return undefined;
  }

  /** The agent started: an update left half-way by a restart goes on. */
  start(host: FirmwareHost): void {
    this.#host = host;
    this.#stopped = false;
    const job = this.#job;
    if (job === undefined || finished.includes(job.state)) return;
    const state = this.#updater.state;
    if (state.trial !== undefined) {
      this.#start(() => this.#healthCheck());
    } else if (job.state === 'trial' && state.last?.outcome === 'committed' && state.last.version === job.args.version) {
      // The commit was written and the process stopped before it was reported: the device runs the new image.
      this.#start(() => this.#progress('committed', `running ${job.args.version} in slot ${runningSlot(state)}`));
    } else if (this.#rolledBackAtBoot || job.state === 'trial' || job.state === 'installing') {
      // Not downloaded again: the image it staged did not survive the boot.
      this.#rolledBackAtBoot = false;
      // boot() rolled back a trial the device restarted in.
      this.#start(() => this.#progress('rolled-back', state.last?.reason ?? 'the device restarted during the trial'));
    } else if (state.staged !== undefined) {
      this.#start(() => this.#install());
    } else {
      this.#start(() => this.#download());
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#fetcher.close();
    await this.#running;
  }

  #start(run: () => Promise<void>): void {
    const previous = this.#running ?? Promise.resolve();
    this.#running = previous.then(run).catch(async (error: unknown) => {
      if (this.#stopped) return;
      await this.#progress('failed', error instanceof Error ? error.message : String(error)).catch(() => undefined);
    });
  }

  async #progress(state: FirmwareState, reason?: string): Promise<void> {
    const job = this.#job;
    if (job === undefined) return;
    this.#job = { args: job.args, state };
    if (finished.includes(state)) await rm(join(this.#dir, jobFile), { force: true });
    else await writeJson(join(this.#dir, jobFile), this.#job);
    const { campaign, target, version } = job.args;
    // The schema bounds a reason (FirmwareProgressSchema); a long one from the TUF client is cut, not refused.
    const said = reason === undefined ? {} : { reason: reason.length > 500 ? `${reason.slice(0, 499)}…` : reason };
    await this.#host?.report({ kind: 'firmware-progress', campaign, target, version, state, ...said });
  }

  /** Waits for the window and an awake link, then downloads; a cut download resumes at the next chance. */
  async #download(): Promise<void> {
    const job = this.#job;
    if (job === undefined) return;
    const { notBefore, notAfter, version, target } = job.args;
    for (;;) {
      if (this.#stopped || this.#host === undefined) return;
      const now = this.#host.now();
      if (notAfter !== undefined && now >= notAfter) {
        await this.#progress('failed', `the maintenance window closed at ${iso(notAfter)} before the download ended`);
        return;
      }
      if ((notBefore === undefined || now >= notBefore) && this.#host.link.connected) {
        if (job.state !== 'downloading') await this.#progress('downloading');
        this.#downloading = true;
        const result = await this.#updater.update(version, target).finally(() => { this.#downloading = false; });
        if (result.outcome === 'refused') {
          await this.#progress('failed', result.reason);
          return;
        }
        if (result.outcome === 'staged') break;
      }
      await delay(this.#o.pollMs ?? 1000);
    }
    await this.#progress('downloaded');
    await this.#install();
  }

  /** Restarts into the staged slot, then checks its health. */
  async #install(): Promise<void> {
    await this.#progress('installing');
    const stats = this.#host?.stats;
    const since = { connections: stats?.connections ?? 0, published: stats?.published ?? 0, acked: stats?.acked ?? 0 };
    await this.#restart(async () => {
      await this.#updater.restart();
      await this.#load();
    });
    await this.#healthCheck(since);
  }

  /** The restart into another image: the link goes down, `boot` runs, the link comes up. */
  async #restart(boot: () => Promise<void>): Promise<void> {
    await this.#host?.link.stop();
    await boot();
    this.#host?.link.start();
  }

  /** Loads the running slot's bundle; a trial image that cannot load is rolled back at once. */
  async #load(): Promise<string | undefined> {
    try {
      this.#bundle = parseFirmwareBundle(await this.#updater.runningImageBytes());
      return undefined;
    } catch (error) {
      const reason = `the image does not load: ${(error as Error).message}`;
      await this.#updater.finishTrial(reason);
      this.#bundle = parseFirmwareBundle(await this.#updater.runningImageBytes());
      return reason;
    }
  }

  /** Reconnected, published and acknowledged within the time, or back to the old slot with the reason. */
  async #healthCheck(since: Health = { connections: 0, published: 0, acked: 0 }): Promise<void> {
    const host = this.#host;
    if (host === undefined) return;
    if (this.#updater.state.trial === undefined) {
      // The image did not load (#load rolled it back).
      await this.#progress('rolled-back', this.#updater.state.last?.reason ?? 'the image did not start');
      return;
    }
    await this.#progress('trial');
    const limitMs = this.#o.healthCheckMs ?? 60_000;
    const deadline = performance.now() + limitMs;
    let reason: string | undefined;
    for (;;) {
      if (this.#stopped) return;
      const { connections, published, acked } = host.stats;
      if (connections > since.connections && host.link.connected && published > since.published && acked > since.acked) break;
      if (performance.now() >= deadline) {
        reason = host.stats.connections <= since.connections ? `no connection to the head-end within ${limitMs} ms of the restart`
          : host.stats.published <= since.published ? `nothing published within ${limitMs} ms of the restart`
            : `no acknowledgement from the head-end within ${limitMs} ms of the restart`;
        break;
      }
      await delay(Math.min(this.#o.pollMs ?? 1000, 50));
    }
    const image = runningImage(this.#updater.state);
    if (reason === undefined) {
      await this.#updater.finishTrial(true);
      // The floor it raised, in the status (the one of the restart said the trial's).
      host.link.announce();
      await this.#progress('committed', `running ${image?.version ?? '?'} in slot ${runningSlot(this.#updater.state)}`);
      return;
    }
    await this.#restart(async () => {
      await this.#updater.finishTrial(reason);
      await this.#load();
    });
    await this.#progress('rolled-back', `${reason}; back on ${this.#bundle.version}`);
  }
}
