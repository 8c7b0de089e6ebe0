// The command (head-end → meter, sealed `command` on pw/v1/<device>/cmd/req) and its answer
// (meter → head-end, sealed `command-response` on pw/v1/<device>/cmd/res), inside the payload
// envelope as CBOR maps of version 1 (docs/protocol.md):
//
//   command           { v: 1, id, op, exp: expiry (ms since the epoch), t?: head-end time (clock-sync),
//                       k?, c?: the meter's last uplink envelope the head-end had when it stamped t,
//                       h?: how long after that envelope came it stamped t (ms),
//                       ps?: protection settings (protection-settings), cf?: true (a confirming reconnect),
//                       fw?: the image to install (firmware-update, firmware.ts) }
//   command-response  { v: 1, id, ok, code?, reason?, batch?, relay?, clockOffsetMs?, armed?, settingsVersion? }
//
// The envelope's counter and associated data make a command authentic and unreplayable; the id
// lets the meter execute it at most once and the expiry keeps it fresh. Decoders are total.
import { DecodeError, ValidationError } from '../errors.ts';
import type { WireBatch } from './reading-batch.ts';
import { parseFirmwareUpdateArgs, type FirmwareUpdateArgs } from './firmware.ts';
import { commandIdPattern, isMap, isTime, protocolLimits, wireCounter, wireErrorCodePattern } from './limits.ts';

export type CommandOp = 'read' | 'clock-sync' | 'disconnect' | 'reconnect' | 'protection-settings' | 'protection-arm' | 'protection-disarm'
  | 'firmware-update';
export const commandOps: readonly CommandOp[] = [
  'read', 'clock-sync', 'disconnect', 'reconnect', 'protection-settings', 'protection-arm', 'protection-disarm', 'firmware-update',
];

export interface Command {
  readonly id: string;
  readonly op: CommandOp;
  /** The meter refuses the command once its clock has reached this time, ms since the epoch. */
  readonly expiresAt: number;
  /** clock-sync: the head-end's time when it sent the command, ms since the epoch. */
  readonly time?: number;
  /**
   * clock-sync: the meter's last uplink envelope (key id `k`, counter `c`) the head-end had when it
   * stamped `time`, and how long after it came the head-end stamped it (`h`, ms). The meter knows
   * when it sent that envelope, so it bounds the command's time in transit on its own clock.
   */
  readonly after?: CommandAnchor;
  /** protection-settings: the settings, as sent (the meter checks them against their schema, protection-settings.ts). */
  readonly settings?: Readonly<Record<string, unknown>>;
  /** reconnect: closes a relay an earlier reconnect armed (utility practice: arm, then confirm). */
  readonly confirm?: true;
  /** firmware-update: the campaign, TUF target, version and install window (checked against FirmwareUpdateArgsSchema). */
  readonly firmware?: FirmwareUpdateArgs;
}

export interface CommandAnchor {
  readonly keyId: number;
  readonly counter: bigint;
  readonly heldMs?: number;
}

export type RelayPosition = 'open' | 'closed';

export interface CommandResponse {
  readonly v: 1;
  readonly id: string;
  readonly ok: boolean;
  /** Why it was refused: a stable PW_ERR_ code, and a sentence. */
  readonly code?: string;
  readonly reason?: string;
  /** read: the on-demand reading, in wire form (the receiver decodes it with fromWireBatch). */
  readonly batch?: WireBatch;
  readonly relay?: RelayPosition;
  readonly clockOffsetMs?: number;
  /** reconnect, disconnect, protection-*: whether the relay waits armed for a confirm. */
  readonly armed?: boolean;
  /** protection-*: the version of the settings the meter runs now. */
  readonly settingsVersion?: number;
}

export const isCommandId = (id: unknown): id is string => typeof id === 'string' && commandIdPattern.test(id);

export function encodeCommand(command: Command): Record<string, unknown> {
  if (!isCommandId(command.id)) {
    throw new ValidationError('PW_ERR_INVALID_ARGUMENT', `Cannot build command ${JSON.stringify(command.id)}: `
      + `expected an id of 1 to ${protocolLimits.commandIdLength} characters of A-Z a-z 0-9 _ -`);
  }
  const { after } = command;
  if (after !== undefined && !isAnchor(after.keyId, after.counter, after.heldMs)) {
    throw new ValidationError('PW_ERR_INVALID_ARGUMENT', `Cannot build command ${command.id}: `
      + 'the uplink envelope it follows is not a key id and counter that are positive integers, with a held time in ms');
  }
  const held = after?.heldMs === undefined ? {} : { h: after.heldMs };
  const anchor = after === undefined ? {} : { k: after.keyId, c: wireCounter(after.counter), ...held };
  const time = command.time === undefined ? {} : { t: command.time };
  if ((command.op === 'firmware-update') !== (command.firmware !== undefined)) {
    throw new ValidationError('PW_ERR_INVALID_ARGUMENT', `Cannot build command ${command.id} (${command.op}): `
      + 'firmware arguments go with firmware-update, and only there');
  }
  const firmware = command.firmware === undefined ? {} : { fw: parseFirmwareUpdateArgs(command.firmware, `command ${command.id}`) };
  const extra = {
    ...(command.settings === undefined ? {} : { ps: command.settings }), ...(command.confirm === true ? { cf: true } : {}), ...firmware,
  };
  return { v: 1, id: command.id, op: command.op, exp: command.expiresAt, ...time, ...anchor, ...extra };
}

const isAnchor = (keyId: number, counter: bigint, heldMs: number | undefined): boolean =>
  Number.isSafeInteger(keyId) && keyId >= 1 && keyId <= protocolLimits.maxKeyId && counter >= 1n
  && (heldMs === undefined || isTime(heldMs));

const counterOf = (c: unknown): bigint =>
  (typeof c === 'bigint' ? c : typeof c === 'number' && Number.isSafeInteger(c) ? BigInt(c) : -1n);

export function decodeCommand(value: unknown): Command {
  const fail = (what: string): never => {
    throw new DecodeError('PW_ERR_COMMAND_INVALID', `Cannot decode command: ${what}`);
  };
  if (!isMap(value)) return fail('expected a map');
  if (value['v'] !== 1) return fail(`version ${JSON.stringify(value['v'])}, expected 1`);
  const { id, op, exp, t, k, c, h, ps, cf, fw } = value;
  if (!isCommandId(id)) return fail(`the id is not 1 to ${protocolLimits.commandIdLength} characters of A-Z a-z 0-9 _ -`);
  if (typeof op !== 'string' || !(commandOps as readonly string[]).includes(op)) {
    return fail(`operation ${JSON.stringify(op)} of command ${id} is not one of ${commandOps.join(', ')}`);
  }
  if (!isTime(exp)) return fail(`the expiry (exp) of command ${id} is not a time in ms since the epoch`);
  if (t !== undefined && !isTime(t)) return fail(`the time (t) of command ${id} is not a time in ms since the epoch`);
  if (op === 'clock-sync' && t === undefined) return fail(`clock-sync command ${id} carries no head-end time (t)`);
  if ((k === undefined) !== (c === undefined)) return fail(`command ${id} names half of an uplink envelope (k and c go together)`);
  if (k === undefined && h !== undefined) return fail(`command ${id} says how long the head-end held its time (h) but after no envelope`);
  if ((op === 'protection-settings') !== (ps !== undefined) || (ps !== undefined && !isMap(ps))) {
    return fail(`command ${id} (${op}): protection settings (ps) go with protection-settings, as a map, and only there`);
  }
  if (cf !== undefined && (cf !== true || op !== 'reconnect')) return fail(`command ${id} (${op}): a confirm (cf) is true, on a reconnect`);
  if ((op === 'firmware-update') !== (fw !== undefined)) {
    return fail(`command ${id} (${op}): firmware arguments (fw) go with firmware-update, and only there`);
  }
  const firmware = fw === undefined ? undefined : parseFirmwareUpdateArgs(fw, `command ${id}: firmware arguments (fw)`);
  let after: CommandAnchor | undefined;
  if (k !== undefined) {
    const counter = counterOf(c);
    if (typeof k !== 'number' || !isAnchor(k, counter, undefined)) {
      return fail(`command ${id} names an uplink envelope (k, c) that is not two positive integers`);
    }
    if (h !== undefined && !isTime(h)) return fail(`command ${id} says the head-end held its time (h) for what is not a number of ms`);
    after = { keyId: k, counter, ...(h === undefined ? {} : { heldMs: h }) };
  }
  return {
    id, op: op as CommandOp, expiresAt: exp, ...(t === undefined ? {} : { time: t }), ...(after === undefined ? {} : { after }),
    ...(ps === undefined ? {} : { settings: ps }), ...(cf === true ? { confirm: true as const } : {}),
    ...(firmware === undefined ? {} : { firmware }),
  };
}

export function encodeCommandResponse(response: CommandResponse): Record<string, unknown> {
  const { v, id, ok, code, reason, batch, relay, clockOffsetMs, armed, settingsVersion } = response;
  return {
    v, id, ok,
    ...(armed === undefined ? {} : { armed }),
    ...(settingsVersion === undefined ? {} : { settingsVersion }),
    ...(code === undefined ? {} : { code }),
    ...(reason === undefined ? {} : { reason }),
    ...(batch === undefined ? {} : { batch }),
    ...(relay === undefined ? {} : { relay }),
    ...(clockOffsetMs === undefined ? {} : { clockOffsetMs }),
  };
}

/**
 * Parses a command-response body. The batch is passed on as sent (the read answer decodes it at its
 * own trust boundary); fields a later version adds are ignored.
 */
export function decodeCommandResponse(value: unknown): CommandResponse {
  const fail = (what: string): never => {
    throw new DecodeError('PW_ERR_COMMAND_RESPONSE_INVALID', `Cannot decode command response: ${what}`);
  };
  if (!isMap(value)) return fail('expected a map');
  if (value['v'] !== 1) return fail(`version ${JSON.stringify(value['v'])}, expected 1`);
  const { id, ok, code, reason, batch, relay, clockOffsetMs, armed, settingsVersion } = value;
  if (!isCommandId(id)) return fail(`the id is not 1 to ${protocolLimits.commandIdLength} characters of A-Z a-z 0-9 _ -`);
  if (typeof ok !== 'boolean') return fail(`ok of the answer to ${id} is not a boolean`);
  if (code !== undefined && (typeof code !== 'string' || !wireErrorCodePattern.test(code))) {
    return fail(`the code of the answer to ${id} is not a PW_ERR_ code`);
  }
  if (reason !== undefined && typeof reason !== 'string') return fail(`the reason of the answer to ${id} is not text`);
  if (batch !== undefined && !isMap(batch)) return fail(`the batch of the answer to ${id} is not a map`);
  if (relay !== undefined && relay !== 'open' && relay !== 'closed') return fail(`the relay of the answer to ${id} is not open or closed`);
  if (clockOffsetMs !== undefined && (typeof clockOffsetMs !== 'number' || !Number.isFinite(clockOffsetMs))) {
    return fail(`the clock offset of the answer to ${id} is not a number of ms`);
  }
  if (armed !== undefined && typeof armed !== 'boolean') return fail(`armed of the answer to ${id} is not a boolean`);
  if (settingsVersion !== undefined && !(Number.isSafeInteger(settingsVersion) && (settingsVersion as number) >= 1)) {
    return fail(`the settings version of the answer to ${id} is not a positive integer`);
  }
  return {
    v: 1, id, ok,
    ...(armed === undefined ? {} : { armed }),
    ...(settingsVersion === undefined ? {} : { settingsVersion: settingsVersion as number }),
    ...(code === undefined ? {} : { code }),
    ...(reason === undefined ? {} : { reason }),
    ...(batch === undefined ? {} : { batch: batch as unknown as WireBatch }),
    ...(relay === undefined ? {} : { relay }),
    ...(clockOffsetMs === undefined ? {} : { clockOffsetMs }),
  };
}
