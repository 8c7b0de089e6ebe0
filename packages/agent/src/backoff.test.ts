import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRandom } from '@phasewire/core';
import { Backoff } from './backoff.ts';

describe('reconnect backoff', () => {
  it('stays below a ceiling that doubles from the initial delay up to the maximum', () => {
    const backoff = new Backoff({ initialMs: 100, maxMs: 5000 }, new SeededRandom(3));
    const ceilings = [100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000];
    for (const ceiling of ceilings) {
      const delay = backoff.next();
      assert.ok(delay >= 0 && delay < ceiling, `${delay} should be below ${ceiling}`);
    }
    assert.equal(backoff.attempts, ceilings.length);
  });

  it('spreads a fleet over the whole window instead of retrying in step', () => {
    const delays = Array.from({ length: 1000 }, (_, i) => {
      const backoff = new Backoff({ initialMs: 1000, maxMs: 1000 }, new SeededRandom(i));
      return backoff.next();
    });
    const buckets = new Array<number>(10).fill(0);
    for (const d of delays) buckets[Math.floor(d / 100)] = (buckets[Math.floor(d / 100)] ?? 0) + 1;
    for (const count of buckets) assert.ok(count > 60 && count < 140, `bucket of ${count}`);
  });

  it('starts over after a reset and refuses a nonsensical policy', () => {
    const backoff = new Backoff({ initialMs: 10, maxMs: 10_000 }, new SeededRandom(1));
    for (let i = 0; i < 20; i++) backoff.next();
    backoff.reset();
    assert.ok(backoff.next() < 10);
    assert.throws(() => new Backoff({ initialMs: 0, maxMs: 10 }, new SeededRandom(1)), { code: 'PW_ERR_INVALID_ARGUMENT' });
    assert.throws(() => new Backoff({ initialMs: 100, maxMs: 10 }, new SeededRandom(1)), /expected 0 < initial ≤ max/);
  });
});
