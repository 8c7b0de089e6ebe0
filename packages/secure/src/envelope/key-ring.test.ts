import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasCode, ManualClock, parseMeterId } from '@phasewire/core';
import { KeyRing } from './key-ring.ts';

const meter = parseMeterId('meter-0001');
const other = parseMeterId('meter-0002');

test('gives every device the initial key id until it is rotated', () => {
  const ring = new KeyRing({ clock: new ManualClock(0), initialKeyId: 1 });
  assert.equal(ring.sealingKeyId(meter), 1);
  ring.check(meter, 1);
  assert.throws(() => { ring.check(meter, 2); }, (error) => hasCode(error, 'PW_ERR_ENVELOPE_UNKNOWN_KEY'));
});

test('refuses a device with no key id at all', () => {
  const ring = new KeyRing({ clock: new ManualClock(0) });
  assert.throws(() => ring.sealingKeyId(meter), (error) => hasCode(error, 'PW_ERR_ENVELOPE_UNKNOWN_KEY'));
  assert.throws(() => { ring.check(meter, 1); }, (error) => hasCode(error, 'PW_ERR_ENVELOPE_UNKNOWN_KEY'));
});

test('keeps the previous key id open during the grace period, then retires it', () => {
  const clock = new ManualClock(1_000_000);
  const ring = new KeyRing({ clock, initialKeyId: 1 });
  ring.rotate(meter, 2, 60_000);
  assert.equal(ring.sealingKeyId(meter), 2);
  assert.equal(ring.sealingKeyId(other), 1, 'other devices are not rotated');
  ring.check(meter, 2);
  ring.check(meter, 1);
  clock.advance(59_999);
  ring.check(meter, 1);
  clock.advance(1);
  assert.throws(
    () => { ring.check(meter, 1); },
    (error) => hasCode(error, 'PW_ERR_ENVELOPE_KEY_RETIRED') && /grace period ended/.test((error as Error).message),
  );
  ring.rotate(meter, 3, 0);
  assert.throws(() => { ring.check(meter, 2); }, (error) => hasCode(error, 'PW_ERR_ENVELOPE_KEY_RETIRED'));
});

test('only lets key ids go up, so a generation and its counters are never reused', () => {
  const ring = new KeyRing({ clock: new ManualClock(0), initialKeyId: 3 });
  for (const keyId of [3, 2, 0, 2 ** 32]) {
    assert.throws(() => { ring.rotate(meter, keyId, 0); }, (error) => hasCode(error, 'PW_ERR_INVALID_ARGUMENT'), `key id ${keyId}`);
  }
});

test('persists and restores a device state', () => {
  const clock = new ManualClock(0);
  const ring = new KeyRing({ clock, initialKeyId: 1 });
  ring.rotate(meter, 2, 1000);
  const restored = new KeyRing({ clock });
  restored.restore(meter, ring.state(meter)!);
  restored.check(meter, 1);
  assert.equal(restored.sealingKeyId(meter), 2);
  assert.throws(
    () => { restored.restore(meter, { current: 2, grace: [{ keyId: 2, until: 5 }] }); },
    (error) => hasCode(error, 'PW_ERR_INVALID_ARGUMENT'),
  );
});
