import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { linkProfiles } from './link-profile.ts';
import { UplinkPolicy } from './uplink-policy.ts';

const idle = { queued: 0, commandsInProgress: 0 };
const busy = { queued: 3, commandsInProgress: 0 };

describe('uplink policy', () => {
  it('keeps a wifi link connected whatever the work, and retries every loss', () => {
    const wifi = new UplinkPolicy(linkProfiles.wifi);
    assert.equal(wifi.shouldConnect(idle), true);
    assert.equal(wifi.shouldSleep(idle), false);
    assert.equal(wifi.afterClose(idle), 'retry');
  });

  it('connects a cellular link only for work, and sleeps once acks and answers are all in', () => {
    const cellular = new UplinkPolicy(linkProfiles.cellular);
    assert.equal(cellular.shouldConnect(idle), false);
    assert.equal(cellular.shouldConnect(busy), true);
    assert.equal(cellular.shouldSleep(busy), false);
    assert.equal(cellular.shouldSleep({ queued: 0, commandsInProgress: 1 }), false);
    assert.equal(cellular.shouldSleep(idle), true);
    assert.equal(cellular.afterClose(busy), 'retry', 'a window cut short is retried');
    assert.equal(cellular.afterClose(idle), 'asleep');
  });
});
