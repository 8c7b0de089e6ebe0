import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '@phasewire/core';
import { FixedWindowLimiter } from './rate-limiter.ts';

describe('FixedWindowLimiter', () => {
  it('allows the limit per window, refuses beyond it with the seconds left, and allows again in the next window', () => {
    const clock = new ManualClock(0);
    const limiter = new FixedWindowLimiter({ limit: 3, windowMs: 60_000 }, clock);
    assert.deepEqual([1, 2, 3, 4].map(() => limiter.hit('a').allowed), [true, true, true, false]);
    clock.advance(45_000);
    assert.deepEqual(limiter.hit('a'), { allowed: false, retryAfterSeconds: 15 });
    assert.equal(limiter.hit('b').allowed, true);
    clock.advance(15_000);
    assert.equal(limiter.hit('a').allowed, true);
  });

  it('checks without counting, and forgets a key on reset', () => {
    const limiter = new FixedWindowLimiter({ limit: 2, windowMs: 1_000 }, new ManualClock(0));
    limiter.hit('u');
    assert.equal(limiter.blocked('u').allowed, true);
    limiter.hit('u');
    assert.equal(limiter.blocked('u').allowed, false);
    limiter.reset('u');
    assert.equal(limiter.blocked('u').allowed, true);
  });

  it('keeps at most maxKeys keys under a flood of new ones', () => {
    const limiter = new FixedWindowLimiter({ limit: 1, windowMs: 60_000 }, new ManualClock(0), 100);
    for (let i = 0; i < 10_000; i++) limiter.hit(`ip-${i}`);
    assert.equal(limiter.size <= 100, true);
    assert.equal(limiter.hit('ip-9999').allowed, false);
  });
});
