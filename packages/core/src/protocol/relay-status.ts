// The meter's sealed status (meter → head-end, envelope type `status` on pw/v1/<device>/up/events):
// the state of its load relay and why, a CBOR map of version 1 (docs/protocol.md):
//
//   relay status  { v: 1, relay: 'open'|'closed', armed: bool, by?: 'trip'|'remote', fn?: text, at: ms, lv?: load limit version }
//
// `armed`: open and waiting for a confirm to close (a reconnect armed it, docs/protection.md); `by`:
// why it is open (a protection trip, whose function `fn` names, or the head-end's disconnect). The
// agent seals one whenever the relay's state changes, in counter order with its readings and trips,
// and the head-end keeps the latest per meter. Unlike the plain JSON status (status.ts) the broker
// never makes it: only the meter can, so the head-end can trust what it says of the relay.
import { DecodeError } from '../errors.ts';
import { isMap, isTime, protocolLimits } from './limits.ts';

export interface RelayStatus {
  readonly relay: 'open' | 'closed';
  /** Open and armed: a confirm (the meter's button, a confirming reconnect) closes it. */
  readonly armed: boolean;
  /** Why it is open: a protection trip (or load limiting), or the head-end's disconnect. */
  readonly by?: 'trip' | 'remote';
  /** The function that tripped (`phase-loss`, `load-limit`, …). */
  readonly fn?: string;
  /** When the relay came into this state (a trip's time), or when the meter reported it, ms since the epoch. */
  readonly at: number;
  /** The version of the load limit the meter runs (absent: none set). */
  readonly loadLimitVersion?: number;
}

export function encodeRelayStatus(status: RelayStatus): Record<string, unknown> {
  const { relay, armed, by, fn, at, loadLimitVersion } = status;
  return {
    v: 1, relay, armed, ...(by === undefined ? {} : { by }), ...(fn === undefined ? {} : { fn }), at,
    ...(loadLimitVersion === undefined ? {} : { lv: loadLimitVersion }),
  };
}

export function decodeRelayStatus(value: unknown): RelayStatus {
  const fail = (what: string): never => {
    throw new DecodeError('PW_ERR_RELAY_STATUS_INVALID', `Cannot decode a relay status: ${what}`);
  };
  if (!isMap(value)) return fail('expected a map');
  if (value['v'] !== 1) return fail(`version ${JSON.stringify(value['v'])}, expected 1`);
  const { relay, armed, by, fn, at, lv } = value;
  if (relay !== 'open' && relay !== 'closed') return fail('relay is not open or closed');
  if (typeof armed !== 'boolean') return fail('armed is not a boolean');
  if (by !== undefined && by !== 'trip' && by !== 'remote') return fail('by is not trip or remote');
  if (fn !== undefined && (typeof fn !== 'string' || fn.length === 0 || fn.length > protocolLimits.eventKindLength)) {
    return fail(`fn is not text of 1 to ${protocolLimits.eventKindLength} characters`);
  }
  if (!isTime(at)) return fail('at is not a time in ms since the epoch');
  if (lv !== undefined && !(Number.isSafeInteger(lv) && (lv as number) >= 1)) return fail('lv is not a positive integer');
  return {
    relay, armed, ...(by === undefined ? {} : { by }), ...(fn === undefined ? {} : { fn }), at,
    ...(lv === undefined ? {} : { loadLimitVersion: lv as number }),
  };
}
