import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InflightTracker } from './inflight.ts';

function envelope(seq: number, counter: bigint, keyId = 1) {
  const payload = new Uint8Array(40);
  const view = new DataView(payload.buffer);
  view.setUint32(4, keyId);
  view.setBigUint64(8, counter);
  return { seq, payload };
}

describe('in-flight tracker', () => {
  it('sends oldest first within the window and maps acked counters back to queue sequences', () => {
    const tracker = new InflightTracker({ maxInflight: 2, ackTimeoutMs: 1000 });
    const queued = [envelope(1, 10n), envelope(2, 11n), envelope(3, 12n)];
    assert.deepEqual(tracker.take(queued, 0).map((r) => r.seq), [1, 2]);
    assert.deepEqual(tracker.take(queued, 10), [], 'the window is full');
    assert.deepEqual(tracker.acked(1, [11n, 99n]), [2]);
    assert.deepEqual(tracker.acked(2, [10n]), [], 'another key id is another counter');
    assert.deepEqual(tracker.take([envelope(1, 10n), envelope(3, 12n)], 20).map((r) => r.seq), [3]);
  });

  it('sends again after the ack timeout or a reconnect', () => {
    const tracker = new InflightTracker({ maxInflight: 4, ackTimeoutMs: 1000 });
    const queued = [envelope(1, 1n)];
    tracker.take(queued, 0);
    assert.equal(tracker.nextTimeout(), 1000);
    assert.deepEqual(tracker.take(queued, 999), []);
    assert.deepEqual(tracker.take(queued, 1000).map((r) => r.seq), [1]);
    tracker.reset();
    assert.deepEqual(tracker.take(queued, 1001).map((r) => r.seq), [1]);
  });
});
