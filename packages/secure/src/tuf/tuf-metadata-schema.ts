// The TUF 1.0 metadata formats phasewire's firmware repository writes and its devices read, as
// TypeBox schemas: the one source of truth for what a metadata file may hold. The field names are
// the specification's (TUF v1.0.x §4 "Document formats"); phasewire adds only `custom` on a
// firmware target (the model, hardware revision, version and security version of the image).
import { Type, type Static } from 'typebox';

/** The TUF specification version phasewire writes (TUF §4.3 SPEC_VERSION; clients accept any 1.0.x). */
export const tufSpecVersion = '1.0.31';

const closed = { additionalProperties: false } as const;
/** TUF §4.2.2: a KEYID is the hex SHA-256 of the key object's canonical JSON. */
const hexSha256 = Type.String({ pattern: '^[0-9a-f]{64}$', expected: 'a key id: 64 lowercase hex digits' });
const positive = Type.Integer({ minimum: 1, expected: 'a whole number of at least 1' });
/** TUF §4.2.3 date-time: "YYYY-MM-DDTHH:MM:SSZ". */
export const tufDateTimePattern = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$';
const Expires = Type.String({ pattern: tufDateTimePattern, expected: 'a UTC time of the form YYYY-MM-DDTHH:MM:SSZ' });
const SpecVersion = Type.String({ pattern: '^1\\.0\\.\\d+$', expected: 'a TUF 1.0.x specification version' });

/** TUF §4.2.2 "ecdsa": keytype ecdsa, scheme ecdsa-sha2-nistp256, the public key as PEM. */
export const TufKeySchema = Type.Object({
  keytype: Type.Literal('ecdsa'),
  scheme: Type.Literal('ecdsa-sha2-nistp256'),
  keyval: Type.Object({ public: Type.String({ pattern: '^-----BEGIN PUBLIC KEY-----', expected: 'a PEM public key' }) }, closed),
}, { ...closed, description: 'A public key (TUF §4.2.2).' });
export type TufKey = Static<typeof TufKeySchema>;

export const TufSignatureSchema = Type.Object({
  keyid: hexSha256,
  sig: Type.String({ pattern: '^[0-9a-f]+$', expected: 'a hex-encoded DER ECDSA signature' }),
}, closed);
export type TufSignature = Static<typeof TufSignatureSchema>;

const RoleKeys = Type.Object({ keyids: Type.Array(hexSha256, { minItems: 1 }), threshold: positive }, closed);
export type TufRoleKeys = Static<typeof RoleKeys>;

/** TUF §4.3 root.json. */
export const RootSignedSchema = Type.Object({
  _type: Type.Literal('root'),
  spec_version: SpecVersion,
  consistent_snapshot: Type.Boolean(),
  version: positive,
  expires: Expires,
  keys: Type.Record(Type.String({ pattern: '^[0-9a-f]{64}$' }), TufKeySchema),
  roles: Type.Object({ root: RoleKeys, targets: RoleKeys, snapshot: RoleKeys, timestamp: RoleKeys }, closed),
}, closed);
export type RootSigned = Static<typeof RootSignedSchema>;

/** TUF §4.4 HASHES: the digests of a file, by algorithm, in hex. */
const Hashes = Type.Object({
  sha256: Type.String({ pattern: '^[0-9a-f]{64}$', expected: 'a hex SHA-256 digest' }),
  sha512: Type.Optional(Type.String({ pattern: '^[0-9a-f]{128}$', expected: 'a hex SHA-512 digest' })),
}, closed);

/** TUF §4.4 METAFILES: a metadata file's version, and optionally its length and hashes. */
const MetaFile = Type.Object({ version: positive, length: Type.Optional(positive), hashes: Type.Optional(Hashes) }, closed);
export type TufMetaFile = Static<typeof MetaFile>;

/** TUF §4.4 snapshot.json: the version of every targets metadata file (top-level and delegated). */
export const SnapshotSignedSchema = Type.Object({
  _type: Type.Literal('snapshot'),
  spec_version: SpecVersion,
  version: positive,
  expires: Expires,
  meta: Type.Record(Type.String({ pattern: '^[A-Za-z0-9._-]+\\.json$' }), MetaFile),
}, closed);
export type SnapshotSigned = Static<typeof SnapshotSignedSchema>;

/** TUF §4.6 timestamp.json: the one snapshot.json it vouches for. */
export const TimestampSignedSchema = Type.Object({
  _type: Type.Literal('timestamp'),
  spec_version: SpecVersion,
  version: positive,
  expires: Expires,
  meta: Type.Object({ 'snapshot.json': MetaFile }, closed),
}, closed);
export type TimestampSigned = Static<typeof TimestampSignedSchema>;

/** The name grammar of a meter model and of a hardware revision (they make role names and target paths). */
export const firmwareNamePattern = '^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$';
/** A firmware version: dotted numbers (semantic versioning's core, SemVer 2.0.0 §2). */
export const firmwareVersionPattern = '^\\d{1,6}\\.\\d{1,6}\\.\\d{1,6}$';

/** phasewire's `custom` of a firmware target (TUF §4.5 CUSTOM): what the device checks beyond TUF. */
export const FirmwareCustomSchema = Type.Object({
  model: Type.String({ pattern: firmwareNamePattern, expected: 'a meter model name', description: 'The meter model the image is for.' }),
  hardwareRevision: Type.String({
    pattern: firmwareNamePattern, expected: 'a hardware revision name', description: 'The hardware revision of that model.',
  }),
  version: Type.String({ pattern: firmwareVersionPattern, expected: 'a version such as 1.4.0', description: 'The firmware version.' }),
  securityVersion: Type.Integer({
    minimum: 0, maximum: 2 ** 31 - 1, expected: 'a whole number from 0',
    description: 'Anti-rollback counter: a device refuses an image whose security version is below the one it keeps.',
  }),
}, closed);
export type FirmwareCustom = Static<typeof FirmwareCustomSchema>;

/** TUF §4.5 TARGETS: one target file, its exact length and digests. */
export const TargetFileSchema = Type.Object({ length: positive, hashes: Hashes, custom: Type.Optional(FirmwareCustomSchema) }, closed);
export type TargetFile = Static<typeof TargetFileSchema>;

/** TUF §4.5 DELEGATIONS: a delegated role, its keys and the target paths it may sign for. */
export const DelegatedRoleSchema = Type.Object({
  name: Type.String({ pattern: '^[A-Za-z0-9._-]{1,100}$' }),
  keyids: Type.Array(hexSha256, { minItems: 1 }),
  threshold: positive,
  terminating: Type.Boolean(),
  paths: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
}, closed);
export type DelegatedRole = Static<typeof DelegatedRoleSchema>;

/** TUF §4.5 targets.json and a delegated role's metadata (the same format). */
export const TargetsSignedSchema = Type.Object({
  _type: Type.Literal('targets'),
  spec_version: SpecVersion,
  version: positive,
  expires: Expires,
  targets: Type.Record(Type.String({ minLength: 1 }), TargetFileSchema),
  delegations: Type.Optional(Type.Object({
    keys: Type.Record(Type.String({ pattern: '^[0-9a-f]{64}$' }), TufKeySchema),
    roles: Type.Array(DelegatedRoleSchema),
  }, closed)),
}, closed);
export type TargetsSigned = Static<typeof TargetsSignedSchema>;

export type TufSigned = RootSigned | TargetsSigned | SnapshotSigned | TimestampSigned;

/** TUF §4.2.1: every metadata file is `{ signed, signatures }`. */
export const signedEnvelopeSchema = <T extends typeof RootSignedSchema | typeof TargetsSignedSchema
  | typeof SnapshotSignedSchema | typeof TimestampSignedSchema>(signed: T) =>
  Type.Object({ signed, signatures: Type.Array(TufSignatureSchema) }, closed);

export interface TufMetadata<T extends TufSigned> {
  readonly signed: T;
  readonly signatures: readonly TufSignature[];
}

export const tufMetadataSchemas = {
  root: signedEnvelopeSchema(RootSignedSchema),
  targets: signedEnvelopeSchema(TargetsSignedSchema),
  snapshot: signedEnvelopeSchema(SnapshotSignedSchema),
  timestamp: signedEnvelopeSchema(TimestampSignedSchema),
} as const;
