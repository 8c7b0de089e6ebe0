// Firmware on the wire (docs/protocol.md, docs/firmware.md): what a `firmware-update` command
// carries, the `firmware-progress` events a device reports on up/events, and the firmware a device
// runs as its status message says it.
//
//   command fw  { c: campaign, t: TUF target path, v: version, nb?: not before, na?: not after (ms since the epoch) }
//   event       { kind: "firmware-progress", campaign, target, version, state, reason? }
//   status      "firmware": { "version", "slot": "a"|"b", "securityVersion" }
//
// The command only names the image: what the device installs is decided by the signed TUF metadata
// it checks itself, so a forged or stale name can at worst make it refuse.
import { DecodeError } from '../errors.ts';
import { isMap, isTime } from './limits.ts';

export interface FirmwareUpdateArgs {
  readonly campaign: string;
  /** The TUF target path, `<model>/<hw>/<model>-<hw>-<version>.bin`. */
  readonly target: string;
  readonly version: string;
  /** The maintenance window, ms since the epoch on the device's clock: no download before `notBefore`, none started after `notAfter`. */
  readonly notBefore?: number;
  readonly notAfter?: number;
}

export type FirmwareProgressState =
  | 'pending' | 'offered' | 'downloading' | 'downloaded' | 'installing' | 'trial' | 'committed' | 'rolled-back' | 'failed';
export const firmwareProgressStates: readonly FirmwareProgressState[] = [
  'pending', 'offered', 'downloading', 'downloaded', 'installing', 'trial', 'committed', 'rolled-back', 'failed',
];

export interface FirmwareProgress {
  readonly kind: 'firmware-progress';
  readonly campaign: string;
  readonly target: string;
  readonly version: string;
  readonly state: FirmwareProgressState;
  readonly reason?: string;
}

/** The firmware a device runs, in its status message. */
export interface StatusFirmware {
  readonly version: string;
  readonly slot: 'a' | 'b';
  readonly securityVersion: number;
}

/** Campaign ids, versions and target paths: printable, bounded (they are logged and stored). */
const namePattern = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$/;
export const isFirmwareName = (value: unknown): value is string =>
  typeof value === 'string' && namePattern.test(value) && !value.includes('..');

export function encodeFirmwareUpdateArgs(args: FirmwareUpdateArgs): Record<string, unknown> {
  return {
    c: args.campaign, t: args.target, v: args.version,
    ...(args.notBefore === undefined ? {} : { nb: args.notBefore }), ...(args.notAfter === undefined ? {} : { na: args.notAfter }),
  };
}

/** Total: the arguments, or a DecodeError that names the field. */
export function decodeFirmwareUpdateArgs(value: unknown, id: string): FirmwareUpdateArgs {
  const fail = (what: string): never => {
    throw new DecodeError('PW_ERR_COMMAND_INVALID', `Cannot decode command ${id} (firmware-update): ${what}`);
  };
  if (!isMap(value)) return fail('its arguments (fw) are not a map');
  const { c, t, v, nb, na } = value;
  if (!isFirmwareName(c)) return fail('the campaign (c) is not 1 to 200 characters of A-Z a-z 0-9 . _ - /');
  if (!isFirmwareName(t)) return fail('the target path (t) is not 1 to 200 characters of A-Z a-z 0-9 . _ - / without ..');
  if (!isFirmwareName(v)) return fail('the version (v) is not 1 to 200 characters of A-Z a-z 0-9 . _ -');
  if (nb !== undefined && !isTime(nb)) return fail('not-before (nb) is not a time in ms since the epoch');
  if (na !== undefined && !isTime(na)) return fail('not-after (na) is not a time in ms since the epoch');
  if (nb !== undefined && na !== undefined && na <= nb) return fail(`the window ends (na ${na}) before it starts (nb ${nb})`);
  return {
    campaign: c, target: t, version: v, ...(nb === undefined ? {} : { notBefore: nb }), ...(na === undefined ? {} : { notAfter: na }),
  };
}

/** A firmware-progress event body as the head-end reads it, or undefined when it is not one. */
export function decodeFirmwareProgress(value: unknown): FirmwareProgress | undefined {
  if (!isMap(value) || value['kind'] !== 'firmware-progress') return undefined;
  const { campaign, target, version, state, reason } = value;
  if (!isFirmwareName(campaign) || !isFirmwareName(target) || !isFirmwareName(version)) return undefined;
  if (typeof state !== 'string' || !(firmwareProgressStates as readonly string[]).includes(state)) return undefined;
  if (reason !== undefined && (typeof reason !== 'string' || reason.length > 1000)) return undefined;
  return {
    kind: 'firmware-progress', campaign, target, version, state: state as FirmwareProgressState,
    ...(reason === undefined ? {} : { reason }),
  };
}

export function isStatusFirmware(value: unknown): value is StatusFirmware {
  if (!isMap(value)) return false;
  const { version, slot, securityVersion } = value;
  return isFirmwareName(version) && version.length <= 40 && (slot === 'a' || slot === 'b')
    && Number.isSafeInteger(securityVersion) && (securityVersion as number) >= 0 && (securityVersion as number) <= 2 ** 31;
}
