import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ackVectors, decodeAck } from '@phasewire/core/protocol';
import { ackEntries, toWireAcks } from './ack-message.ts';

describe('ack message', () => {
  it('builds one body per key id in the protocol\'s shape and round-trips the counters', () => {
    const entries = [{ keyId: 1, counter: 1n }, { keyId: 2, counter: 9_007_199_254_740_993n }, { keyId: 1, counter: 3n }];
    const bodies = toWireAcks(entries);
    assert.deepEqual(bodies, [{ v: 1, k: 1, c: [1, 3] }, { v: 1, k: 2, c: [9_007_199_254_740_993n] }]);
    assert.deepEqual(bodies.flatMap((body) => ackEntries(decodeAck(body))), [entries[0], entries[2], entries[1]]);
  });

  it('sends every valid protocol ack vector as its wire body (the meter agent decodes the same vectors)', () => {
    for (const vector of ackVectors.valid) {
      assert.deepEqual(toWireAcks(ackEntries(vector.decoded)), [vector.wire], vector.name);
    }
  });

  it('carries the refusals of partly refused messages (r) and round-trips them', () => {
    const entries = [{ keyId: 1, counter: 4n, refused: { code: 'PW_ERR_HEADEND_READING_TIME', readings: 6 } }, { keyId: 1, counter: 5n }];
    const bodies = toWireAcks(entries);
    assert.deepEqual(bodies, [{ v: 1, k: 1, c: [4, 5], r: [{ c: 4, e: 'PW_ERR_HEADEND_READING_TIME', n: 6 }] }]);
    assert.deepEqual(bodies.flatMap((body) => ackEntries(decodeAck(body))), entries);
  });

  it('refuses to build an empty ack, one with a counter below 1, or one the meter would refuse', () => {
    assert.throws(() => toWireAcks([]), { code: 'PW_ERR_INVALID_ARGUMENT' });
    assert.throws(() => toWireAcks([{ keyId: 1, counter: 0n }]), { code: 'PW_ERR_INVALID_ARGUMENT' });
    const badCode = { keyId: 1, counter: 1n, refused: { code: 'nope', readings: 1 } };
    assert.throws(() => toWireAcks([badCode]), { code: 'PW_ERR_INVALID_ARGUMENT' });
  });
});
