import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { relayText } from './relay.ts';

const at = '2026-01-01T00:00:00.000Z';
const relay = { state: 'open' as const, armed: false, cause: null, fn: null, since: at, reportedAt: at, loadLimitVersion: null };

describe('relayText', () => {
  it('says why an open relay is open and whether it waits armed', () => {
    assert.equal(relayText(null), 'relay closed');
    assert.equal(relayText({ ...relay, state: 'closed' }), 'relay closed');
    assert.equal(relayText({ ...relay, cause: 'trip', fn: 'voltage-unbalance' }), 'relay open: tripped by voltage-unbalance');
    assert.equal(relayText({ ...relay, cause: 'remote', armed: true }), 'relay open: disconnected remotely, armed for reconnect');
  });
});
