// The device's firmware updater: tuf-js (the TUF client npm uses) refreshes the metadata chain from
// the root the device trusts and verifies the image's length and hashes (TUF §5); the device's own
// checks (model, hardware revision, anti-rollback security version) follow; the image goes to the
// inactive slot, the device boots it on trial, and its health check commits or rolls back
// (firmware-slots.ts). Every refusal leaves the running slot as it was and is kept as `last`.
//
// Data directory layout: tuf/ (trusted metadata, seeded with root.json), partial/ (images being
// downloaded), slots/a.bin and slots/b.bin, firmware-slots.json.
import { constants } from 'node:fs';
import { createHash } from 'node:crypto';
import { access, copyFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreError, TransportError, ValidationError } from '@phasewire/core';
import { assertSchema, problemMessage } from '@phasewire/core/schema';
import { FirmwareCustomSchema } from '@phasewire/secure';
import { writeFileAtomic } from '@phasewire/secure/node';
import { Updater } from 'tuf-js';
import { boot, checkOffer, commit, FirmwareSlotsSchema, otherSlot, refused, rollBack, stage } from '../../firmware/firmware-slots.ts';
import type { FirmwareSlots, SlotImage, SlotName } from '../../firmware/firmware-slots.ts';
import type { ChunkedFetcher } from './chunked-fetcher.ts';

export interface FirmwareUpdaterOptions {
  readonly dataDir: string;
  /** The repository's base URL (its metadata/ and targets/ are below it). */
  readonly baseUrl: string;
  readonly fetcher: ChunkedFetcher;
  /** The root.json the device was built with (TUF §5.2); copied in on first use. */
  readonly trustedRoot: string;
  /** The state of a device that has none yet (its factory image in slot A). */
  readonly factory: FirmwareSlots;
}

export type UpdateResult =
  | { readonly outcome: 'staged'; readonly slot: SlotName; readonly image: SlotImage }
  | { readonly outcome: 'refused'; readonly reason: string }
  /** The link failed: nothing was refused, the partial image is kept, and the next attempt resumes it. */
  | { readonly outcome: 'interrupted'; readonly reason: string };

/** A failure of the link rather than of the repository's evidence: try again later. */
function isLinkFailure(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return error instanceof TransportError || (typeof code === 'string' && /^E[A-Z]+$/.test(code));
}

const stateFile = 'firmware-slots.json';

export class FirmwareUpdater {
  readonly #options: FirmwareUpdaterOptions;
  #state: FirmwareSlots;
  /** The boot of `open` found the device on trial (it crashed or was cut off during it) and rolled back. */
  rolledBackAtBoot = false;

  private constructor(options: FirmwareUpdaterOptions, state: FirmwareSlots) {
    this.#options = options;
    this.#state = state;
  }

  /** Opens the device's firmware state and makes the boot decision (a staged image starts its trial). */
  static async open(options: FirmwareUpdaterOptions): Promise<FirmwareUpdater> {
    await mkdir(join(options.dataDir, 'tuf'), { recursive: true });
    await mkdir(join(options.dataDir, 'slots'), { recursive: true });
    const path = join(options.dataDir, stateFile);
    let state = options.factory;
    const text = await readFile(path, 'utf8').catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    });
    if (text !== undefined) {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        throw new StoreError('PW_ERR_FIRMWARE_STATE', `Cannot read ${path}: it is not JSON; expected the firmware slot state`,
          { cause: error });
      }
      assertSchema(FirmwareSlotsSchema, value, (problem) => {
        throw new StoreError('PW_ERR_FIRMWARE_STATE', `Cannot read ${path}: ${problemMessage(problem)}`);
      });
      state = value;
    }
    const updater = new FirmwareUpdater(options, state);
    updater.rolledBackAtBoot = state.trial !== undefined;
    await updater.#save(boot(state));
    return updater;
  }

  get state(): FirmwareSlots {
    return this.#state;
  }

  async #save(state: FirmwareSlots): Promise<void> {
    await writeFileAtomic(join(this.#options.dataDir, stateFile), `${JSON.stringify(state, null, 2)}\n`);
    this.#state = state;
  }

  async #refuse(version: string, reason: string): Promise<UpdateResult> {
    await this.#save(refused(this.#state, version, reason));
    return { outcome: 'refused', reason };
  }

  /**
   * Fetches, verifies and stages `version` for this device's model and hardware revision (`target`:
   * its TUF target path as a campaign names it; whatever it names, the signed `custom` decides).
   */
  async update(version: string, target?: string): Promise<UpdateResult> {
    const { dataDir, baseUrl, fetcher, trustedRoot } = this.#options;
    const metadataDir = join(dataDir, 'tuf');
    // Only once: tuf-js keeps the newest root it verified there (TUF §5.3.8).
    await copyFile(trustedRoot, join(metadataDir, 'root.json'), constants.COPYFILE_EXCL).catch(() => undefined);
    const state = this.#state;
    const path = target ?? `${state.model}/${state.hardwareRevision}/${state.model}-${state.hardwareRevision}-${version}.bin`;
    const updater = new Updater({
      metadataDir, metadataBaseUrl: `${baseUrl}/metadata`, targetBaseUrl: `${baseUrl}/targets`, targetDir: join(dataDir, 'slots'),
      fetcher, config: { fetchRetries: 0 },
    });
    try {
      await updater.refresh();
      const info = await updater.getTargetInfo(path);
      if (info === undefined) return await this.#refuse(version, `no signed image ${path} for this device`);
      const custom = info.custom as unknown;
      assertSchema(FirmwareCustomSchema, custom, (problem) => {
        throw new Error(`the image's signed description: ${problemMessage(problem)}`);
      });
      const offer = checkOffer(state, custom);
      if (!offer.accept) return await this.#refuse(version, offer.reason);
      if (custom.version !== version) return await this.#refuse(version, `${path} is signed as version ${custom.version}, not ${version}`);
      const slot = otherSlot(state.active);
      await updater.downloadTarget(info, join(dataDir, 'slots', `${slot}.bin`));
      const image = { version: custom.version, securityVersion: custom.securityVersion, sha256: info.hashes['sha256'] ?? '' };
      await this.#save(stage(state, image));
      return { outcome: 'staged', slot, image };
    } catch (error) {
      if (error instanceof StoreError) throw error;
      if (isLinkFailure(error)) return { outcome: 'interrupted', reason: error instanceof Error ? error.message : String(error) };
      return this.#refuse(version, error instanceof Error ? `${error.name}: ${error.message}` : String(error));
    }
  }

  /** Boots a staged image on trial (what a restart does: `open` calls it too). */
  async restart(): Promise<void> {
    await this.#save(boot(this.#state));
  }

  /** Ends a trial: `healthy` commits the trial slot, anything else rolls back with that reason. */
  async finishTrial(health: true | string): Promise<FirmwareSlots> {
    await this.#save(health === true ? commit(this.#state) : rollBack(this.#state, health));
    return this.#state;
  }

  /** Writes the factory image into slot A of a device that runs it and has no bytes for it yet. */
  async installFactory(bytes: Uint8Array): Promise<void> {
    const path = join(this.#options.dataDir, 'slots', 'a.bin');
    const missing = await access(path).then(() => false, () => true);
    if (missing && this.#state.active === 'a' && this.#state.trial === undefined) await writeFileAtomic(path, bytes);
  }

  /**
   * The bytes of the slot the device runs. A trial slot's bytes must still be the ones TUF verified
   * (their SHA-256 was kept when the image was staged): a slot changed since, by a torn write or a
   * hand on the disk, is refused (ValidationError) and the caller rolls back rather than run it.
   */
  async runningImageBytes(): Promise<Uint8Array> {
    const slot = this.#state.trial ?? this.#state.active;
    const bytes = await readFile(join(this.#options.dataDir, 'slots', `${slot}.bin`));
    const expected = this.#state.trial === undefined ? undefined : this.#state.slots[slot]?.sha256;
    const found = createHash('sha256').update(bytes).digest('hex');
    if (expected !== undefined && found !== expected) {
      throw new ValidationError('PW_ERR_FIRMWARE_BUNDLE', `Cannot boot slot ${slot}: its bytes have SHA-256 ${found}; `
        + `expected ${expected}, the digest verified when the image was staged`);
    }
    return bytes;
  }
}
