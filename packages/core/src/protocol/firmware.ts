// Firmware over the air, as the meter and the head-end speak of it (docs/firmware.md, campaigns):
//
//   firmware-update command   sealed `command` with op `firmware-update` and `fw` (FirmwareUpdateArgs):
//                             the campaign, the TUF target path, its version, and the window in which
//                             the device may install it (ms since the epoch).
//   firmware-progress event   sealed `event` on up/events, kind `firmware-progress` (FirmwareProgress):
//                             how far the device got with that target, and why it stopped.
//   status `firmware`         what the device runs (FirmwareRunning), in its plain status message.
//
// These schemas are the one definition both ends check against; the image itself is verified by the
// device's TUF client, not by anything here.
import { Type, type Static, type TSchema } from 'typebox';
import { assertSchema, problemMessage } from '../schema/index.ts';
import { DecodeError } from '../errors.ts';

const closed = { additionalProperties: false } as const;

/** A firmware version: dotted numbers (SemVer 2.0.0 §2's core), as the TUF repository names them. */
export const firmwareVersionPattern = '^\\d{1,6}\\.\\d{1,6}\\.\\d{1,6}$';
/** A campaign id: it names the campaign in commands, events, URLs and the audit log. */
export const campaignIdPattern = '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$';
/** A TUF target path `<model>/<hw>/<model>-<hw>-<version>.bin` (docs/firmware.md), no `..`, no leading slash. */
export const firmwareTargetPattern = '^[A-Za-z0-9][A-Za-z0-9._-]{0,39}/[A-Za-z0-9][A-Za-z0-9._-]{0,39}/[A-Za-z0-9][A-Za-z0-9._-]{0,126}$';

const epochMs = (description: string) => Type.Optional(Type.Integer({
  minimum: 0, maximum: Number.MAX_SAFE_INTEGER, expected: 'a time in ms since the epoch', description,
}));
const Version = Type.String({ pattern: firmwareVersionPattern, expected: 'a version such as 1.4.0', description: 'The firmware version.' });
const CampaignId = Type.String({ pattern: campaignIdPattern, expected: 'a campaign id (1 to 64 of A-Z a-z 0-9 _ -)' });
const Target = Type.String({ pattern: firmwareTargetPattern, expected: 'a TUF target path <model>/<hw>/<file>' });

/** The arguments of a `firmware-update` command (wire field `fw`). */
export const FirmwareUpdateArgsSchema = Type.Object({
  campaign: { ...CampaignId, description: 'The campaign that offers the image; the device names it in every progress event.' },
  target: { ...Target, description: 'The TUF target path of the image; the device fetches and verifies it through its TUF client.' },
  version: Version,
  notBefore: epochMs('The device installs no earlier than this (the start of the campaign\'s maintenance window).'),
  notAfter: epochMs('The device installs no later than this; past it, it reports failed and waits for the next offer.'),
}, { ...closed, description: 'firmware-update command arguments' });
export type FirmwareUpdateArgs = Static<typeof FirmwareUpdateArgsSchema>;

/**
 * A device's firmware state in a campaign, in the order a good update passes through them:
 * pending (chosen, not yet sent), offered (command sent), downloading, downloaded (verified, in the
 * inactive slot), installing (restarting into it), trial (running it until the health check),
 * committed (the check passed); or rolled-back (the check failed, the old slot runs) or failed
 * (refused or not done, with the reason).
 */
export const firmwareStates = [
  'pending', 'offered', 'downloading', 'downloaded', 'installing', 'trial', 'committed', 'rolled-back', 'failed',
] as const;
export type FirmwareState = (typeof firmwareStates)[number];
/** The states a device leaves only when a new campaign offers it something again. */
export const finalFirmwareStates: readonly FirmwareState[] = ['committed', 'rolled-back', 'failed'];

export const firmwareProgressKind = 'firmware-progress';

/** The body of a `firmware-progress` event (sealed, on up/events). */
export const FirmwareProgressSchema = Type.Object({
  kind: Type.Literal(firmwareProgressKind),
  campaign: CampaignId,
  target: Target,
  version: Version,
  state: Type.Enum([...firmwareStates], { description: 'How far the device got (firmwareStates).' }),
  reason: Type.Optional(Type.String({ maxLength: 500, description: 'Why it failed or rolled back, a sentence (a PW_ERR_ code first).' })),
}, { description: 'firmware-progress event' });
export type FirmwareProgress = Static<typeof FirmwareProgressSchema>;

/** What the device runs, in its status message (`firmware`). */
export const FirmwareRunningSchema = Type.Object({
  version: Version,
  slot: Type.Enum(['a', 'b'], { description: 'The A/B slot it booted.' }),
  securityVersion: Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1, description: 'Its anti-rollback floor.' }),
}, { ...closed, description: 'running firmware' });
export type FirmwareRunning = Static<typeof FirmwareRunningSchema>;

type Code = 'PW_ERR_COMMAND_INVALID' | 'PW_ERR_FIRMWARE_PROGRESS' | 'PW_ERR_STATUS_INVALID';
function check<S extends TSchema>(schema: S, value: unknown, code: Code, what: string): Static<S> {
  assertSchema(schema, value, (problem) => {
    throw new DecodeError(code, `Cannot decode ${what}: ${problemMessage(problem)}`);
  });
  return value;
}

/** Checks the `fw` field of a firmware-update command (PW_ERR_COMMAND_INVALID naming the field). */
export function parseFirmwareUpdateArgs(value: unknown, what = 'firmware-update arguments'): FirmwareUpdateArgs {
  const args = check(FirmwareUpdateArgsSchema, value, 'PW_ERR_COMMAND_INVALID', what);
  if (args.notBefore !== undefined && args.notAfter !== undefined && args.notAfter <= args.notBefore) {
    throw new DecodeError('PW_ERR_COMMAND_INVALID',
      `Cannot decode ${what}: notAfter (${args.notAfter}) is not after notBefore (${args.notBefore})`);
  }
  return args;
}

/**
 * Reads a firmware-progress event body (an opened event of that kind; fields a later version adds are
 * ignored). PW_ERR_FIRMWARE_PROGRESS names the field that does not fit.
 */
export function parseFirmwareProgress(value: unknown): FirmwareProgress {
  const body = value instanceof Map ? Object.fromEntries(value as Map<string, unknown>) : value;
  const progress = check(FirmwareProgressSchema, body, 'PW_ERR_FIRMWARE_PROGRESS', 'a firmware-progress event');
  const { kind, campaign, target, version, state, reason } = progress;
  return { kind, campaign, target, version, state, ...(reason === undefined ? {} : { reason }) };
}

/** Checks the `firmware` field of a status message. */
export function parseFirmwareRunning(value: unknown): FirmwareRunning {
  return check(FirmwareRunningSchema, value, 'PW_ERR_STATUS_INVALID', 'the firmware of a status message');
}
