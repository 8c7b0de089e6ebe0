// The manifest of a `phasewire backup` archive (manifest.json, the archive's first entry): what the
// archive holds, each file's size and SHA-256, and what it does not hold (the keys of a PKCS#11
// token, a PostgreSQL store). `phasewire restore` restores nothing unless every file matches it and
// nothing else is in the archive (node/backup.ts). Reference: docs/operations.md, "Backup and restore".
import { Type, type Static } from 'typebox';
import { SecurityError } from '@phasewire/core';
import { assertSchema, problemMessage } from '@phasewire/core/schema';

export const backupFormat = 'phasewire-backup';
export const backupVersion = 1;
/** Where the data directory's files are inside the archive; the manifest is beside it. */
export const backupDataFolder = 'data';
export const backupManifestName = 'manifest.json';

const closed = { additionalProperties: false } as const;

const BackupFile = Type.Object({
  /**
   * Relative to the data directory, `/`-separated, no `..` (nor `..` between backslashes). A backslash is
   * a file name's character on the server's systems: refused, a backup of such a file could not be restored.
   */
  path: Type.String({
    minLength: 1, pattern: '^(?!/)(?![\\s\\S]*(^|[/\\\\])\\.\\.([/\\\\]|$))[\\s\\S]+$',
    expected: 'a relative path inside the data directory',
  }),
  bytes: Type.Integer({ minimum: 0 }),
  sha256: Type.String({ pattern: '^[0-9a-f]{64}$', expected: '64 hexadecimal digits' }),
  /** `sqlite`: a consistent copy made by SQLite (VACUUM INTO) while the server ran; `file`: copied as it was. */
  kind: Type.Union([Type.Literal('sqlite'), Type.Literal('file')]),
}, closed);

const Keys = Type.Union([
  Type.Object({
    kind: Type.Literal('software'),
    inArchive: Type.Literal(true),
    note: Type.String(),
  }, closed),
  Type.Object({
    kind: Type.Literal('pkcs11'),
    inArchive: Type.Literal(false),
    note: Type.String(),
  }, closed),
]);

const Store = Type.Union([
  Type.Object({ kind: Type.Literal('sqlite'), path: Type.String(), inArchive: Type.Literal(true) }, closed),
  Type.Object({ kind: Type.Literal('postgres'), inArchive: Type.Literal(false), note: Type.String() }, closed),
]);

export const BackupManifestSchema = Type.Object({
  format: Type.Literal(backupFormat),
  version: Type.Literal(backupVersion),
  /** When the backup started (ISO-8601 UTC): every reading acknowledged before it is in the archive. */
  startedAt: Type.String({ format: 'date-time' }),
  finishedAt: Type.String({ format: 'date-time' }),
  /** The data directory it was taken from (for the operator; restore takes any target). */
  source: Type.String(),
  keys: Keys,
  store: Store,
  files: Type.Array(BackupFile, { maxItems: 100_000 }),
}, closed);

export type BackupManifest = Static<typeof BackupManifestSchema>;
export type BackupFileEntry = BackupManifest['files'][number];

/** The manifest read from an archive, checked; a SecurityError (PW_ERR_BACKUP_INVALID) for anything else. */
export function parseBackupManifest(text: string): BackupManifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new SecurityError('PW_ERR_BACKUP_INVALID', `Cannot restore: the archive's ${backupManifestName} is not JSON `
      + `(${(error as Error).message}); expected the manifest phasewire backup writes`, { cause: error });
  }
  assertSchema(BackupManifestSchema, value, (problem) => {
    throw new SecurityError('PW_ERR_BACKUP_INVALID', `Cannot restore: the archive's ${backupManifestName} is not a phasewire backup `
      + `manifest: ${problemMessage(problem)}`);
  });
  const seen = new Set<string>();
  for (const file of value.files) {
    if (seen.has(file.path)) {
      throw new SecurityError('PW_ERR_BACKUP_INVALID', `Cannot restore: the manifest lists ${file.path} twice; expected each file once`);
    }
    seen.add(file.path);
  }
  return value;
}
