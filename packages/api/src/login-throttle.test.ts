import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '@phasewire/core';
import { defaultBackoffPolicy, LoginThrottle } from './login-throttle.ts';

describe('login throttle', () => {
  it('waits only after the free failures, doubling up to the cap, per (name, address)', () => {
    const clock = new ManualClock(0);
    const throttle = new LoginThrottle({ freeFailures: 2, backoffMs: 1000, maxBackoffMs: 8000, forgetMs: 60_000 }, clock);
    const waits = Array.from({ length: 7 }, () => throttle.failed('admin', '198.51.100.7'));
    assert.deepEqual(waits, [0, 0, 1000, 2000, 4000, 8000, 8000]);
    assert.deepEqual(throttle.check('admin', '198.51.100.7'), { allowed: false, retryAfterSeconds: 8 });
    assert.deepEqual(throttle.check('admin', '203.0.113.9'), { allowed: true, retryAfterSeconds: 0 }, 'another address is not held up');
    assert.deepEqual(throttle.check('operator', '198.51.100.7'), { allowed: true, retryAfterSeconds: 0 },
      'another name from it is not either');
    clock.advance(8000);
    assert.equal(throttle.check('admin', '198.51.100.7').allowed, true);
    assert.equal(throttle.failed('admin', '198.51.100.7'), 8000, 'a failure after the wait keeps the count');
  });

  it('forgets a pair after a quiet spell past its wait, and on success', () => {
    const clock = new ManualClock(0);
    const throttle = new LoginThrottle(defaultBackoffPolicy, clock);
    for (let i = 0; i < 6; i++) throttle.failed('admin', 'a');
    clock.advance(1000 + defaultBackoffPolicy.forgetMs);
    assert.equal(throttle.failed('admin', 'a'), 0, 'counted afresh');
    throttle.succeeded('admin', 'a');
    assert.equal(throttle.size, 0);
  });

  it('keeps at most maxKeys pairs under a flood of fresh ones', () => {
    const clock = new ManualClock(0);
    const throttle = new LoginThrottle(defaultBackoffPolicy, clock, 100);
    for (let i = 0; i < 1000; i++) throttle.failed(`user${i}`, `addr${i}`);
    assert.equal(throttle.size <= 100, true);
  });
});
