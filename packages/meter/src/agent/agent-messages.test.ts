import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { DecodeError } from '@phasewire/core';
import { ackBody, commandBody, decodeAck, decodeCommand } from './agent-messages.ts';

describe('agent message bodies', () => {
  it('round-trips commands and acks through their body form', () => {
    const command = { id: 'c-1', op: 'clock-sync', expiresAt: 1_800_000_000_000, time: 1_799_999_999_000 } as const;
    assert.deepEqual(decodeCommand(commandBody(command)), command);
    const anchored = { ...command, after: { keyId: 1, counter: 2n ** 60n } };
    assert.deepEqual(decodeCommand(commandBody(anchored)), anchored);
    assert.deepEqual(decodeAck(ackBody({ keyId: 2, counters: [1n, 2n ** 60n] })), { keyId: 2, counters: [1n, 2n ** 60n] });
  });

  it('reads the refusals of an ack (r): the messages whose readings the head-end will never store, with the code', () => {
    assert.deepEqual(decodeAck({ v: 1, k: 1, c: [3, 4], r: [{ c: 3, e: 'PW_ERR_HEADEND_READING_TIME', n: 2 }] }),
      { keyId: 1, counters: [3n, 4n], refused: [{ counter: 3n, code: 'PW_ERR_HEADEND_READING_TIME', readings: 2 }] });
    const code = (error: unknown) => error instanceof DecodeError && error.code === 'PW_ERR_AGENT_ACK_INVALID';
    assert.throws(() => decodeAck({ v: 1, k: 1, c: [3], r: [{ c: 3, e: 'not a code', n: 2 }] }), code);
    assert.throws(() => decodeAck({ v: 1, k: 1, c: [3], r: [{ c: 3, e: 'PW_ERR_X', n: 2 }, { c: 3, e: 'PW_ERR_X', n: 2 }] }), code);
  });

  it('refuses a command without an expiry, with an unknown operation, or a clock-sync without a time', () => {
    const code = (error: unknown) => error instanceof DecodeError && error.code === 'PW_ERR_COMMAND_INVALID';
    assert.throws(() => decodeCommand({ v: 1, id: 'a', op: 'read' }), code);
    assert.throws(() => decodeCommand({ v: 1, id: 'a', op: 'format-disk', exp: 1 }), code);
    assert.throws(() => decodeCommand({ v: 1, id: 'a', op: 'clock-sync', exp: 1 }), code);
    assert.throws(() => decodeCommand({ v: 1, id: 'x'.repeat(65), op: 'read', exp: 1 }), code);
    assert.throws(() => decodeCommand({ v: 1, id: 'a', op: 'clock-sync', exp: 1, t: 1, k: 1 }), code);
    assert.throws(() => decodeCommand({ v: 1, id: 'a', op: 'clock-sync', exp: 1, t: 1, k: 0, c: 5 }), code);
  });

  it('decodes any value to a message or a DecodeError, never anything else', () => {
    fc.assert(fc.property(fc.anything(), (value) => {
      for (const decode of [decodeCommand, decodeAck]) {
        try { decode(value); } catch (error) { assert.ok(error instanceof DecodeError); }
      }
    }), { numRuns: 500 });
  });
});
