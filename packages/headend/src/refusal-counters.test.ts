import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RefusalCounters, refusalReasonOf } from './refusal-counters.ts';
import { sampled } from './head-end-log.ts';

describe('refusal counters', () => {
  it('maps error codes to reasons, anything unknown to a store failure', () => {
    assert.equal(refusalReasonOf('PW_ERR_REPLAY'), 'replayed');
    assert.equal(refusalReasonOf('PW_ERR_ENVELOPE_TOO_LARGE'), 'oversized');
    assert.equal(refusalReasonOf('PW_ERR_BATCH_INVALID'), 'malformed');
    assert.equal(refusalReasonOf('PW_ERR_ENVELOPE_AUTH'), 'forged');
    assert.equal(refusalReasonOf('PW_ERR_STORE_WRITE'), 'store-failed');
    assert.equal(refusalReasonOf(undefined), 'store-failed');
  });

  it('counts per device and reason', () => {
    const counters = new RefusalCounters();
    counters.count('meter-b1', 'replayed');
    counters.count('meter-a1', 'replayed');
    counters.count('meter-a1', 'replayed');
    counters.count('meter-a1', 'malformed');
    assert.equal(counters.of('meter-a1', 'replayed'), 2);
    assert.equal(counters.of('meter-a1', 'forged'), 0);
    assert.equal(counters.total('replayed'), 3);
    assert.equal(counters.total(), 4);
    assert.deepEqual(counters.list(), [
      { device: 'meter-a1', reason: 'malformed', count: 1 },
      { device: 'meter-a1', reason: 'replayed', count: 2 },
      { device: 'meter-b1', reason: 'replayed', count: 1 },
    ]);
  });

  it('samples the log: the first ten, then powers of two', () => {
    assert.deepEqual([1, 10, 11, 16, 17, 1024, 1025].map(sampled), [true, true, false, true, false, true, false]);
  });
});
