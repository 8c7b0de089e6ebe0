// Where the firmware repository keeps what it publishes, and the names of its roles and keys.
// Consistent snapshots (TUF §6.2.1): every metadata file but timestamp.json is written once under
// its version (`3.root.json`, `7.snapshot.json`, `2.SM630-r2.json`) and every image under its
// SHA-256 (`targets/SM630/r2/<sha256>.SM630-r2-1.4.0.bin`), so a client reading one snapshot is
// never disturbed by the next being written. Only timestamp.json is replaced, atomically.
import { ValidationError } from '@phasewire/core';
import { firmwareNamePattern, firmwareVersionPattern } from '@phasewire/secure';

/** The storage port: a directory of files by relative path ('/'-separated). */
export interface RepositoryStorage {
  /** The file's bytes, or undefined when there is none. */
  read(path: string): Promise<Uint8Array | undefined>;
  /** Writes the file whole and atomically (a reader sees the old bytes or the new, never a part). */
  write(path: string, bytes: Uint8Array): Promise<void>;
  /** The names of the files directly in `directory` (none when it does not exist). */
  list(directory: string): Promise<string[]>;
}

export const metadataDirectory = 'metadata';
export const targetsDirectory = 'targets';

export type TopRole = 'root' | 'targets' | 'snapshot' | 'timestamp';

export const versionedMetadataPath = (version: number, role: string): string => `${metadataDirectory}/${version}.${role}.json`;
export const timestampPath = `${metadataDirectory}/timestamp.json`;

/** What names a delegated role: one per meter model and hardware revision. */
export interface FirmwareClass {
  readonly model: string;
  readonly hardwareRevision: string;
}

const namePattern = new RegExp(firmwareNamePattern);
const versionPattern = new RegExp(firmwareVersionPattern);

export function checkFirmwareClass(target: FirmwareClass): void {
  for (const [field, value] of [['model', target.model], ['hardware revision', target.hardwareRevision]] as const) {
    if (!namePattern.test(value)) {
      throw new ValidationError('PW_ERR_FIRMWARE_INVALID', `Cannot use the firmware ${field} ${JSON.stringify(value)}: expected 1 to 40 `
        + 'of A-Z a-z 0-9 . _ - starting with a letter or digit');
    }
  }
}

export function checkFirmwareVersion(version: string): void {
  if (!versionPattern.test(version)) {
    throw new ValidationError('PW_ERR_FIRMWARE_INVALID', `Cannot use the firmware version ${JSON.stringify(version)}: `
      + 'expected three dotted numbers such as 1.4.0');
  }
}

/** The delegated role of a model and hardware revision (TUF §4.5 ROLENAME). */
export const delegatedRoleName = (target: FirmwareClass): string => `${target.model}-${target.hardwareRevision}`;
/** The target paths the role may sign for (TUF §4.5 PATHPATTERN: `*` matches within one path segment). */
export const delegatedPathPattern = (target: FirmwareClass): string => `${target.model}/${target.hardwareRevision}/*`;
/** The TUF target path of an image. */
export const targetPathOf = (target: FirmwareClass, version: string): string =>
  `${target.model}/${target.hardwareRevision}/${target.model}-${target.hardwareRevision}-${version}.bin`;

/** TUF §6.2.1: the image is stored as HASH.FILENAME in the target path's directory. */
export function storedTargetPath(targetPath: string, sha256: string): string {
  const slash = targetPath.lastIndexOf('/');
  return `${targetsDirectory}/${targetPath.slice(0, slash + 1)}${sha256}.${targetPath.slice(slash + 1)}`;
}

/**
 * Keystore labels. Root keys live in the offline keystore; the targets key, the delegated roles'
 * keys and the online key (snapshot and timestamp, TUF §6.1) in the online one. A rotation adds
 * the next generation (`tuf-online-2`) and retires the old one.
 */
export const keyLabels = {
  root: (generation: number, index: number): string => `tuf-root-${generation}-${index}`,
  targets: (generation: number): string => `tuf-targets-${generation}`,
  online: (generation: number): string => `tuf-online-${generation}`,
  delegated: (role: string, generation: number): string => `tuf-role-${role}-${generation}`,
} as const;

/** The generation of a label made by `keyLabels` (the last number but, for root, the index). */
export function generationOf(label: string): number {
  const root = /^tuf-root-(\d+)-\d+$/.exec(label);
  const other = /-(\d+)$/.exec(label);
  return Number(root?.[1] ?? other?.[1] ?? 0);
}
