import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasCode } from '@phasewire/core';
import { deviceIdentity, deviceIdentityOf, deviceUri, parseDeviceIdentity } from './device-identity.ts';

const refused = (error: unknown): boolean => hasCode(error, 'PW_ERR_NO_DEVICE_ID');

describe('device identity in certificates', () => {
  it('names a meter or a gateway by the URI SAN, with a CN that agrees', () => {
    assert.deepEqual(deviceIdentityOf({ uris: ['urn:phasewire:meter:m-001'], commonNames: ['m-001'] }), deviceIdentity('meter', 'm-001'));
    assert.deepEqual(
      deviceIdentityOf({ uris: ['https://example.org', 'urn:phasewire:gateway:gw-7'], commonNames: [] }),
      deviceIdentity('gateway', 'gw-7'),
    );
    assert.equal(deviceUri(parseDeviceIdentity('meter:m-002')), 'urn:phasewire:meter:m-002');
  });

  it('refuses no phasewire URI, two of them, an unknown kind, a malformed id and a CN that differs', () => {
    assert.throws(() => deviceIdentityOf({ uris: [], commonNames: ['m-001'] }), refused);
    assert.throws(() => deviceIdentityOf({ uris: ['urn:phasewire:meter:m-001', 'urn:phasewire:meter:m-002'], commonNames: [] }), refused);
    assert.throws(() => deviceIdentityOf({ uris: ['urn:phasewire:inverter:x-001'], commonNames: [] }), refused);
    assert.throws(() => deviceIdentityOf({ uris: ['urn:phasewire:meter:M 001'], commonNames: [] }), refused);
    assert.throws(() => deviceIdentityOf({ uris: ['urn:phasewire:meter:m-001'], commonNames: ['m-002'] }), refused);
  });
});
