// Commands from the head-end to a device (sealed `command` downlink on pw/v1/<device>/cmd/req) and
// the device's answers (sealed `command-response` uplink on pw/v1/<device>/cmd/res). A command
// carries an id the device remembers (at most once) and an expiry (fresh); the envelope's counter
// and associated data already make it authentic and unreplayable.
//
// Wire bodies, as the meter agent's contract has it (docs/meter-agent.md,
// packages/meter/src/agent/agent-messages.ts): command { v: 1, id, op, exp: expiresAt (ms), t?: head-end
// time (clock-sync), k?, c?: the device's last uplink envelope the head-end had when it stamped t,
// h?: how long after that envelope came it stamped t (ms) };
// response { v: 1, id, ok, code?, reason?, batch?, relay?, clockOffsetMs? }.
import { DecodeError } from '@phasewire/core';

export type CommandKind = 'read' | 'clock-sync' | 'disconnect' | 'reconnect';
export const commandKinds: readonly CommandKind[] = ['read', 'clock-sync', 'disconnect', 'reconnect'];

export interface Command {
  readonly id: string;
  readonly kind: CommandKind;
  /** ms since the epoch after which the device must not execute it. */
  readonly expiresAt: number;
  /** clock-sync: the head-end's time when it sent the command (ms since the epoch). */
  readonly time?: number;
  /**
   * clock-sync: the device's last uplink envelope (key id, counter) the head-end had when it stamped
   * `time`, and how long after it came (`heldMs`, the devices' time base); the device bounds the
   * command's time in transit by how long ago it sent that envelope, less `heldMs`.
   */
  readonly after?: { readonly keyId: number; readonly counter: bigint; readonly heldMs?: number };
}

export interface CommandResponse {
  readonly id: string;
  readonly ok: boolean;
  /** Why it was refused (a stable code from the device, and a sentence). */
  readonly code?: string;
  readonly reason?: string;
  /** The rest of the answer (batch for `read`, relay state, clock offset), as sent. */
  readonly result?: Readonly<Record<string, unknown>>;
}

const fail = (what: string): never => {
  throw new DecodeError('PW_ERR_HEADEND_MESSAGE', `Cannot decode command message: ${what}`);
};
const isMap = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const idPattern = /^[A-Za-z0-9_-]{1,64}$/;

export function toWireCommand(command: Command): Record<string, unknown> {
  const time = command.time === undefined ? {} : { t: command.time };
  const { after } = command;
  const counter = after === undefined || after.counter > BigInt(Number.MAX_SAFE_INTEGER) ? after?.counter : Number(after.counter);
  const anchor = after === undefined ? {} : { k: after.keyId, c: counter, ...(after.heldMs === undefined ? {} : { h: after.heldMs }) };
  return { v: 1, id: command.id, op: command.kind, exp: command.expiresAt, ...time, ...anchor };
}

export function fromWireCommand(wire: unknown): Command {
  if (!isMap(wire) || wire['v'] !== 1) return fail('expected a map of version 1');
  const { id, op, exp, t, k, c, h } = wire;
  if (typeof id !== 'string' || !idPattern.test(id)) return fail('the id is not 1 to 64 characters of A-Z a-z 0-9 _ -');
  if (typeof op !== 'string' || !(commandKinds as readonly string[]).includes(op)) return fail(`op ${JSON.stringify(op)} is not one of ${commandKinds.join(', ')}`);
  if (typeof exp !== 'number' || !Number.isSafeInteger(exp) || exp < 0) return fail('the expiry (exp) is not a time in ms');
  if (t !== undefined && (typeof t !== 'number' || !Number.isSafeInteger(t) || t < 0)) return fail('the time (t) is not a time in ms');
  if ((k === undefined) !== (c === undefined)) return fail('the uplink envelope (k, c) is given by half');
  const counter = typeof c === 'bigint' ? c : typeof c === 'number' && Number.isSafeInteger(c) ? BigInt(c) : 0n;
  if (k !== undefined && (typeof k !== 'number' || !Number.isSafeInteger(k) || k < 1 || counter < 1n)) {
    return fail('the uplink envelope (k, c) is not two positive integers');
  }
  if (h !== undefined && (typeof h !== 'number' || !Number.isSafeInteger(h) || h < 0)) return fail('the time held (h) is not in ms');
  const after = typeof k === 'number' ? { after: { keyId: k, counter, ...(h === undefined ? {} : { heldMs: h }) } } : {};
  return { id, kind: op as CommandKind, expiresAt: exp, ...(t === undefined ? {} : { time: t }), ...after };
}

export function toWireResponse(response: CommandResponse): Record<string, unknown> {
  return {
    ...(response.result ?? {}), v: 1, id: response.id, ok: response.ok,
    ...(response.code === undefined ? {} : { code: response.code }),
    ...(response.reason === undefined ? {} : { reason: response.reason }),
  };
}

export function fromWireResponse(wire: unknown): CommandResponse {
  if (!isMap(wire) || wire['v'] !== 1) return fail('expected a response map of version 1');
  const { v: _v, id, ok, code, reason, ...result } = wire;
  if (typeof id !== 'string' || !idPattern.test(id)) return fail('the response id is not a command id');
  if (typeof ok !== 'boolean') return fail('ok is not a boolean');
  if (code !== undefined && typeof code !== 'string') return fail('code is not text');
  if (reason !== undefined && typeof reason !== 'string') return fail('reason is not text');
  return {
    id, ok,
    ...(code === undefined ? {} : { code }),
    ...(reason === undefined ? {} : { reason }),
    ...(Object.keys(result).length === 0 ? {} : { result }),
  };
}
