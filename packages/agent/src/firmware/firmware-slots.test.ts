import assert from 'node:assert/strict';
import { test } from 'node:test';
import { boot, checkOffer, commit, factorySlots, refused, rollBack, runningImage, stage } from './firmware-slots.ts';

const sha = (digit: string): string => digit.repeat(64);
const factory = factorySlots('PW3', 'r2', { version: '1.0.0', securityVersion: 2, sha256: sha('a') });
const offer = (version: string, securityVersion: number, model = 'PW3', hardwareRevision = 'r2') =>
  ({ model, hardwareRevision, version, securityVersion });

test('an image for another model or hardware revision, below the security floor, or already running is refused', () => {
  assert.deepEqual(checkOffer(factory, offer('1.1.0', 2)), { accept: true });
  assert.equal(checkOffer(factory, offer('1.1.0', 2, 'SM630')).accept, false);
  const other = checkOffer(factory, offer('1.1.0', 2, 'PW3', 'r1'));
  assert.ok(!other.accept && other.refusal === 'other-model');
  const rollback = checkOffer(factory, offer('0.9.0', 1));
  assert.ok(!rollback.accept && rollback.refusal === 'rollback' && /below the device's 2/.test(rollback.reason));
  const same = checkOffer(factory, offer('1.0.0', 2));
  assert.ok(!same.accept && same.refusal === 'same-version');
});

test('stage → boot → commit makes the other slot active and raises the security floor', () => {
  const staged = stage(factory, { version: '1.1.0', securityVersion: 5, sha256: sha('b') });
  assert.equal(staged.staged, 'b');
  assert.equal(runningImage(staged)?.version, '1.0.0', 'the running image keeps running until the boot');
  const busy = checkOffer(staged, offer('1.2.0', 5));
  assert.ok(!busy.accept && busy.refusal === 'busy');
  const trial = boot(staged);
  assert.deepEqual([trial.trial, trial.staged, runningImage(trial)?.version], ['b', undefined, '1.1.0']);
  const committed = commit(trial);
  assert.deepEqual([committed.active, committed.trial, committed.securityVersion, committed.last?.outcome],
    ['b', undefined, 5, 'committed']);
});

test('a failed health check or a restart during the trial rolls back, the floor unchanged', () => {
  const trial = boot(stage(factory, { version: '1.1.0', securityVersion: 5, sha256: sha('b') }));
  const failed = rollBack(trial, 'no ack within 60 s');
  assert.deepEqual([failed.active, failed.trial, failed.slots.b, failed.securityVersion], ['a', undefined, undefined, 2]);
  assert.deepEqual(failed.last, { outcome: 'rolled-back', version: '1.1.0', reason: 'no ack within 60 s' });
  const crashed = boot(trial);
  assert.deepEqual([crashed.active, crashed.last?.reason], ['a', 'the device restarted during the trial']);
  assert.equal(boot(factory), factory, 'nothing staged: the boot changes nothing');
  assert.deepEqual(refused(factory, '0.9.0', 'rollback').slots, factory.slots);
});
