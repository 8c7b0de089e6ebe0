// The bodies the meter agent exchanges with the head-end inside the payload envelope (CBOR, plain
// maps, version 1). docs/meter-agent.md is the contract the head-end implements (server may not
// import meter). Decoders are total: any value gives a message or a DecodeError.
//
//   readings          uplink    core's WireBatch (toWireBatch)
//   ack               downlink  { v: 1, k: key id, c: [uplink counters committed] }
//   command           downlink  { v: 1, id, op, exp: epoch ms, t?: epoch ms (clock-sync), k?, c?, h? (clock-sync) }
//   command-response  uplink    { v: 1, id, ok, code?, reason?, batch?, relay?, clockOffsetMs? }
import { DecodeError } from '@phasewire/core';
import type { WireBatch } from '@phasewire/core';

export type CommandOp = 'read' | 'clock-sync' | 'disconnect' | 'reconnect';
const commandOps: ReadonlySet<string> = new Set<CommandOp>(['read', 'clock-sync', 'disconnect', 'reconnect']);

export interface AgentCommand {
  readonly id: string;
  readonly op: CommandOp;
  /** The command is refused once the meter's clock has reached this time, ms since the epoch. */
  readonly expiresAt: number;
  /** clock-sync: the head-end's time when it sent the command, ms since the epoch. */
  readonly time?: number;
  /**
   * clock-sync: the last uplink envelope (key id `k`, counter `c`) the head-end had from the meter
   * when it stamped `time`, and how long after it came the head-end stamped it (`h`, ms). The meter
   * knows when it sent that envelope, so it knows how long the command can have been on its way at
   * most, on its own clock, whatever the clock's error.
   */
  readonly after?: { readonly keyId: number; readonly counter: bigint; readonly heldMs?: number };
}

export interface AgentAck {
  readonly keyId: number;
  readonly counters: readonly bigint[];
  /**
   * Messages some of whose readings the head-end refused and will never store (e.g. a time outside
   * its window, PW_ERR_HEADEND_READING_TIME); their counters are in `counters` too (`r` on the wire).
   */
  readonly refused?: readonly { readonly counter: bigint; readonly code: string; readonly readings: number }[];
}

export interface CommandResponse {
  readonly v: 1;
  readonly id: string;
  readonly ok: boolean;
  readonly code?: string;
  readonly reason?: string;
  readonly batch?: WireBatch;
  readonly relay?: 'open' | 'closed';
  readonly clockOffsetMs?: number;
}

/** Bounds: a command id is short text; an ack lists at most this many counters. */
export const agentMessageLimits = { commandIdLength: 64, ackCounters: 4096 } as const;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isTime = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

export function commandBody(command: AgentCommand): Record<string, unknown> {
  const held = command.after?.heldMs === undefined ? {} : { h: command.after.heldMs };
  const after = command.after === undefined ? {} : { k: command.after.keyId, c: counterOnWire(command.after.counter), ...held };
  const time = command.time === undefined ? {} : { t: command.time };
  return { v: 1, id: command.id, op: command.op, exp: command.expiresAt, ...time, ...after };
}

const counterOnWire = (c: bigint): number | bigint => (c <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(c) : c);

export function decodeCommand(value: unknown): AgentCommand {
  const fail = (what: string): never => {
    throw new DecodeError('PW_ERR_COMMAND_INVALID', `Cannot decode command: ${what}`);
  };
  if (!isRecord(value)) return fail('expected a map');
  if (value['v'] !== 1) return fail(`version ${JSON.stringify(value['v'])}, expected 1`);
  const { id, op, exp, t, k, c, h } = value;
  if (typeof id !== 'string' || id.length === 0 || id.length > agentMessageLimits.commandIdLength) {
    return fail(`the id is not text of 1 to ${agentMessageLimits.commandIdLength} characters`);
  }
  if (typeof op !== 'string' || !commandOps.has(op)) return fail(`operation ${JSON.stringify(op)} of command ${id} is not one of ${[...commandOps].join(', ')}`);
  if (!isTime(exp)) return fail(`the expiry of command ${id} is not a time in ms since the epoch`);
  if (op === 'clock-sync' && !isTime(t)) return fail(`clock-sync command ${id} carries no head-end time (t)`);
  if ((k === undefined) !== (c === undefined)) return fail(`command ${id} names half of an uplink envelope (k and c go together)`);
  let after: AgentCommand['after'];
  if (k !== undefined) {
    const counter = typeof c === 'bigint' ? c : typeof c === 'number' && Number.isSafeInteger(c) ? BigInt(c) : -1n;
    if (typeof k !== 'number' || !Number.isSafeInteger(k) || k < 1 || counter < 1n) {
      return fail(`command ${id} names an uplink envelope (k, c) that is not two positive integers`);
    }
    if (h !== undefined && !isTime(h)) return fail(`command ${id} says the head-end held its time (h) for what is not a number of ms`);
    after = { keyId: k, counter, ...(h === undefined ? {} : { heldMs: h }) };
  }
  return { id, op: op as CommandOp, expiresAt: exp, ...(isTime(t) ? { time: t } : {}), ...(after === undefined ? {} : { after }) };
}

export function ackBody(ack: AgentAck): Record<string, unknown> {
  return { v: 1, k: ack.keyId, c: ack.counters.map(counterOnWire) };
}

export function decodeAck(value: unknown): AgentAck {
  const fail = (what: string): never => {
    throw new DecodeError('PW_ERR_AGENT_ACK_INVALID', `Cannot decode acknowledgement: ${what}`);
  };
  if (!isRecord(value)) return fail('expected a map');
  if (value['v'] !== 1) return fail(`version ${JSON.stringify(value['v'])}, expected 1`);
  const { k, c } = value;
  if (typeof k !== 'number' || !Number.isSafeInteger(k) || k < 1) return fail('the key id (k) is not a positive integer');
  if (!Array.isArray(c) || c.length > agentMessageLimits.ackCounters) return fail(`the counters (c) are not a list of at most ${agentMessageLimits.ackCounters}`);
  const counterOf = (item: unknown, what: string): bigint => {
    if (typeof item === 'bigint' && item > 0n) return item;
    if (typeof item === 'number' && Number.isSafeInteger(item) && item > 0) return BigInt(item);
    return fail(`${what} is not a positive integer`);
  };
  const counters = c.map((item: unknown, i): bigint => counterOf(item, `counter ${i}`));
  const r = value['r'];
  if (r === undefined) return { keyId: k, counters };
  if (!Array.isArray(r) || r.length > c.length) return fail('the refusals (r) are not a list of at most one per counter');
  const refused = r.map((item: unknown, i) => {
    if (!isRecord(item)) return fail(`refusal ${i} is not a map`);
    const { e, n } = item;
    if (typeof e !== 'string' || !/^PW_ERR_[A-Z0-9_]{1,57}$/.test(e)) return fail(`refusal ${i} has no PW_ERR_ code (e)`);
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) return fail(`refusal ${i} has no positive count of readings (n)`);
    return { counter: counterOf(item['c'], `the counter of refusal ${i}`), code: e, readings: n };
  });
  return { keyId: k, counters, refused };
}
