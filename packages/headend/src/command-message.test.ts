import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeCommandResponse } from '@phasewire/core/protocol';
import { answerOf } from './command-message.ts';

describe('command answers', () => {
  it('gather what the device returned besides id, ok, code and reason in result', () => {
    assert.deepEqual(answerOf(decodeCommandResponse({ v: 1, id: 'c-1', ok: false, code: 'PW_ERR_X', reason: 'busy' })),
      { id: 'c-1', ok: false, code: 'PW_ERR_X', reason: 'busy' });
    assert.deepEqual(answerOf(decodeCommandResponse({ v: 1, id: 'c-2', ok: true, relay: 'open' })),
      { id: 'c-2', ok: true, result: { relay: 'open' } });
    assert.deepEqual(answerOf(decodeCommandResponse({ v: 1, id: 'c-3', ok: true })), { id: 'c-3', ok: true });
  });
});
