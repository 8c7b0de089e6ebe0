// What the MDM service needs to know about each meter (VEE and analytics metadata, alarm groups),
// as plain configuration: defaults for every meter, overridden per meter. The service is given this
// by the server composition (from the registry or a file); a meter not named gets the defaults.
import { amperes, hertz, volts, wattHours, type MeterId } from '@phasewire/core';
import type { MeterExchange, MeterMetadata, Period } from '../types.ts';

export interface MeterSetup {
  /** Declared line-to-neutral voltage Udin, V (default 230). */
  readonly nominalVoltage?: number;
  /** Hz (default 50). */
  readonly nominalFrequency?: number;
  /** CT ratio, primary over secondary (default 1: a direct meter). */
  readonly ctRatio?: number;
  /** Imax on the meter's own side, A (default 100). */
  readonly maxCurrent?: number;
  /** The energy register wraps at this value, Wh (default 1e10: 8 digits of 0.1 kWh… kept generous). */
  readonly registerModulus?: number;
  /** Alarm configuration groups, most general first (default none). */
  readonly groups?: readonly string[];
  readonly disconnected?: readonly Period[];
  readonly exchanges?: readonly MeterExchange[];
  /**
   * When the meter was installed, ISO 8601 with a zone (`2026-03-02T08:00:00Z`);
   * default: its first reading. VEE estimates nothing before it.
   */
  readonly installedAt?: string;
}

export interface MeterSetupConfig {
  readonly defaults?: MeterSetup;
  readonly meters?: Readonly<Record<string, MeterSetup>>;
}

/** 15-minute load profile: the store's interval (store/periods.ts). */
export const serviceIntervalMs = 900_000;

/** The time of an `installedAt` text, or null when it is not an ISO 8601 time with a zone. */
export function installationTime(text: string): number | null {
  const at = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/.test(text) ? Date.parse(text) : Number.NaN;
  return Number.isFinite(at) ? at : null;
}

export function meterMetadata(meter: MeterId, config: MeterSetupConfig = {}): MeterMetadata {
  const s: MeterSetup = { ...config.defaults, ...config.meters?.[meter] };
  const installedAt = s.installedAt === undefined ? null : installationTime(s.installedAt);
  return {
    meter,
    intervalMs: serviceIntervalMs,
    nominalVoltage: volts(s.nominalVoltage ?? 230),
    nominalFrequency: hertz(s.nominalFrequency ?? 50),
    ctRatio: s.ctRatio ?? 1,
    maxCurrent: amperes(s.maxCurrent ?? 100),
    registerModulus: wattHours(s.registerModulus ?? 1e10),
    disconnected: s.disconnected ?? [],
    exchanges: s.exchanges ?? [],
    groups: s.groups ?? [],
    ...(installedAt === null ? {} : { installedAt }),
  };
}
