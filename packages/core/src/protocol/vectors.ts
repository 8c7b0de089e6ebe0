// The protocol's test vectors: named bodies with their decoded form, and bodies each end must
// refuse with the code named. The codec's tests, the meter agent's tests and the head-end's tests
// all run them through their own send or receive path, so the two ends cannot drift apart again.
import type { ErrorCode } from '../errors.ts';
import type { Ack } from './ack.ts';
import type { Command, CommandResponse } from './command.ts';
import type { StatusMessage } from './status.ts';
import type { WireBatch } from './reading-batch.ts';

export interface ValidVector<T> {
  readonly name: string;
  readonly wire: unknown;
  readonly decoded: T;
}

export interface InvalidVector {
  readonly name: string;
  readonly wire: unknown;
  readonly code: ErrorCode;
}

export interface VectorSet<T> {
  readonly valid: readonly ValidVector<T>[];
  readonly invalid: readonly InvalidVector[];
}

const expiry = 1_767_225_600_000;
const firmware = { campaign: 'spring-2027', target: 'PW3/r2/PW3-r2-1.4.0.bin', version: '1.4.0' };
const batch: WireBatch = { v: 1, m: 'PW-0001', t: 1_767_225_000_000, d: [], q: [0x20_07_00], x: [[23120]] };

export const commandVectors: VectorSet<Command> = {
  valid: [
    { name: 'read', wire: { v: 1, id: 'cmd-1', op: 'read', exp: expiry }, decoded: { id: 'cmd-1', op: 'read', expiresAt: expiry } },
    {
      name: 'clock-sync with the head-end time', wire: { v: 1, id: 'sync_2', op: 'clock-sync', exp: expiry, t: expiry - 30_000 },
      decoded: { id: 'sync_2', op: 'clock-sync', expiresAt: expiry, time: expiry - 30_000 },
    },
    { name: 'disconnect', wire: { v: 1, id: 'D', op: 'disconnect', exp: 0 }, decoded: { id: 'D', op: 'disconnect', expiresAt: 0 } },
    {
      name: 'clock-sync after an uplink envelope, with the time the head-end held it',
      wire: { v: 1, id: 'sync_3', op: 'clock-sync', exp: expiry, t: expiry - 30_000, k: 1, c: 42, h: 250 },
      decoded: { id: 'sync_3', op: 'clock-sync', expiresAt: expiry, time: expiry - 30_000, after: { keyId: 1, counter: 42n, heldMs: 250 } },
    },
    {
      name: 'clock-sync after an envelope whose counter is a bignum, no held time',
      wire: { v: 1, id: 'sync_4', op: 'clock-sync', exp: expiry, t: expiry, k: 7, c: 2n ** 60n },
      decoded: { id: 'sync_4', op: 'clock-sync', expiresAt: expiry, time: expiry, after: { keyId: 7, counter: 2n ** 60n } },
    },
    {
      name: 'reconnect with the longest id', wire: { v: 1, id: 'r'.repeat(64), op: 'reconnect', exp: expiry },
      decoded: { id: 'r'.repeat(64), op: 'reconnect', expiresAt: expiry },
    },
    {
      name: 'confirming reconnect (closes an armed relay)', wire: { v: 1, id: 'R2', op: 'reconnect', exp: expiry, cf: true },
      decoded: { id: 'R2', op: 'reconnect', expiresAt: expiry, confirm: true },
    },
    {
      name: 'protection settings, version 2',
      wire: { v: 1, id: 'P2', op: 'protection-settings', exp: expiry, ps: { version: 2, undervoltage: { pickup: 0.8, delayMs: 2000 } } },
      decoded: {
        id: 'P2', op: 'protection-settings', expiresAt: expiry, settings: { version: 2, undervoltage: { pickup: 0.8, delayMs: 2000 } },
      },
    },
    {
      name: 'protection arm', wire: { v: 1, id: 'A', op: 'protection-arm', exp: expiry },
      decoded: { id: 'A', op: 'protection-arm', expiresAt: expiry },
    },
    {
      name: 'load limit, version 3',
      wire: { v: 1, id: 'L3', op: 'load-limit', exp: expiry, ll: { version: 3, current: 32, delayMs: 30_000 } },
      decoded: { id: 'L3', op: 'load-limit', expiresAt: expiry, loadLimit: { version: 3, current: 32, delayMs: 30_000 } },
    },
    {
      name: 'firmware update in a maintenance window',
      wire: { v: 1, id: 'F1', op: 'firmware-update', exp: expiry, fw: { ...firmware, notBefore: expiry - 3_600_000, notAfter: expiry } },
      decoded: {
        id: 'F1', op: 'firmware-update', expiresAt: expiry, firmware: { ...firmware, notBefore: expiry - 3_600_000, notAfter: expiry },
      },
    },
    {
      name: 'firmware update, no window', wire: { v: 1, id: 'F2', op: 'firmware-update', exp: expiry, fw: firmware },
      decoded: { id: 'F2', op: 'firmware-update', expiresAt: expiry, firmware },
    },
  ],
  invalid: [
    { name: 'not a map', wire: ['read'], code: 'PW_ERR_COMMAND_INVALID' },
    { name: 'version 2', wire: { v: 2, id: 'cmd-1', op: 'read', exp: expiry }, code: 'PW_ERR_COMMAND_INVALID' },
    {
      name: 'id with a space (the meter accepted it before)',
      wire: { v: 1, id: 'cmd 1', op: 'read', exp: expiry }, code: 'PW_ERR_COMMAND_INVALID',
    },
    { name: 'id with a slash', wire: { v: 1, id: 'a/b', op: 'read', exp: expiry }, code: 'PW_ERR_COMMAND_INVALID' },
    { name: 'empty id', wire: { v: 1, id: '', op: 'read', exp: expiry }, code: 'PW_ERR_COMMAND_INVALID' },
    { name: 'id of 65 characters', wire: { v: 1, id: 'x'.repeat(65), op: 'read', exp: expiry }, code: 'PW_ERR_COMMAND_INVALID' },
    { name: 'unknown op', wire: { v: 1, id: 'x', op: 'format-disk', exp: expiry }, code: 'PW_ERR_COMMAND_INVALID' },
    { name: 'load-limit without its limit', wire: { v: 1, id: 'x', op: 'load-limit', exp: expiry }, code: 'PW_ERR_COMMAND_INVALID' },
    { name: 'a load limit on a read', wire: { v: 1, id: 'x', op: 'read', exp: expiry, ll: { version: 1 } },
      code: 'PW_ERR_COMMAND_INVALID' },
    { name: 'no expiry', wire: { v: 1, id: 'x', op: 'read' }, code: 'PW_ERR_COMMAND_INVALID' },
    { name: 'fractional expiry', wire: { v: 1, id: 'x', op: 'read', exp: 1.5 }, code: 'PW_ERR_COMMAND_INVALID' },
    {
      name: 'clock-sync without t (the head-end accepted it before)',
      wire: { v: 1, id: 'x', op: 'clock-sync', exp: expiry }, code: 'PW_ERR_COMMAND_INVALID',
    },
    {
      name: 'negative t (the meter ignored it before)',
      wire: { v: 1, id: 'x', op: 'read', exp: expiry, t: -1 }, code: 'PW_ERR_COMMAND_INVALID',
    },
    {
      name: 'key id (k) without counter (c)', wire: { v: 1, id: 'x', op: 'clock-sync', exp: expiry, t: 1, k: 1 },
      code: 'PW_ERR_COMMAND_INVALID',
    },
    { name: 'key id 0', wire: { v: 1, id: 'x', op: 'clock-sync', exp: expiry, t: 1, k: 0, c: 5 }, code: 'PW_ERR_COMMAND_INVALID' },
    { name: 'counter 0', wire: { v: 1, id: 'x', op: 'clock-sync', exp: expiry, t: 1, k: 1, c: 0 }, code: 'PW_ERR_COMMAND_INVALID' },
    {
      name: 'negative held time (h)', wire: { v: 1, id: 'x', op: 'clock-sync', exp: expiry, t: 1, k: 1, c: 5, h: -1 },
      code: 'PW_ERR_COMMAND_INVALID',
    },
    {
      name: 'held time (h) after no envelope', wire: { v: 1, id: 'x', op: 'clock-sync', exp: expiry, t: 1, h: 5 },
      code: 'PW_ERR_COMMAND_INVALID',
    },
    {
      name: 'protection-settings without ps', wire: { v: 1, id: 'x', op: 'protection-settings', exp: expiry },
      code: 'PW_ERR_COMMAND_INVALID',
    },
    {
      name: 'settings (ps) on a read', wire: { v: 1, id: 'x', op: 'read', exp: expiry, ps: { version: 1 } },
      code: 'PW_ERR_COMMAND_INVALID',
    },
    { name: 'firmware-update without fw', wire: { v: 1, id: 'x', op: 'firmware-update', exp: expiry }, code: 'PW_ERR_COMMAND_INVALID' },
    { name: 'firmware (fw) on a read', wire: { v: 1, id: 'x', op: 'read', exp: expiry, fw: firmware }, code: 'PW_ERR_COMMAND_INVALID' },
    {
      name: 'firmware target climbing out of the repository',
      wire: { v: 1, id: 'x', op: 'firmware-update', exp: expiry, fw: { ...firmware, target: '../../etc/passwd' } },
      code: 'PW_ERR_COMMAND_INVALID',
    },
    {
      name: 'firmware version that is not dotted numbers',
      wire: { v: 1, id: 'x', op: 'firmware-update', exp: expiry, fw: { ...firmware, version: 'latest' } }, code: 'PW_ERR_COMMAND_INVALID',
    },
    {
      name: 'firmware window that ends before it starts',
      wire: { v: 1, id: 'x', op: 'firmware-update', exp: expiry, fw: { ...firmware, notBefore: 10, notAfter: 5 } },
      code: 'PW_ERR_COMMAND_INVALID',
    },
    {
      name: 'firmware arguments with an unknown field',
      wire: { v: 1, id: 'x', op: 'firmware-update', exp: expiry, fw: { ...firmware, url: 'http://x' } },
      code: 'PW_ERR_COMMAND_INVALID',
    },
    {
      name: 'confirm (cf) on a disconnect', wire: { v: 1, id: 'x', op: 'disconnect', exp: expiry, cf: true },
      code: 'PW_ERR_COMMAND_INVALID',
    },
  ],
};

export const commandResponseVectors: VectorSet<CommandResponse> = {
  valid: [
    { name: 'read answered', wire: { v: 1, id: 'cmd-1', ok: true, batch }, decoded: { v: 1, id: 'cmd-1', ok: true, batch } },
    { name: 'relay opened', wire: { v: 1, id: 'D', ok: true, relay: 'open' }, decoded: { v: 1, id: 'D', ok: true, relay: 'open' } },
    {
      name: 'relay armed, settings version 2', wire: { v: 1, id: 'R', ok: true, relay: 'open', armed: true, settingsVersion: 2 },
      decoded: { v: 1, id: 'R', ok: true, relay: 'open', armed: true, settingsVersion: 2 },
    },
    {
      name: 'clock corrected', wire: { v: 1, id: 'sync_2', ok: true, clockOffsetMs: -1200 },
      decoded: { v: 1, id: 'sync_2', ok: true, clockOffsetMs: -1200 },
    },
    {
      name: 'refused as expired', wire: { v: 1, id: 'cmd-1', ok: false, code: 'PW_ERR_COMMAND_EXPIRED', reason: 'It expired.' },
      decoded: { v: 1, id: 'cmd-1', ok: false, code: 'PW_ERR_COMMAND_EXPIRED', reason: 'It expired.' },
    },
    {
      name: 'a field of a later version is ignored', wire: { v: 1, id: 'cmd-1', ok: true, extra: 1 },
      decoded: { v: 1, id: 'cmd-1', ok: true },
    },
  ],
  invalid: [
    { name: 'not a map', wire: 'ok', code: 'PW_ERR_COMMAND_RESPONSE_INVALID' },
    { name: 'version 2', wire: { v: 2, id: 'cmd-1', ok: true }, code: 'PW_ERR_COMMAND_RESPONSE_INVALID' },
    { name: 'id that is no command id', wire: { v: 1, id: 'cmd 1', ok: true }, code: 'PW_ERR_COMMAND_RESPONSE_INVALID' },
    { name: 'ok as text', wire: { v: 1, id: 'cmd-1', ok: 'yes' }, code: 'PW_ERR_COMMAND_RESPONSE_INVALID' },
    { name: 'code that is not PW_ERR_', wire: { v: 1, id: 'cmd-1', ok: false, code: 'EXPIRED' }, code: 'PW_ERR_COMMAND_RESPONSE_INVALID' },
    { name: 'reason as a number', wire: { v: 1, id: 'cmd-1', ok: false, reason: 7 }, code: 'PW_ERR_COMMAND_RESPONSE_INVALID' },
    { name: 'relay half-way', wire: { v: 1, id: 'D', ok: true, relay: 'ajar' }, code: 'PW_ERR_COMMAND_RESPONSE_INVALID' },
    { name: 'batch as a list', wire: { v: 1, id: 'cmd-1', ok: true, batch: [] }, code: 'PW_ERR_COMMAND_RESPONSE_INVALID' },
    { name: 'clock offset as text', wire: { v: 1, id: 'x', ok: true, clockOffsetMs: '5' }, code: 'PW_ERR_COMMAND_RESPONSE_INVALID' },
    { name: 'armed as text', wire: { v: 1, id: 'x', ok: true, armed: 'yes' }, code: 'PW_ERR_COMMAND_RESPONSE_INVALID' },
    { name: 'settings version 0', wire: { v: 1, id: 'x', ok: true, settingsVersion: 0 }, code: 'PW_ERR_COMMAND_RESPONSE_INVALID' },
  ],
};

const big = 2n ** 60n;

export const ackVectors: VectorSet<Ack> = {
  valid: [
    { name: 'one counter', wire: { v: 1, k: 1, c: [4] }, decoded: { keyId: 1, counters: [4n] } },
    { name: 'a bignum counter', wire: { v: 1, k: 7, c: [1, big] }, decoded: { keyId: 7, counters: [1n, big] } },
    {
      name: 'a partly refused message', wire: { v: 1, k: 1, c: [4, 5], r: [{ c: 5, e: 'PW_ERR_HEADEND_READING_TIME', n: 3 }] },
      decoded: { keyId: 1, counters: [4n, 5n], refused: [{ counter: 5n, code: 'PW_ERR_HEADEND_READING_TIME', readings: 3 }] },
    },
    {
      name: 'a message refused whole, its body unreadable', wire: { v: 1, k: 1, c: [6], r: [{ c: 6, e: 'PW_ERR_BATCH_INVALID', n: 0 }] },
      decoded: { keyId: 1, counters: [6n], refused: [{ counter: 6n, code: 'PW_ERR_BATCH_INVALID', readings: 0 }] },
    },
    { name: 'the largest key id', wire: { v: 1, k: 0xffff_ffff, c: [1] }, decoded: { keyId: 0xffff_ffff, counters: [1n] } },
  ],
  invalid: [
    { name: 'not a map', wire: [1], code: 'PW_ERR_ACK_INVALID' },
    { name: 'version 2', wire: { v: 2, k: 1, c: [1] }, code: 'PW_ERR_ACK_INVALID' },
    { name: 'no counters (the meter accepted it before)', wire: { v: 1, k: 1, c: [] }, code: 'PW_ERR_ACK_INVALID' },
    { name: 'too many counters', wire: { v: 1, k: 1, c: Array.from({ length: 4097 }, (_, i) => i + 1) }, code: 'PW_ERR_ACK_INVALID' },
    { name: 'counter 0', wire: { v: 1, k: 1, c: [0] }, code: 'PW_ERR_ACK_INVALID' },
    { name: 'key id 0', wire: { v: 1, k: 0, c: [1] }, code: 'PW_ERR_ACK_INVALID' },
    { name: 'key id above 32 bits (the meter accepted it before)', wire: { v: 1, k: 2 ** 32, c: [1] }, code: 'PW_ERR_ACK_INVALID' },
    { name: 'refusal without a PW_ERR_ code', wire: { v: 1, k: 1, c: [4], r: [{ c: 4, e: 'nope', n: 1 }] }, code: 'PW_ERR_ACK_INVALID' },
    {
      name: 'refusal code in lower case (the head-end accepted it before)',
      wire: { v: 1, k: 1, c: [4], r: [{ c: 4, e: 'PW_ERR_x', n: 1 }] }, code: 'PW_ERR_ACK_INVALID',
    },
    { name: 'refusal of a negative count', wire: { v: 1, k: 1, c: [4], r: [{ c: 4, e: 'PW_ERR_X', n: -1 }] }, code: 'PW_ERR_ACK_INVALID' },
    {
      name: 'refusal of a fractional count', wire: { v: 1, k: 1, c: [4], r: [{ c: 4, e: 'PW_ERR_X', n: 1.5 }] }, code: 'PW_ERR_ACK_INVALID',
    },
    {
      name: 'refusal of a counter not acknowledged (both ends accepted it before)',
      wire: { v: 1, k: 1, c: [4], r: [{ c: 5, e: 'PW_ERR_X', n: 1 }] }, code: 'PW_ERR_ACK_INVALID',
    },
    {
      name: 'refusal that is not a map (the head-end accepted it before)',
      wire: { v: 1, k: 1, c: [4], r: [7] }, code: 'PW_ERR_ACK_INVALID',
    },
  ],
};

const json = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));

export const statusVectors: VectorSet<StatusMessage> = {
  valid: [
    { name: 'online', wire: json({ state: 'online' }), decoded: { state: 'online' } },
    { name: 'offline (the will)', wire: json({ state: 'offline' }), decoded: { state: 'offline' } },
    {
      name: 'online with model and link', wire: json({ state: 'online', model: 'sdm630', link: 'rs485' }),
      decoded: { state: 'online', model: 'sdm630', link: 'rs485' },
    },
    { name: 'offline over cellular', wire: json({ state: 'offline', link: 'cellular' }), decoded: { state: 'offline', link: 'cellular' } },
    {
      name: 'online with 12 messages queued', wire: json({ state: 'online', link: 'cellular', queued: 12 }),
      decoded: { state: 'online', link: 'cellular', queued: 12 },
    },
    {
      name: 'the longest fields still fit',
      wire: json({
        state: 'offline', model: 'm'.repeat(64), link: 'cellular', queued: 2 ** 31,
        firmware: { version: '999999.999999.999999', slot: 'a', securityVersion: 2 ** 31 - 1 },
      }),
      decoded: {
        state: 'offline', model: 'm'.repeat(64), link: 'cellular', queued: 2 ** 31,
        firmware: { version: '999999.999999.999999', slot: 'a', securityVersion: 2 ** 31 - 1 },
      },
    },
    {
      name: 'online with its firmware',
      wire: json({ state: 'online', model: 'pw-sim-3p', firmware: { version: '1.4.0', slot: 'b', securityVersion: 5 } }),
      decoded: { state: 'online', model: 'pw-sim-3p', firmware: { version: '1.4.0', slot: 'b', securityVersion: 5 } },
    },
  ],
  invalid: [
    { name: 'not JSON', wire: new TextEncoder().encode('online'), code: 'PW_ERR_STATUS_INVALID' },
    { name: 'not UTF-8', wire: Uint8Array.of(0x7b, 0xff, 0x7d), code: 'PW_ERR_STATUS_INVALID' },
    { name: 'JSON null', wire: json(null), code: 'PW_ERR_STATUS_INVALID' },
    { name: 'unknown state', wire: json({ state: 'asleep' }), code: 'PW_ERR_STATUS_INVALID' },
    { name: 'no state', wire: json({}), code: 'PW_ERR_STATUS_INVALID' },
    { name: 'model of 65 characters', wire: json({ state: 'online', model: 'm'.repeat(65) }), code: 'PW_ERR_STATUS_INVALID' },
    { name: 'model as a number', wire: json({ state: 'online', model: 7 }), code: 'PW_ERR_STATUS_INVALID' },
    { name: 'model with a space', wire: json({ state: 'online', model: 'sdm 630' }), code: 'PW_ERR_STATUS_INVALID' },
    { name: 'unknown link', wire: json({ state: 'online', link: 'lora' }), code: 'PW_ERR_STATUS_INVALID' },
    { name: 'over 256 bytes', wire: json({ state: 'online', pad: 'x'.repeat(256) }), code: 'PW_ERR_STATUS_INVALID' },
  ],
};
