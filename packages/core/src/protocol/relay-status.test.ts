// The sealed relay status: encode and decode are inverse, and the decoder is total (any value gives
// the status or PW_ERR_RELAY_STATUS_INVALID).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeRelayStatus, encodeRelayStatus, type RelayStatus } from './relay-status.ts';

describe('relay status', () => {
  it('round-trips every shape', () => {
    const shapes: RelayStatus[] = [
      { relay: 'closed', armed: false, at: 1 },
      { relay: 'open', armed: false, by: 'trip', fn: 'voltage-unbalance', at: 1_767_225_600_000, loadLimitVersion: 4 },
      { relay: 'open', armed: true, by: 'remote', at: 5 },
    ];
    for (const status of shapes) assert.deepEqual(decodeRelayStatus(encodeRelayStatus(status)), status);
    assert.deepEqual(encodeRelayStatus(shapes[1] as RelayStatus),
      { v: 1, relay: 'open', armed: false, by: 'trip', fn: 'voltage-unbalance', at: 1_767_225_600_000, lv: 4 });
  });

  it('refuses what is not a relay status, with its code', () => {
    const good = { v: 1, relay: 'open', armed: false, at: 1 };
    for (const bad of [null, [], 'open', { ...good, v: 2 }, { ...good, relay: 'ajar' }, { ...good, armed: 1 }, { ...good, by: 'storm' },
      { ...good, fn: '' }, { ...good, fn: 'x'.repeat(65) }, { ...good, at: -1 }, { ...good, at: 1.5 }, { ...good, lv: 0 }]) {
      assert.throws(() => decodeRelayStatus(bad), { code: 'PW_ERR_RELAY_STATUS_INVALID' }, JSON.stringify(bad));
    }
  });
});
