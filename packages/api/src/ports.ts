// The narrow ports the HTTP API needs from the rest of the server. The composition fits the head-end,
// the alarm service and the enrollment token store to them; tests fit fakes or the real adapters.
import type { MeterId } from '@phasewire/core';
import type { CommandKind, CommandParams, CommandRecord, ProtectionFleetView, ProtectionView } from '@phasewire/headend';
import type { DeviceRegistry } from '@phasewire/headend';
import type { BillingStore, TimeRange } from '@phasewire/store';
import type { CampaignService } from '@phasewire/mdm/campaigns';
import type { AlarmDto, PowerQuality, Role, TokenScope } from './dto.ts';

/** A firmware image the repository publishes (its signed custom fields, docs/firmware.md). */
export interface FirmwareImageInfo {
  readonly target: string;
  readonly model: string;
  readonly hardwareRevision: string;
  readonly version: string;
  readonly securityVersion: number;
  readonly length: number;
  readonly sha256: string;
}

/** Firmware (routes-firmware.ts): the repository's images and the campaigns. */
export interface FirmwarePort {
  readonly campaigns: CampaignService;
  /** The published images; none when the server has no repository. */
  images(): Promise<readonly FirmwareImageInfo[]>;
}

/** Billing (routes-billing.ts): the billing store and the run settings of the server's configuration. */
export interface BillingPort {
  readonly store: BillingStore;
  /** A bill whose completeness is below this share (0..1) is held for review. */
  readonly completenessLimit: number;
  /** Service points read per interval query in a run. */
  readonly batchSize?: number;
  /** The cycle day of an account created without one (server configuration billing.cycleDay; default 1). */
  readonly defaultCycleDay?: number;
}

/** The head-end as the API uses it (`HeadEnd` of src/node/headend fits as it is). */
export interface DevicePort {
  readonly registry: DeviceRegistry;
  /** Sends a command: its record once the meter answered, or `pending` after the wait (headend/command-record.ts). */
  sendCommand(device: MeterId, kind: CommandKind, waitMs?: number, params?: CommandParams): Promise<CommandRecord>;
  /** The settings the meter last confirmed and its trips, newest first; absent: the composition keeps none. */
  protection?(device: MeterId): ProtectionView;
  /**
   * The fleet's latest trips and the meters whose relay is open now; absent: the composition keeps none.
   * `keep`: the devices the caller may see, applied before `limit` (another tenant's many trips never hide the caller's).
   */
  protectionFleet?(limit: number, keep?: (device: string) => boolean): ProtectionFleetView;
  /** What is known of command `id` sent to `device`; undefined when the device had no such command. */
  command(device: MeterId, id: string): CommandRecord | undefined;
  /** Marks the device revoked and drops its live sessions at once. */
  revokeDevice(device: MeterId): Promise<void>;
  /** Revokes the device's certificate at the CA (by certificate serial), when the composition has the CA. */
  revokeCertificate?(certificateSerial: string): Promise<void>;
  /** The certificate's expiry (ms), when the composition can look it up. */
  certificateNotAfter?(certificateSerial: string): number | null;
}

/** Enrollment tokens for meters (the CA's token store behind createToken). */
export interface EnrollmentPort {
  /** Creates a one-time token for the meter; returns the token text (shown once) and its expiry (ms). */
  createToken(meter: MeterId, lifetimeMs: number): Promise<{ token: string; expiresAt: number }>;
}

export interface ApiAlarmQuery {
  readonly meters: ReadonlySet<string>;
  readonly activeOnly: boolean;
  readonly meter?: string;
  readonly severity?: 'warn' | 'critical';
}

/** The alarm service of the MDM (list, get, acknowledge); the API filters by tenant through `meters`. */
export interface AlarmPort {
  /** Alarms of the given meters, newest raise first. */
  list(query: ApiAlarmQuery): Promise<readonly AlarmDto[]>;
  get(id: string): Promise<AlarmDto | undefined>;
  /** Acknowledges; PW_ERR_ALARM_TRANSITION when the alarm is not raised or escalated. */
  acknowledge(id: string, actor: string, note: string): Promise<AlarmDto>;
}

/** Per-meter figures the MDM computes: the unbalance summary, and VUF for the fleet's sort. */
export interface PowerQualityPort {
  summary(meter: MeterId, range: TimeRange): Promise<PowerQuality | null>;
  /** The latest voltage unbalance factor (IEC 61000-4-30), %, or null when unknown. */
  vufPercent(meter: MeterId): number | null;
  /** The meter's declared voltage Udin (V) and nominal frequency (Hz) from the MDM's meter setup; the setup's defaults without it. */
  declared?(meter: MeterId): { readonly voltage: number; readonly frequency: number };
}

/** An event for the live feed; the API keeps only the caller's tenant's. Times are ms since the epoch. */
export type LiveEvent =
  | { readonly type: 'reading'; readonly meter: string; readonly at: number; readonly values: Readonly<Record<string, number>> }
  | { readonly type: 'meter'; readonly meter: string }
  | { readonly type: 'alarm'; readonly alarm: AlarmDto };

/** Where live events come from (the in-process hub of src/node/live-hub.ts). */
export interface LiveSource {
  /** Calls `listener` for every event until the returned function is called. */
  subscribe(listener: (event: LiveEvent) => void): () => void;
}

// ── accounts: users, sessions, tokens, audit, meter tenants

export interface UserRecord {
  readonly id: string;
  readonly username: string;
  readonly role: Role;
  readonly tenant: string;
  /** `scrypt$N$r$p$salt$hash` (node/passwords.ts). */
  readonly passwordHash: string;
  readonly disabled: boolean;
  readonly createdAt: number;
}

export interface SessionRecord {
  /** SHA-256 (hex) of the session id in the cookie: a copy of the database signs nobody in. */
  readonly idHash: string;
  readonly userId: string;
  readonly csrfToken: string;
  readonly createdAt: number;
  readonly lastUsed: number;
  readonly expiresAt: number;
}

export interface TokenRecord {
  readonly id: string;
  readonly name: string;
  readonly scopes: readonly TokenScope[];
  readonly tenant: string;
  /** SHA-256 (hex) of the secret. */
  readonly secretHash: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly createdBy: string;
}

export interface AuditRecord {
  readonly seq: number;
  readonly at: number;
  readonly tenant: string;
  readonly actor: string;
  readonly action: string;
  readonly object: string;
  readonly detail: Readonly<Record<string, unknown>>;
}

export type NewAuditRecord = Omit<AuditRecord, 'seq'>;

/** The API's own state. Append-only audit: there is no method that changes or removes an entry. */
export interface AccountStore {
  userCount(): number;
  userById(id: string): UserRecord | undefined;
  userByName(username: string): UserRecord | undefined;
  users(tenant: string): readonly UserRecord[];
  /** PW_ERR_API_CONFLICT when the user name is taken. */
  addUser(user: UserRecord): void;
  updateUser(id: string, change: { role?: Role; disabled?: boolean; passwordHash?: string }): UserRecord;

  addSession(session: SessionRecord): void;
  session(idHash: string): SessionRecord | undefined;
  touchSession(idHash: string, at: number): void;
  removeSession(idHash: string): void;
  /** Ends every session of a user (after a password change or when disabled), but `keep`. */
  removeSessionsOf(userId: string, keep?: string): void;
  /** Removes expired sessions (and those idle since `idleBefore`). */
  pruneSessions(now: number, idleBefore: number): number;

  addToken(token: TokenRecord): void;
  token(id: string): TokenRecord | undefined;
  tokens(tenant: string): readonly TokenRecord[];
  removeToken(id: string): boolean;

  appendAudit(entry: NewAuditRecord): AuditRecord;
  /** Entries of a tenant with seq below `before` (all when undefined), newest first. */
  audit(tenant: string, limit: number, before?: number): readonly AuditRecord[];

  /** The tenant a meter belongs to: its assignment, else the default tenant. */
  tenantOf(meter: string): string;
  assignMeter(meter: string, tenant: string): void;
  close(): void;
}

/** One readiness check: `ok` or `failing`, with what was found (never a secret: probes are unauthenticated). */
export interface ReadinessCheck {
  readonly name: string;
  readonly state: 'ok' | 'failing';
  readonly detail: string;
}

export interface Readiness {
  /** Every check is ok. */
  readonly ready: boolean;
  readonly checks: readonly ReadinessCheck[];
}

/**
 * What the composition gives the API for operations (docs/operations.md): the readiness checks
 * behind /readyz and the Prometheus text behind /metrics. The API holds no metrics library.
 */
export interface OperationsPort {
  readiness(): Promise<Readiness>;
  /** The metrics in Prometheus' text format; /metrics answers 404 without it. */
  readonly metrics?: {
    readonly contentType: string;
    text(): Promise<string>;
    /**
     * The scrape token (`Authorization: Bearer <token>`); without one, /metrics answers loopback
     * clients only (docs/operations.md, "Who may scrape").
     */
    readonly token?: string;
  };
}
