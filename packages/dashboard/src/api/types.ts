// The shapes of HTTP API v1 as the dashboard reads them (docs: the API contract, packages/server's
// `api/dto.ts`). Declared here as plain types so the browser bundle carries no server code; the
// check in `dto-compat.ts` fails the type check when the server's DTOs drift from them.

export type Role = 'viewer' | 'analyst' | 'operator' | 'admin';
export type LinkProfile = 'wifi' | 'cellular' | 'rs485';
export type MeterState = 'enrolled' | 'active' | 'revoked';
export type AlarmSeverity = 'warn' | 'critical';
export type AlarmState = 'raised' | 'escalated' | 'acknowledged' | 'cleared';
export type Quality = 'valid' | 'estimated' | 'edited' | 'failed' | 'missing';
export type CommandKind = 'read' | 'clock-sync' | 'disconnect' | 'reconnect';

export interface SessionUser {
  readonly id: string;
  readonly username: string;
  readonly role: Role;
  readonly tenant: string;
}

export interface Session {
  readonly user: SessionUser;
  readonly csrfToken: string;
}

export interface LinkCounts {
  readonly online: number;
  readonly offline: number;
}

export interface AlarmCounts {
  readonly warn: number;
  readonly critical: number;
}

export interface FleetSummary {
  readonly meters: number;
  readonly online: number;
  readonly offline: number;
  readonly byLink: Readonly<Partial<Record<LinkProfile, LinkCounts>>>;
  readonly activeAlarms: AlarmCounts;
  readonly completenessToday: number | null;
}

export interface MeterSummary {
  readonly id: string;
  readonly model: string | null;
  readonly link: LinkProfile | null;
  readonly state: MeterState;
  readonly online: boolean;
  readonly lastSeen: string | null;
  readonly activeAlarms: AlarmCounts;
  readonly vufPercent: number | null;
  readonly completenessToday: number | null;
}

export interface MeterPage {
  readonly items: readonly MeterSummary[];
  readonly total: number;
  readonly nextCursor: string | null;
}

export interface MeterDetail extends MeterSummary {
  readonly serial: string;
  readonly groups: readonly string[];
  readonly certificate: { readonly serial: string; readonly notAfter: string | null } | null;
  readonly latest: { readonly at: string; readonly values: Readonly<Record<string, number>> } | null;
}

export interface Readings {
  readonly meter: string;
  readonly quantity: string;
  readonly unit: string;
  readonly points: readonly (readonly [string, number])[];
}

export interface RollupPoint {
  readonly start: string;
  readonly sum: number;
  readonly min: number | null;
  readonly max: number | null;
  readonly count: number;
}

export interface IntervalPoint {
  readonly start: string;
  readonly value: number | null;
  readonly quality: Quality;
  readonly rule?: string;
}

export interface QualityDay {
  readonly day: string;
  readonly completeness: number;
  readonly estimated: number;
  readonly edited: number;
  readonly failed: number;
}

/** An unbalance figure: in percent, labelled with the standard that defines it. */
export interface StandardFigure {
  readonly value: number | null;
  readonly unit: '%';
  readonly standard: string;
}

export interface PowerQuality {
  readonly unbalance: {
    readonly vuf: StandardFigure;
    readonly lvur: StandardFigure;
    readonly pvur: StandardFigure;
  };
  readonly currentUnbalance?: number | null;
  readonly neutralCurrent?: number | null;
  readonly powerFactor?: { readonly l1: number | null; readonly l2: number | null; readonly l3: number | null };
  /** `depth` in percent of Udin. */
  readonly events?: readonly { readonly kind: 'sag' | 'swell' | 'interruption'; readonly start: string; readonly end: string | null; readonly depth: number }[];
  readonly units: {
    readonly unbalance: '%'; readonly currentUnbalance: '%'; readonly neutralCurrent: 'A';
    readonly powerFactor: '1'; readonly thd: '1'; readonly eventDepth: '%';
  };
}

/** The unit of an alarm's value and peak: percent for ratios, a plain power factor, whole intervals for counts. */
export type AlarmUnit = '%' | '1' | 'intervals';

export interface Alarm {
  readonly id: string;
  readonly meter: string;
  readonly type: string;
  readonly state: AlarmState;
  readonly severity: AlarmSeverity;
  readonly raisedAt: string;
  readonly clearedAt: string | null;
  /** In `unit`. */
  readonly value: number | null;
  readonly peak: number | null;
  readonly unit: AlarmUnit;
  readonly acknowledgement: { readonly at: string; readonly actor: string; readonly note: string } | null;
}

export interface AlarmPage {
  readonly items: readonly Alarm[];
  readonly nextCursor: string | null;
}

export interface CommandResult {
  readonly id: string;
  readonly kind: CommandKind;
  readonly status: 'done' | 'failed' | 'pending' | 'timeout';
  readonly result?: Readonly<Record<string, unknown>>;
  readonly reason?: string;
  readonly expiresAt?: string;
}

export interface EnrollmentToken {
  readonly token: string;
  readonly serial: string;
  readonly expiresAt: string;
}

/** Messages of `GET /api/v1/live`. */
export type LiveMessage =
  | { readonly type: 'reading'; readonly meter: string; readonly at: string; readonly values: Readonly<Record<string, number>> }
  | { readonly type: 'meter'; readonly meter: string; readonly online: boolean; readonly state: MeterState; readonly lastSeen: string | null }
  | { readonly type: 'alarm'; readonly alarm: Alarm };

export interface ApiErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly field?: string };
}
