// The HTTP API's data transfer objects: TypeBox schemas (the route schemas and the OpenAPI document
// are made from them) and their static types. The dashboard imports the types with `import type`
// only. This is the contract of /work/shared api-contract (v1): fields may be added, never renamed.
// Times are ISO-8601 UTC strings; quantity keys are OBIS codes of @phasewire/core's catalogue.
import { Type } from 'typebox';
import type { Static, TSchema } from 'typebox';

const nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const isoTime = Type.String({ description: 'ISO-8601 UTC time', format: 'date-time' });

export const Role = Type.Union([Type.Literal('viewer'), Type.Literal('analyst'), Type.Literal('operator'), Type.Literal('admin'),
  Type.Literal('billing')]);
export type Role = Static<typeof Role>;
export const TokenScope = Type.Union([Type.Literal('read'), Type.Literal('command'), Type.Literal('admin'), Type.Literal('billing')]);
export type TokenScope = Static<typeof TokenScope>;
export const LinkProfile = Type.Union([Type.Literal('wifi'), Type.Literal('cellular'), Type.Literal('rs485')]);
export type LinkProfile = Static<typeof LinkProfile>;

export const ErrorBody = Type.Object({
  error: Type.Object({
    code: Type.String(),
    message: Type.String(),
    field: Type.Optional(Type.String({ description: 'JSON pointer of the bad field, e.g. /body/serial' })),
  }),
});
export type ErrorBody = Static<typeof ErrorBody>;

// ── session and users
export const User = Type.Object({ id: Type.String(), username: Type.String(), role: Role, tenant: Type.String() });
export type User = Static<typeof User>;
export const UserAdmin = Type.Object({
  id: Type.String(), username: Type.String(), role: Role, tenant: Type.String(), disabled: Type.Boolean(), createdAt: isoTime,
});
export type UserAdmin = Static<typeof UserAdmin>;
export const Session = Type.Object({ user: User, csrfToken: Type.String() });
export type Session = Static<typeof Session>;
export const LoginBody =
  Type.Object({ username: Type.String({ minLength: 1, maxLength: 64 }), password: Type.String({ minLength: 1, maxLength: 256 }) });
export type LoginBody = Static<typeof LoginBody>;
export const PasswordChangeBody =
  Type.Object({ current: Type.String({ minLength: 1, maxLength: 256 }), next: Type.String({ minLength: 12, maxLength: 256 }) });
export type PasswordChangeBody = Static<typeof PasswordChangeBody>;
export const UserCreateBody = Type.Object({
  username: Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{1,63}$' }),
  password: Type.String({ minLength: 12, maxLength: 256 }),
  role: Role,
});
export type UserCreateBody = Static<typeof UserCreateBody>;
export const UserPatchBody = Type.Object({
  role: Type.Optional(Role),
  disabled: Type.Optional(Type.Boolean()),
  password: Type.Optional(Type.String({ minLength: 12, maxLength: 256 })),
}, { minProperties: 1 });
export type UserPatchBody = Static<typeof UserPatchBody>;
export const UserList = Type.Object({ items: Type.Array(UserAdmin) });
export type UserList = Static<typeof UserList>;

// ── bearer tokens
export const ApiToken = Type.Object({
  id: Type.String(), name: Type.String(), scopes: Type.Array(TokenScope), tenant: Type.String(),
  createdAt: isoTime, expiresAt: isoTime, createdBy: Type.String(),
});
export type ApiToken = Static<typeof ApiToken>;
export const ApiTokenCreated =
  Type.Intersect([ApiToken, Type.Object({ token: Type.String({ description: 'pwt_<id>_<secret>: shown once, stored only hashed' }) })]);
export type ApiTokenCreated = Static<typeof ApiTokenCreated>;
export const TokenCreateBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100 }),
  scopes: Type.Array(TokenScope, { minItems: 1, maxItems: 4, uniqueItems: true }),
  expiresInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 366 })),
});
export type TokenCreateBody = Static<typeof TokenCreateBody>;
export const TokenList = Type.Object({ items: Type.Array(ApiToken) });
export type TokenList = Static<typeof TokenList>;

// ── fleet and meters
const AlarmCounts = Type.Object({ warn: Type.Integer(), critical: Type.Integer() });
const OnlineCounts = Type.Object({ online: Type.Integer(), offline: Type.Integer() });
export const FleetSummary = Type.Object({
  meters: Type.Integer(), online: Type.Integer(), offline: Type.Integer(),
  byLink: Type.Object({ wifi: OnlineCounts, cellular: OnlineCounts, rs485: OnlineCounts }),
  activeAlarms: AlarmCounts,
  completenessToday: nullable(Type.Number({ description: 'measured intervals / expected intervals so far today, 0..1' })),
});
export type FleetSummary = Static<typeof FleetSummary>;

export const MeterState = Type.Union([Type.Literal('enrolled'), Type.Literal('active'), Type.Literal('revoked')]);
export type MeterState = Static<typeof MeterState>;
export const MeterSummary = Type.Object({
  id: Type.String(), model: nullable(Type.String()), link: nullable(LinkProfile), state: MeterState,
  online: Type.Boolean(), lastSeen: nullable(isoTime), activeAlarms: AlarmCounts,
  vufPercent: nullable(Type.Number()), completenessToday: nullable(Type.Number()),
});
export type MeterSummary = Static<typeof MeterSummary>;
export const MeterList = Type.Object({ items: Type.Array(MeterSummary), total: Type.Integer(), nextCursor: nullable(Type.String()) });
export type MeterList = Static<typeof MeterList>;
export const MeterListQuery = Type.Object({
  status: Type.Optional(Type.Union([Type.Literal('online'), Type.Literal('offline')])),
  link: Type.Optional(LinkProfile),
  alarm: Type.Optional(Type.Literal('active')),
  q: Type.Optional(Type.String({ maxLength: 64 })),
  sort: Type.Optional(Type.Union([Type.Literal('imbalance'), Type.Literal('id'), Type.Literal('lastSeen')])),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
});
export type MeterListQuery = Static<typeof MeterListQuery>;
export const LatestValues = Type.Object({ at: isoTime, values: Type.Record(Type.String(), Type.Number()) });
export const MeterDetail = Type.Intersect([MeterSummary, Type.Object({
  serial: Type.String({ description: 'the device serial (its meter id)' }),
  tenant: Type.String(),
  groups: Type.Array(Type.String()),
  certificate: nullable(Type.Object({ serial: Type.String(), notAfter: nullable(isoTime) })),
  latest: nullable(LatestValues),
})]);
export type MeterDetail = Static<typeof MeterDetail>;

// ── readings, rollups, intervals, quality
export const RangeQuery = Type.Object({ from: Type.Optional(isoTime), to: Type.Optional(isoTime) });
export type RangeQuery = Static<typeof RangeQuery>;
export const ReadingsQuery =
  Type.Object({ quantity: Type.String({ maxLength: 32 }), from: Type.Optional(isoTime), to: Type.Optional(isoTime) });
export type ReadingsQuery = Static<typeof ReadingsQuery>;
export const Readings = Type.Object({
  meter: Type.String(), quantity: Type.String(), unit: Type.String(),
  points: Type.Array(Type.Tuple([Type.String(), Type.Number()])),
});
export type Readings = Static<typeof Readings>;
export const CsvQuery =
  Type.Object({ quantities: Type.String({ maxLength: 400 }), from: Type.Optional(isoTime), to: Type.Optional(isoTime) });
export type CsvQuery = Static<typeof CsvQuery>;
export const RollupQuery = Type.Object({
  quantity: Type.String({ maxLength: 32 }), period: Type.Union([Type.Literal('hour'), Type.Literal('day'), Type.Literal('month')]),
  from: Type.Optional(isoTime), to: Type.Optional(isoTime),
});
export type RollupQuery = Static<typeof RollupQuery>;
export const Rollups = Type.Object({
  points: Type.Array(Type.Object({ start: isoTime, sum: Type.Number(), min: nullable(Type.Number()), max: nullable(Type.Number()),
    count: Type.Integer() })),
});
export type Rollups = Static<typeof Rollups>;
export const IntervalQualityDto =
  Type.Union([Type.Literal('valid'), Type.Literal('estimated'), Type.Literal('edited'), Type.Literal('failed'), Type.Literal('missing')]);
export type IntervalQualityDto = Static<typeof IntervalQualityDto>;
export const IntervalPoint =
  Type.Object({ start: isoTime, value: nullable(Type.Number()), quality: IntervalQualityDto, rule: Type.Optional(Type.String()) });
export type IntervalPoint = Static<typeof IntervalPoint>;
export const Intervals = Type.Object({ points: Type.Array(IntervalPoint) });
export type Intervals = Static<typeof Intervals>;
export const IntervalEditBody = Type.Object({
  quantity: Type.String({ maxLength: 32 }), start: isoTime, value: Type.Number({ minimum: 0 }),
  reason: Type.String({ minLength: 1, maxLength: 500 }),
});
export type IntervalEditBody = Static<typeof IntervalEditBody>;
export const QualityDays = Type.Object({
  days: Type.Array(Type.Object({ day: Type.String({ description: 'YYYY-MM-DD (UTC)' }), completeness: Type.Number(),
    estimated: Type.Integer(), edited: Type.Integer(), failed: Type.Integer() })),
});
export type QualityDays = Static<typeof QualityDays>;

// ── power quality
// Units: every unbalance figure, current unbalance and an event's depth in percent; power factor
// and THD as the catalogue's ratios ('1'); neutral current in A. `units` names each in the answer.
const percentFigure = (standard: string) => Type.Object({
  value: nullable(Type.Number({ description: 'percent' })), unit: Type.Literal('%'), standard: Type.Literal(standard),
});
export const PowerQualityUnits = Type.Object({
  unbalance: Type.Literal('%'), currentUnbalance: Type.Literal('%'), neutralCurrent: Type.Literal('A'),
  powerFactor: Type.Literal('1'), thd: Type.Literal('1'), eventDepth: Type.Literal('%'),
});
export type PowerQualityUnits = Static<typeof PowerQualityUnits>;
export const powerQualityUnits: PowerQualityUnits = {
  unbalance: '%', currentUnbalance: '%', neutralCurrent: 'A', powerFactor: '1', thd: '1', eventDepth: '%',
};
export const PowerQuality = Type.Object({
  unbalance: Type.Object({
    vuf: percentFigure('IEC 61000-4-30 VUF'), lvur: percentFigure('NEMA MG 1 LVUR'), pvur: percentFigure('IEEE 112 PVUR'),
  }),
  currentUnbalance: nullable(Type.Number({ description: 'percent' })),
  neutralCurrent: nullable(Type.Number({ description: 'A' })),
  powerFactor: Type.Object(
    { l1: nullable(Type.Number()), l2: nullable(Type.Number()), l3: nullable(Type.Number()) },
    { description: 'P/S, signed as P; null where a phase carries no current' },
  ),
  thd: Type.Record(Type.String(), nullable(Type.Number({ description: 'ratio to the fundamental' }))),
  events: Type.Array(Type.Object({
    kind: Type.Union([Type.Literal('sag'), Type.Literal('swell'), Type.Literal('interruption')]),
    start: isoTime, end: nullable(isoTime),
    depth: Type.Number({ description: 'percent of Udin below it (sag, interruption) or above it (swell)' }),
  })),
  units: PowerQualityUnits,
  en50160: nullable(Type.Record(Type.String(), Type.Unknown())),
});
export type PowerQuality = Static<typeof PowerQuality>;

// ── alarms
export const AlarmDto = Type.Object({
  id: Type.String(), meter: Type.String(), type: Type.String(),
  state: Type.Union([Type.Literal('raised'), Type.Literal('escalated'), Type.Literal('acknowledged'), Type.Literal('cleared')]),
  severity: Type.Union([Type.Literal('warn'), Type.Literal('critical')]),
  raisedAt: isoTime, clearedAt: nullable(isoTime),
  value: nullable(Type.Number({
    description: 'in `unit`: percent for every ratio (unbalance, voltage / Udin, neutral current / Imax), a plain power factor, '
      + 'whole intervals for counts',
  })),
  peak: nullable(Type.Number({ description: 'the worst value of the occurrence, in `unit`' })),
  unit: Type.Union([Type.Literal('%'), Type.Literal('1'), Type.Literal('intervals')]),
  acknowledgement: nullable(Type.Object({ at: isoTime, actor: Type.String(), note: Type.String() })),
});
export type AlarmDto = Static<typeof AlarmDto>;
export const AlarmListParams = Type.Object({
  state: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('all')])),
  meter: Type.Optional(Type.String({ maxLength: 64 })),
  severity: Type.Optional(Type.Union([Type.Literal('warn'), Type.Literal('critical')])),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
});
export type AlarmListParams = Static<typeof AlarmListParams>;
export const AlarmList = Type.Object({ items: Type.Array(AlarmDto), nextCursor: nullable(Type.String()) });
export type AlarmList = Static<typeof AlarmList>;
export const AcknowledgeBody = Type.Object({ note: Type.String({ minLength: 1, maxLength: 500 }) });
export type AcknowledgeBody = Static<typeof AcknowledgeBody>;

// ── commands, revocation, enrollment
export const CommandKindDto = Type.Union([
  Type.Literal('read'), Type.Literal('clock-sync'), Type.Literal('disconnect'), Type.Literal('reconnect'),
  Type.Literal('protection-settings'), Type.Literal('protection-arm'), Type.Literal('protection-disarm'), Type.Literal('firmware-update'),
]);
export type CommandKindDto = Static<typeof CommandKindDto>;
export const CommandBody = Type.Object({
  kind: Type.Union([
    Type.Literal('read'), Type.Literal('clock-sync'), Type.Literal('disconnect'), Type.Literal('reconnect'),
    Type.Literal('protection-arm'), Type.Literal('protection-disarm'),
  ], { description: 'protection settings go by PUT /api/v1/meters/:id/protection' }),
  confirm: Type.Optional(Type.Boolean({
    description: 'reconnect only: close a relay an earlier reconnect armed (a meter with local protection arms on the first reconnect)',
  })),
});
export type CommandBody = Static<typeof CommandBody>;
export const CommandResult = Type.Object({
  id: Type.String(), kind: CommandKindDto,
  status: Type.Union([Type.Literal('done'), Type.Literal('failed'), Type.Literal('pending'), Type.Literal('timeout')], {
    description: 'pending: sent, not answered yet (a cellular meter answers when it wakes; GET the command later); '
      + 'timeout: expired unanswered, and the meter has since sent later readings: it did not run and will not',
  }),
  result: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  reason: Type.Optional(Type.String()),
  expiresAt: Type.Optional(Type.String({ description: 'after this the meter refuses the command (ISO-8601 UTC, on its clock)',
    format: 'date-time' })),
});
export type CommandResult = Static<typeof CommandResult>;
export const RevokeBody = Type.Object({ reason: Type.String({ minLength: 1, maxLength: 500 }) });
export type RevokeBody = Static<typeof RevokeBody>;
export const EnrollmentTokenBody = Type.Object({
  serial: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{2,63}$', description: 'the meter id the token enrolls' }),
  expiresInHours: Type.Optional(Type.Integer({ minimum: 1, maximum: 720 })),
});
export type EnrollmentTokenBody = Static<typeof EnrollmentTokenBody>;
export const EnrollmentToken = Type.Object({ token: Type.String(), serial: Type.String(), expiresAt: isoTime });
export type EnrollmentToken = Static<typeof EnrollmentToken>;

// ── audit
export const AuditEntryDto = Type.Object({
  id: Type.String(), at: isoTime, actor: Type.String(), action: Type.String(), object: Type.String(),
  detail: Type.Record(Type.String(), Type.Unknown()),
});
export type AuditEntryDto = Static<typeof AuditEntryDto>;
export const AuditList = Type.Object({ items: Type.Array(AuditEntryDto), nextCursor: nullable(Type.String()) });
export type AuditList = Static<typeof AuditList>;
export const PageQuery = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })) });
export type PageQuery = Static<typeof PageQuery>;

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
export type IdParams = Static<typeof IdParams>;
export const CommandParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64 }), command: Type.String({ minLength: 1, maxLength: 64 }),
});
export type CommandParams = Static<typeof CommandParams>;

// ── live feed (WebSocket /api/v1/live)
export type LiveMessage =
  | { readonly type: 'reading'; readonly meter: string; readonly at: string; readonly values: Readonly<Record<string, number>> }
  | { readonly type: 'meter'; readonly meter: string; readonly online: boolean; readonly state: MeterState;
    readonly lastSeen: string | null }
  | { readonly type: 'alarm'; readonly alarm: AlarmDto };
export type LiveClientMessage = { readonly type: 'subscribe'; readonly meters: readonly string[] | '*' };

// ── local protection
export const ProtectionTrip = Type.Object({
  receivedAt: isoTime,
  at: isoTime,
  fn: Type.String({ description: 'the function that tripped (docs/protection.md)' }),
  reason: Type.String(),
  settingsVersion: Type.Integer(),
  record: Type.Record(Type.String(), Type.Unknown(), {
    description: 'the trip record as the meter sent it: values at the trip and before it (phasors, RMS), the sequence of events',
  }),
});
export type ProtectionTrip = Static<typeof ProtectionTrip>;
export const ProtectionDto = Type.Object({
  settings: nullable(Type.Object({
    version: Type.Integer(), confirmedAt: isoTime, command: Type.String(), settings: Type.Record(Type.String(), Type.Unknown()),
  }, { description: 'the settings the meter last confirmed; null: none sent (the meter runs its defaults, or has no protection)' })),
  trips: Type.Array(ProtectionTrip, { description: 'newest first' }),
});
export type ProtectionDto = Static<typeof ProtectionDto>;
