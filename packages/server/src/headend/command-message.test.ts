import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DecodeError } from '@phasewire/core';
import { fromWireCommand, fromWireResponse, toWireCommand, toWireResponse } from './command-message.ts';

describe('command messages', () => {
  it('round-trip a command and a response', () => {
    const command = { id: 'c-1', kind: 'clock-sync', expiresAt: 1_767_000_000_000, time: 1_766_999_999_000 } as const;
    assert.deepEqual(toWireCommand(command), { v: 1, id: 'c-1', op: 'clock-sync', exp: 1_767_000_000_000, t: 1_766_999_999_000 });
    assert.deepEqual(fromWireCommand(toWireCommand(command)), command);
    const anchored = { ...command, after: { keyId: 1, counter: 42n, heldMs: 250 } };
    assert.deepEqual(toWireCommand(anchored), { ...toWireCommand(command), k: 1, c: 42, h: 250 });
    assert.deepEqual(fromWireCommand(toWireCommand(anchored)), anchored);
    assert.deepEqual(fromWireResponse(toWireResponse({ id: 'c-1', ok: false, code: 'PW_ERR_X', reason: 'busy' })), { id: 'c-1', ok: false, code: 'PW_ERR_X', reason: 'busy' });
    assert.deepEqual(fromWireResponse({ v: 1, id: 'c-2', ok: true, relay: 'open' }), { id: 'c-2', ok: true, result: { relay: 'open' } });
  });

  it('decode any value to a message or a DecodeError', () => {
    fc.assert(fc.property(fc.anything(), (value) => {
      for (const decode of [fromWireCommand, fromWireResponse]) {
        try { decode(value); } catch (error) { assert.ok(error instanceof DecodeError); }
      }
    }));
    assert.throws(() => fromWireCommand({ v: 1, id: 'x', op: 'format-disk', exp: 1 }), { code: 'PW_ERR_HEADEND_MESSAGE' });
  });
});
