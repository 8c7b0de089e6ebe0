import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LogSampler } from './log-sampler.ts';

describe('sampled log lines', () => {
  it('logs the first of a kind, counts the next thousand, and summarises them in one line', () => {
    const sampler = new LogSampler(60_000);
    const logged = Array.from({ length: 1001 }, (_, i) => sampler.record('tls:revoked', 1000 + i)).filter(Boolean).length;
    assert.equal(logged, 1);
    assert.deepEqual(sampler.flush(), [{ key: 'tls:revoked', count: 1000, since: 1001 }]);
  });

  it('keeps kinds apart, and starts a kind again in full after a quiet interval', () => {
    const sampler = new LogSampler(60_000);
    assert.equal(sampler.record('a', 0), true);
    assert.equal(sampler.record('b', 1), true);
    assert.equal(sampler.record('a', 2), false);
    assert.deepEqual(sampler.flush(), [{ key: 'a', count: 1, since: 2 }]);
    // b was quiet since its line: forgotten at this flush. a still counts until a quiet interval.
    assert.equal(sampler.record('a', 3), false);
    assert.deepEqual(sampler.flush(), [{ key: 'a', count: 1, since: 3 }]);
    assert.deepEqual(sampler.flush(), []);
    assert.equal(sampler.record('a', 4), true);
    assert.equal(sampler.record('b', 5), true);
  });
});
