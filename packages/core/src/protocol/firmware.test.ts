import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DecodeError } from '../errors.ts';
import { decodeCommand, encodeCommand } from './command.ts';
import { decodeFirmwareProgress } from './firmware.ts';
import { decodeStatus, encodeStatus } from './status.ts';

const firmware = { campaign: 'c-2026-12', target: 'PW3/r2/PW3-r2-1.1.0.bin', version: '1.1.0', notBefore: 1000, notAfter: 5000 };

test('a firmware-update command carries its image and window both ways', () => {
  const command = { id: 'fw1', op: 'firmware-update' as const, expiresAt: 9000, firmware };
  const wire = encodeCommand(command);
  assert.deepEqual(wire['fw'], { c: 'c-2026-12', t: 'PW3/r2/PW3-r2-1.1.0.bin', v: '1.1.0', nb: 1000, na: 5000 });
  assert.deepEqual(decodeCommand(wire), command);
});

test('a firmware-update without its image, an image on another command, a path with .. and a window that ends first are refused', () => {
  const base = { v: 1, id: 'fw2', exp: 9000 };
  const fw = { c: 'c', t: 'PW3/r2/x.bin', v: '1.1.0' };
  for (const body of [
    { ...base, op: 'firmware-update' },
    { ...base, op: 'read', fw },
    { ...base, op: 'firmware-update', fw: { ...fw, t: 'PW3/../x.bin' } },
    { ...base, op: 'firmware-update', fw: { ...fw, nb: 10, na: 5 } },
    { ...base, op: 'firmware-update', fw: 'PW3' },
  ]) {
    assert.throws(() => decodeCommand(body), DecodeError, JSON.stringify(body));
  }
});

test('the status message says the firmware the device runs; a malformed one is refused', () => {
  const status = { state: 'online' as const, model: 'pw-sim-3p', link: 'cellular' as const, queued: 3,
    firmware: { version: '1.10.0', slot: 'b' as const, securityVersion: 3 } };
  assert.deepEqual(decodeStatus(encodeStatus(status)), status);
  const bad = new TextEncoder().encode(JSON.stringify({ state: 'online', firmware: { version: '1.0.0', slot: 'c', securityVersion: 1 } }));
  assert.throws(() => decodeStatus(bad), /firmware/);
});

test('a firmware-progress event is read when it has the contract\'s fields and states, and only then', () => {
  const event = {
    kind: 'firmware-progress', campaign: 'c', target: 'PW3/r2/x.bin', version: '1.1.0', state: 'rolled-back', reason: 'no ack',
  };
  assert.deepEqual(decodeFirmwareProgress(event), event);
  assert.equal(decodeFirmwareProgress({ ...event, state: 'exploded' }), undefined);
  assert.equal(decodeFirmwareProgress({ ...event, kind: 'trip' }), undefined);
});
