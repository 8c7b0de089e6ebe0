// The firmware repository: TUF 1.0 metadata over the images of every meter model and hardware
// revision (docs/firmware.md). Top-level roles root (threshold 2 of 3 offline keys), targets,
// snapshot and timestamp (one online key, TUF §6.1); targets delegates one role per model and
// hardware revision, limited to that class's paths (TUF §4.5), so a key of one model cannot sign
// an image for another. Every change is published in the order of TUF §6.3: the changed targets
// metadata, then a new snapshot, then a new timestamp, each a consistent snapshot (TUF §6.2).
import type { Clock } from '@phasewire/core';
import { ValidationError } from '@phasewire/core';
import { encodeTufMetadata, signTufMetadata, tufDateTime, tufHashes, tufSpecVersion } from '@phasewire/secure';
import type {
  FirmwareCustom, Keystore, RootSigned, SnapshotSigned, TargetsSigned, TimestampSigned, TufMetadata, TufSigned, TufSigner,
} from '@phasewire/secure';
import {
  checkFirmwareClass, checkFirmwareVersion, delegatedPathPattern, delegatedRoleName, keyLabels, storedTargetPath, targetPathOf,
  timestampPath, versionedMetadataPath,
} from './repository-layout.ts';
import type { FirmwareClass, RepositoryStorage } from './repository-layout.ts';
import { RepositoryKeys } from './repository-keys.ts';
import { loadRepositoryState } from './repository-state.ts';
import type { RepositoryState } from './repository-state.ts';

const day = 86_400_000;

/** How long each role's metadata stays valid after it is signed (TUF §4.3 EXPIRES). */
export interface RoleLifetimes {
  readonly root: number;
  readonly targets: number;
  readonly delegated: number;
  readonly snapshot: number;
  readonly timestamp: number;
}

/** Root lives a year (renewed with the offline keys); the online roles live days and are renewed by `renew`. */
export const defaultLifetimes: RoleLifetimes = {
  root: 365 * day, targets: 90 * day, delegated: 90 * day, snapshot: 7 * day, timestamp: day,
};

export interface FirmwareRepositoryOptions {
  readonly storage: RepositoryStorage;
  /** Holds the root keys. */
  readonly offline: Keystore;
  /** Holds the targets, delegated-role and online (snapshot, timestamp) keys. */
  readonly online: Keystore;
  readonly clock: Clock;
  readonly lifetimes?: Partial<RoleLifetimes>;
}

export interface FirmwareImageInput extends FirmwareClass {
  readonly version: string;
  /** Anti-rollback counter; the highest already published for the class when not given. */
  readonly securityVersion?: number;
  readonly bytes: Uint8Array;
}

export interface FirmwareImage extends FirmwareCustom {
  readonly targetPath: string;
  readonly length: number;
  readonly sha256: string;
}

/** What a publication changes; snapshot and timestamp always follow. */
interface Change {
  readonly root?: { readonly signed: RootSigned; readonly previous?: RootSigned };
  readonly targets?: TargetsSigned;
  readonly delegated?: ReadonlyMap<string, TargetsSigned>;
}

export class FirmwareRepository {
  readonly #storage: RepositoryStorage;
  readonly #keys: RepositoryKeys;
  readonly #clock: Clock;
  readonly #lifetimes: RoleLifetimes;
  #state: RepositoryState | undefined;

  private constructor(options: FirmwareRepositoryOptions) {
    this.#storage = options.storage;
    this.#keys = new RepositoryKeys(options.offline, options.online);
    this.#clock = options.clock;
    this.#lifetimes = { ...defaultLifetimes, ...options.lifetimes };
  }

  /** Creates the keys and the first metadata: root 1 (threshold of `rootKeys` offline keys), empty targets, snapshot, timestamp. */
  static async init(options: FirmwareRepositoryOptions, rootKeys = 3, rootThreshold = 2): Promise<FirmwareRepository> {
    const repository = new FirmwareRepository(options);
    const keys = repository.#keys;
    const roots: TufSigner[] = [];
    const generation = await keys.nextGeneration('tuf-root-');
    for (let index = 1; index <= rootKeys; index++) roots.push(await keys.generate('offline', keyLabels.root(generation, index)));
    const targets = await keys.generate('online', keyLabels.targets(await keys.nextGeneration('tuf-targets-')));
    const online = await keys.generate('online', keyLabels.online(await keys.nextGeneration('tuf-online-')));
    const root: RootSigned = {
      _type: 'root', spec_version: tufSpecVersion, consistent_snapshot: true, version: 1, expires: repository.#expires('root'),
      keys: Object.fromEntries([...roots, targets, online].map((signer) => [signer.keyid, signer.key])),
      roles: {
        root: { keyids: roots.map((signer) => signer.keyid), threshold: rootThreshold },
        targets: { keyids: [targets.keyid], threshold: 1 },
        snapshot: { keyids: [online.keyid], threshold: 1 },
        timestamp: { keyids: [online.keyid], threshold: 1 },
      },
    };
    const emptyTargets: TargetsSigned = { ...repository.#header('targets', 0, 'targets'), targets: {} };
    await repository.#publish({ root: { signed: root }, targets: emptyTargets });
    return repository;
  }

  /** Opens a repository from its published files. */
  static async open(options: FirmwareRepositoryOptions): Promise<FirmwareRepository> {
    const repository = new FirmwareRepository(options);
    repository.#state = await loadRepositoryState(options.storage);
    return repository;
  }

  get state(): RepositoryState {
    if (this.#state === undefined) throw new Error('unreachable: the repository is used before init or open');
    return this.#state;
  }

  #expires(role: keyof RoleLifetimes): string {
    return tufDateTime(this.#clock.now() + this.#lifetimes[role]);
  }

  #header<T extends 'targets' | 'snapshot' | 'timestamp'>(type: T, previousVersion: number, lifetime: keyof RoleLifetimes) {
    return { _type: type, spec_version: tufSpecVersion, version: previousVersion + 1, expires: this.#expires(lifetime) } as const;
  }

  async #write<T extends TufSigned>(path: string, signed: T, signers: readonly TufSigner[]): Promise<TufMetadata<T>> {
    const metadata = await signTufMetadata(signed, signers);
    await this.#storage.write(path, encodeTufMetadata(metadata));
    return metadata;
  }

  /** Signs and writes the changed metadata, then a new snapshot and timestamp (TUF §6.3). */
  async #publish(change: Change): Promise<void> {
    const old = this.#state;
    let root = old?.root;
    if (change.root !== undefined) {
      const { signed, previous } = change.root;
      // TUF §6.1: a new root is signed by a threshold of the previous root's keys and of its own.
      const before = previous === undefined ? []
        : await this.#keys.signers(previous.roles.root.keyids, previous.roles.root.threshold, 'root');
      const after = await this.#keys.signers(signed.roles.root.keyids, signed.roles.root.threshold, 'root');
      root = await this.#write(versionedMetadataPath(signed.version, 'root'), signed, [...before, ...after]);
    }
    if (root === undefined) throw new Error('unreachable: publication without a root');
    const delegated = new Map(old?.delegated);
    let targets = old?.targets;
    const targetsSigned = change.targets ?? targets?.signed;
    if (targetsSigned === undefined) throw new Error('unreachable: publication without targets');
    for (const [name, signed] of change.delegated ?? []) {
      const role = targetsSigned.delegations?.roles.find((candidate) => candidate.name === name);
      if (role === undefined) throw new Error(`unreachable: role ${name} is not delegated`);
      delegated.set(name, await this.#write(versionedMetadataPath(signed.version, name), signed,
        await this.#keys.signers(role.keyids, role.threshold, name)));
    }
    if (change.targets !== undefined) {
      const { keyids, threshold } = root.signed.roles.targets;
      targets = await this.#write(versionedMetadataPath(change.targets.version, 'targets'), change.targets,
        await this.#keys.signers(keyids, threshold, 'targets'));
    }
    if (targets === undefined) throw new Error('unreachable: publication without targets');
    const meta: SnapshotSigned['meta'] = { 'targets.json': { version: targets.signed.version } };
    for (const [name, metadata] of delegated) meta[`${name}.json`] = { version: metadata.signed.version };
    const snapshotSigned: SnapshotSigned = { ...this.#header('snapshot', old?.snapshot.signed.version ?? 0, 'snapshot'), meta };
    const snapshot = await this.#write(versionedMetadataPath(snapshotSigned.version, 'snapshot'), snapshotSigned,
      await this.#keys.signers(root.signed.roles.snapshot.keyids, root.signed.roles.snapshot.threshold, 'snapshot'));
    const timestamp = await this.#timestamp(root.signed, snapshot, old?.timestamp.signed.version ?? 0);
    this.#state = { root, targets, delegated, snapshot, timestamp };
  }

  async #timestamp(
    root: RootSigned, snapshot: TufMetadata<SnapshotSigned>, previousVersion: number,
  ): Promise<TufMetadata<TimestampSigned>> {
    const bytes = encodeTufMetadata(snapshot);
    const { sha256 } = await tufHashes(bytes);
    const signed: TimestampSigned = {
      ...this.#header('timestamp', previousVersion, 'timestamp'),
      meta: { 'snapshot.json': { version: snapshot.signed.version, length: bytes.length, hashes: { sha256 } } },
    };
    const { keyids, threshold } = root.roles.timestamp;
    return this.#write(timestampPath, signed, await this.#keys.signers(keyids, threshold, 'timestamp'));
  }

  /** Publishes an image for a model and hardware revision, creating the class's delegated role on first use. */
  async add(input: FirmwareImageInput): Promise<FirmwareImage> {
    checkFirmwareClass(input);
    checkFirmwareVersion(input.version);
    if (input.bytes.length === 0) {
      throw new ValidationError('PW_ERR_FIRMWARE_INVALID', 'Cannot add an empty firmware image: expected its bytes');
    }
    const state = this.state;
    const name = delegatedRoleName(input);
    const targetPath = targetPathOf(input, input.version);
    const current = state.delegated.get(name)?.signed;
    if (current?.targets[targetPath] !== undefined) {
      throw new ValidationError('PW_ERR_FIRMWARE_INVALID', `Cannot add ${input.model} ${input.hardwareRevision} version ${input.version}: `
        + 'that version is published already; expected a new version (a published image never changes)');
    }
    const highest = Math.max(0, ...Object.values(current?.targets ?? {}).map((file) => file.custom?.securityVersion ?? 0));
    const custom: FirmwareCustom = {
      model: input.model, hardwareRevision: input.hardwareRevision, version: input.version,
      securityVersion: input.securityVersion ?? highest,
    };
    const hashes = await tufHashes(input.bytes);
    await this.#storage.write(storedTargetPath(targetPath, hashes.sha256), input.bytes);
    let targets: TargetsSigned | undefined;
    if (current === undefined) {
      const signer = await this.#keys.generate('online', keyLabels.delegated(name, await this.#keys.nextGeneration(`tuf-role-${name}-`)));
      const delegations = state.targets.signed.delegations ?? { keys: {}, roles: [] };
      targets = {
        ...state.targets.signed, ...this.#header('targets', state.targets.signed.version, 'targets'),
        delegations: {
          keys: { ...delegations.keys, [signer.keyid]: signer.key },
          roles: [...delegations.roles,
            { name, keyids: [signer.keyid], threshold: 1, terminating: true, paths: [delegatedPathPattern(input)] }],
        },
      };
    }
    const role: TargetsSigned = {
      ...this.#header('targets', current?.version ?? 0, 'delegated'),
      targets: { ...current?.targets, [targetPath]: { length: input.bytes.length, hashes, custom } },
    };
    await this.#publish({ ...(targets === undefined ? {} : { targets }), delegated: new Map([[name, role]]) });
    return { ...custom, targetPath, length: input.bytes.length, sha256: hashes.sha256 };
  }

  /** Every published image, by class and version. */
  list(): FirmwareImage[] {
    const images: FirmwareImage[] = [];
    for (const metadata of this.state.delegated.values()) {
      for (const [targetPath, file] of Object.entries(metadata.signed.targets)) {
        if (file.custom !== undefined) images.push({ ...file.custom, targetPath, length: file.length, sha256: file.hashes.sha256 });
      }
    }
    return images.sort((a, b) => a.targetPath.localeCompare(b.targetPath, 'en'));
  }

  #dueForRenewal(expires: string, lifetime: number): boolean {
    return Date.parse(expires) - this.#clock.now() < lifetime / 2;
  }

  /**
   * Re-signs every online role past half its lifetime (timestamp, snapshot, targets, delegated
   * roles) with a new version, so clients never see it expire while the repository runs. Root
   * needs the offline keys and is left to `rotate`/an operator. Returns the roles renewed.
   */
  async renew(): Promise<string[]> {
    const state = this.state;
    const lifetimes = this.#lifetimes;
    const delegated = new Map<string, TargetsSigned>();
    for (const [name, metadata] of state.delegated) {
      if (this.#dueForRenewal(metadata.signed.expires, lifetimes.delegated)) {
        delegated.set(name, { ...metadata.signed, ...this.#header('targets', metadata.signed.version, 'delegated') });
      }
    }
    const targets = this.#dueForRenewal(state.targets.signed.expires, lifetimes.targets)
      ? { ...state.targets.signed, ...this.#header('targets', state.targets.signed.version, 'targets') } : undefined;
    if (targets !== undefined || delegated.size > 0 || this.#dueForRenewal(state.snapshot.signed.expires, lifetimes.snapshot)) {
      await this.#publish({ ...(targets === undefined ? {} : { targets }), delegated });
      return [...(targets === undefined ? [] : ['targets']), ...delegated.keys(), 'snapshot', 'timestamp'];
    }
    if (this.#dueForRenewal(state.timestamp.signed.expires, lifetimes.timestamp)) {
      this.#state = { ...state, timestamp: await this.#timestamp(state.root.signed, state.snapshot, state.timestamp.signed.version) };
      return ['timestamp'];
    }
    return [];
  }

  /**
   * Replaces the keys of a top-level role through a new root (TUF §6.1): 'online' the snapshot and
   * timestamp key, 'targets' the targets key, 'root' all root keys (the new root is signed by a
   * threshold of the old and of the new). The retired keys are removed from the keystores, and
   * clients that load the new root drop what the old keys signed (TUF §5.3.11).
   */
  async rotate(role: 'root' | 'targets' | 'online'): Promise<void> {
    const state = this.state;
    const previous = state.root.signed;
    const roles = { ...previous.roles };
    let retired: string[];
    let newKeys: TufSigner[];
    if (role === 'root') {
      const generation = await this.#keys.nextGeneration('tuf-root-');
      newKeys = [];
      for (let index = 1; index <= previous.roles.root.keyids.length; index++) {
        newKeys.push(await this.#keys.generate('offline', keyLabels.root(generation, index)));
      }
      retired = previous.roles.root.keyids;
      roles.root = { keyids: newKeys.map((signer) => signer.keyid), threshold: previous.roles.root.threshold };
    } else if (role === 'targets') {
      newKeys = [await this.#keys.generate('online', keyLabels.targets(await this.#keys.nextGeneration('tuf-targets-')))];
      retired = previous.roles.targets.keyids;
      roles.targets = { keyids: [newKeys[0]?.keyid ?? ''], threshold: 1 };
    } else {
      newKeys = [await this.#keys.generate('online', keyLabels.online(await this.#keys.nextGeneration('tuf-online-')))];
      retired = [...new Set([...previous.roles.snapshot.keyids, ...previous.roles.timestamp.keyids])];
      roles.snapshot = { keyids: [newKeys[0]?.keyid ?? ''], threshold: 1 };
      roles.timestamp = { keyids: [newKeys[0]?.keyid ?? ''], threshold: 1 };
    }
    const inUse = new Set(Object.values(roles).flatMap((keys) => keys.keyids));
    const keys = Object.fromEntries([...Object.entries(previous.keys).filter(([keyid]) => inUse.has(keyid)),
      ...newKeys.map((signer) => [signer.keyid, signer.key] as const)]);
    const root: RootSigned = { ...previous, version: previous.version + 1, expires: this.#expires('root'), keys, roles };
    const targets = role === 'targets'
      ? { ...state.targets.signed, ...this.#header('targets', state.targets.signed.version, 'targets') } : undefined;
    await this.#publish({ root: { signed: root, previous }, ...(targets === undefined ? {} : { targets }) });
    await this.#keys.retire(retired.filter((keyid) => !inUse.has(keyid)));
  }
}
