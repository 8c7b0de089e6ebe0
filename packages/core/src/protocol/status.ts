// The status message (meter → head-end on pw/v1/<device>/status, retained, and the MQTT will):
// plain JSON, not sealed, since the broker itself publishes the will (docs/protocol.md).
//
//   status  {"state": "online"|"offline", "model"?: "sdm630", "link"?: "wifi"|"cellular"|"rs485", "queued"?: 12,
//            "firmware"?: {"version": "1.4.0", "slot": "a"|"b", "securityVersion": 5}}
//
// Model and link are what a meter agent reports of itself (the head-end's registry keeps them);
// `queued` is how many sealed messages wait in its store-and-forward queue as it comes online (the
// head-end's metrics sum them over the fleet); `firmware` is what it runs (firmware.ts), which a
// campaign selects devices by. An older agent sends the state alone.
import { DecodeError, ValidationError } from '../errors.ts';
import { isMap, protocolLimits } from './limits.ts';
import { FirmwareRunningSchema, type FirmwareRunning } from './firmware.ts';
import { findSchemaProblem, problemMessage } from '../schema/index.ts';

export type StatusLink = 'wifi' | 'cellular' | 'rs485';
export const statusLinks: readonly StatusLink[] = ['wifi', 'cellular', 'rs485'];

export interface StatusMessage {
  readonly state: 'online' | 'offline';
  readonly model?: string;
  readonly link?: StatusLink;
  /** Sealed messages waiting in the agent's queue when it said this (a whole number, at most 2^31). */
  readonly queued?: number;
  /** The firmware it runs: version, A/B slot, anti-rollback floor. */
  readonly firmware?: FirmwareRunning;
}

/** A model name: a short key as device profiles name models (`sdm630`, `pw-sim-3p`). */
export const modelPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const isCount = (value: unknown): boolean => Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= 2 ** 31;

function problemOf(state: unknown, model: unknown, link: unknown, queued?: unknown, firmware?: unknown): string | undefined {
  if (state !== 'online' && state !== 'offline') return `state ${JSON.stringify(state)}`;
  if (model !== undefined && (typeof model !== 'string' || !modelPattern.test(model))) return `model ${JSON.stringify(model)}`;
  if (link !== undefined && (typeof link !== 'string' || !(statusLinks as readonly string[]).includes(link))) {
    return `link ${JSON.stringify(link)}`;
  }
  if (queued !== undefined && !isCount(queued)) return `queued ${JSON.stringify(queued)}`;
  if (firmware !== undefined) {
    const problem = findSchemaProblem(FirmwareRunningSchema, firmware);
    if (problem !== undefined) return `firmware: ${problemMessage(problem)}`;
  }
  return undefined;
}

const expected = 'expected {"state":"online"} or {"state":"offline"}, with optional "model" (a short key) '
  + ', "link" (wifi, cellular or rs485), "queued" (a whole number of messages) and "firmware" ({"version","slot","securityVersion"})';

/** The payload of a status message, UTF-8 JSON. */
export function encodeStatus(status: StatusMessage): Uint8Array {
  const problem = problemOf(status.state, status.model, status.link, status.queued, status.firmware);
  if (problem !== undefined) throw new ValidationError('PW_ERR_INVALID_ARGUMENT', `Cannot build a status message: ${problem}; ${expected}`);
  const { state, model, link, queued, firmware } = status;
  return new TextEncoder().encode(JSON.stringify({
    state, ...(model === undefined ? {} : { model }), ...(link === undefined ? {} : { link }), ...(queued === undefined ? {} : { queued }),
    ...(firmware === undefined ? {} : {
      firmware: { version: firmware.version, slot: firmware.slot, securityVersion: firmware.securityVersion },
    }),
  }));
}

export function decodeStatus(payload: Uint8Array): StatusMessage {
  const fail = (found: string): never => {
    throw new DecodeError('PW_ERR_STATUS_INVALID', `Cannot decode a status message: ${found}; ${expected}`);
  };
  if (payload.length > protocolLimits.statusBytes) return fail(`${payload.length} bytes, more than ${protocolLimits.statusBytes}`);
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
  } catch {
    return fail('text that is not JSON');
  }
  if (!isMap(value)) return fail('JSON that is not an object');
  const { state, model, link, queued, firmware } = value;
  const problem = problemOf(state, model, link, queued, firmware);
  if (problem !== undefined) return fail(problem);
  return {
    state: state as StatusMessage['state'],
    ...(model === undefined ? {} : { model: model as string }),
    ...(link === undefined ? {} : { link: link as StatusLink }),
    ...(queued === undefined ? {} : { queued: queued as number }),
    ...(firmware === undefined ? {} : { firmware: firmware as FirmwareRunning }),
  };
}
