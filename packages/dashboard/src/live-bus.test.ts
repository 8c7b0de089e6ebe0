import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LiveBus } from './live-bus.ts';

describe('LiveBus', () => {
  it('delivers messages and status to the listeners still on', () => {
    const bus = new LiveBus();
    const seen: string[] = [];
    const off = bus.on((m) => seen.push(m.type));
    bus.onStatus((up) => seen.push(up ? 'up' : 'down'));
    bus.setStatus(true);
    bus.emit({ type: 'meter', meter: 'm', online: true, state: 'active', lastSeen: null });
    off();
    bus.emit({ type: 'meter', meter: 'm', online: false, state: 'active', lastSeen: null });
    bus.setStatus(false);
    assert.deepEqual(seen, ['up', 'meter', 'down']);
    assert.equal(bus.connected, false);
  });
  it('tells the listeners still on that the session ended, with the server\'s reason', () => {
    const bus = new LiveBus();
    const reasons: string[] = [];
    const off = bus.onSessionEnded((reason) => reasons.push(reason));
    bus.sessionEnded('the session expired');
    off();
    bus.sessionEnded('the session was idle too long');
    assert.deepEqual(reasons, ['the session expired']);
  });
});
