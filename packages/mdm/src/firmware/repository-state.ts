// The repository's current metadata, read back from its files: the newest N.root.json, then
// timestamp.json → the snapshot it names → the targets and delegated versions the snapshot lists
// (the chain a client walks, TUF §5). There is no other state: what is published is the truth.
import { StoreError } from '@phasewire/core';
import { parseTufMetadata } from '@phasewire/secure';
import type { RootSigned, SnapshotSigned, TargetsSigned, TimestampSigned, TufMetadata } from '@phasewire/secure';
import { metadataDirectory, timestampPath, versionedMetadataPath } from './repository-layout.ts';
import type { RepositoryStorage } from './repository-layout.ts';

export interface RepositoryState {
  readonly root: TufMetadata<RootSigned>;
  readonly targets: TufMetadata<TargetsSigned>;
  /** Delegated role name → its metadata. */
  readonly delegated: ReadonlyMap<string, TufMetadata<TargetsSigned>>;
  readonly snapshot: TufMetadata<SnapshotSigned>;
  readonly timestamp: TufMetadata<TimestampSigned>;
}

function missing(path: string, why: string): StoreError {
  return new StoreError('PW_ERR_FIRMWARE_REPOSITORY', `Cannot open the firmware repository: ${path} ${why}; `
    + 'expected the files of a repository made by `phasewire firmware init`');
}

async function required(storage: RepositoryStorage, path: string, why = 'is missing'): Promise<Uint8Array> {
  const bytes = await storage.read(path);
  if (bytes === undefined) throw missing(path, why);
  return bytes;
}

/** The highest N of the `N.root.json` files; 0 when there is none. */
export async function latestRootVersion(storage: RepositoryStorage): Promise<number> {
  let latest = 0;
  for (const name of await storage.list(metadataDirectory)) {
    const version = /^(\d+)\.root\.json$/.exec(name)?.[1];
    if (version !== undefined) latest = Math.max(latest, Number(version));
  }
  return latest;
}

export async function loadRepositoryState(storage: RepositoryStorage): Promise<RepositoryState> {
  const rootVersion = await latestRootVersion(storage);
  if (rootVersion === 0) throw missing(`${metadataDirectory}/1.root.json`, 'is missing');
  const rootPath = versionedMetadataPath(rootVersion, 'root');
  const root = parseTufMetadata('root', await required(storage, rootPath), rootPath);
  const timestamp = parseTufMetadata('timestamp', await required(storage, timestampPath), timestampPath);
  const snapshotPath = versionedMetadataPath(timestamp.signed.meta['snapshot.json'].version, 'snapshot');
  const snapshot = parseTufMetadata('snapshot', await required(storage, snapshotPath, 'named by timestamp.json is missing'), snapshotPath);
  const targetsMeta = snapshot.signed.meta['targets.json'];
  if (targetsMeta === undefined) throw missing(snapshotPath, 'lists no targets.json');
  const targetsPath = versionedMetadataPath(targetsMeta.version, 'targets');
  const targets = parseTufMetadata('targets', await required(storage, targetsPath, 'named by the snapshot is missing'), targetsPath);
  const delegated = new Map<string, TufMetadata<TargetsSigned>>();
  for (const role of targets.signed.delegations?.roles ?? []) {
    const meta = snapshot.signed.meta[`${role.name}.json`];
    if (meta === undefined) throw missing(snapshotPath, `lists no ${role.name}.json, which targets.json delegates to`);
    const path = versionedMetadataPath(meta.version, role.name);
    delegated.set(role.name, parseTufMetadata('targets', await required(storage, path, 'named by the snapshot is missing'), path));
  }
  return { root, targets, delegated, snapshot, timestamp };
}
