import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DecodeError } from '@phasewire/core';
import { fromWireAck, toWireAcks } from './ack-message.ts';

describe('ack message', () => {
  it('builds one body per key id in the agent\'s shape and round-trips the counters', () => {
    const entries = [{ keyId: 1, counter: 1n }, { keyId: 2, counter: 9_007_199_254_740_993n }, { keyId: 1, counter: 3n }];
    const bodies = toWireAcks(entries);
    assert.deepEqual(bodies, [{ v: 1, k: 1, c: [1, 3] }, { v: 1, k: 2, c: [9_007_199_254_740_993n] }]);
    assert.deepEqual(bodies.flatMap(fromWireAck), [entries[0], entries[2], entries[1]]);
  });

  it("carries the refusals of partly refused messages (r) and round-trips them (the agent reads it: agent-messages.test.ts in packages/agent)", () => {
    const entries = [{ keyId: 1, counter: 4n, refused: { code: 'PW_ERR_HEADEND_READING_TIME', readings: 6 } }, { keyId: 1, counter: 5n }];
    const bodies = toWireAcks(entries);
    assert.deepEqual(bodies, [{ v: 1, k: 1, c: [4, 5], r: [{ c: 4, e: 'PW_ERR_HEADEND_READING_TIME', n: 6 }] }]);
    assert.deepEqual(bodies.flatMap(fromWireAck), entries);
    assert.throws(() => fromWireAck({ v: 1, k: 1, c: [4], r: [{ c: 4, e: 'nope', n: 1 }] }), { code: 'PW_ERR_HEADEND_MESSAGE' });
    assert.throws(() => fromWireAck({ v: 1, k: 1, c: [4], r: [{ c: 4, e: 'PW_ERR_X', n: 0 }] }), { code: 'PW_ERR_HEADEND_MESSAGE' });
  });

  it('refuses to build an empty ack or one with a counter below 1', () => {
    assert.throws(() => toWireAcks([]), { code: 'PW_ERR_INVALID_ARGUMENT' });
    assert.throws(() => toWireAcks([{ keyId: 1, counter: 0n }]), { code: 'PW_ERR_INVALID_ARGUMENT' });
  });

  it('decodes any value to entries or a DecodeError, never anything else', () => {
    fc.assert(fc.property(fc.anything(), (value) => {
      try {
        const entries = fromWireAck(value);
        assert.ok(entries.every((e) => e.keyId >= 1 && e.counter >= 1n));
      } catch (error) {
        assert.ok(error instanceof DecodeError && error.code === 'PW_ERR_HEADEND_MESSAGE');
      }
    }));
    assert.throws(() => fromWireAck({ v: 1, k: 1, c: [0] }), { code: 'PW_ERR_HEADEND_MESSAGE' });
    assert.throws(() => fromWireAck({ v: 2, k: 1, c: [1] }), { code: 'PW_ERR_HEADEND_MESSAGE' });
  });
});
