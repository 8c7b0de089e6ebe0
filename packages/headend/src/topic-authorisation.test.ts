import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseGatewayId, parseMeterId } from '@phasewire/core';
import { authoriseConnect, authorisePublish, authoriseSubscribe } from './topic-authorisation.ts';
import type { DeviceRecord } from './registry.ts';

const meterA = { kind: 'meter', id: parseMeterId('meter-a1') } as const;
const gateway = { kind: 'gateway', id: parseGatewayId('gw-1') } as const;
const behind = new Set([parseMeterId('meter-b1')]);
const record = (state: DeviceRecord['state']): DeviceRecord =>
  ({ id: meterA.id, kind: 'meter', model: null, linkProfile: null, fingerprint: null, serial: null, state, lastSeen: null, gateway: null });

describe('topic authorisation from the certificate', () => {
  it('accepts a CONNECT only with the certificate\'s device id as client id and not when revoked', () => {
    assert.equal(authoriseConnect(meterA, 'meter-a1', record('active')).allowed, true);
    assert.equal(authoriseConnect(meterA, 'meter-a1', undefined).allowed, true);
    assert.equal(authoriseConnect(meterA, 'meter-b1', record('active')).allowed, false);
    const revoked = authoriseConnect(meterA, 'meter-a1', record('revoked'));
    assert.ok(!revoked.allowed && revoked.error.code === 'PW_ERR_HEADEND_UNAUTHORISED');
  });

  it('lets a meter publish its own uplink only', () => {
    assert.equal(authorisePublish(meterA, 'pw/v1/meter-a1/up/readings', behind).allowed, true);
    assert.equal(authorisePublish(meterA, 'pw/v1/meter-b1/up/readings', behind).allowed, false, 'a meter gets no gateway rights');
    assert.equal(authorisePublish(meterA, 'pw/v1/meter-a1/ack', behind).allowed, false, 'downlink is the head-end\'s');
  });

  it('lets a gateway act for the meters registered behind it, and no others', () => {
    assert.equal(authorisePublish(gateway, 'pw/v1/meter-b1/up/readings', behind).allowed, true);
    assert.equal(authorisePublish(gateway, 'pw/v1/meter-a1/up/readings', behind).allowed, false);
    assert.equal(authoriseSubscribe(gateway, 'pw/v1/meter-b1/ack', behind).allowed, true);
    assert.equal(authoriseSubscribe(gateway, 'pw/v1/+/ack', behind).allowed, false);
    assert.equal(authoriseSubscribe(meterA, 'pw/v1/meter-a1/#', behind).allowed, true);
    assert.equal(authoriseSubscribe(meterA, '#', behind).allowed, false);
  });
});
