import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasCode } from '@phasewire/core';
import type { CaState } from './ca-state.ts';
import { encodeCaState, parseCaState } from './ca-state.ts';
import { deviceIdentity } from './device-identity.ts';

const state: CaState = {
  format: 1, nextSerial: 6, crlNumber: 3, keys: { root: 'r', issuing: 'i' }, root: '01', issuing: '02',
  issued: [
    { serial: '02', profile: 'issuing-ca', subject: 'CN=i', notBefore: 1000, notAfter: 2000, issuedAt: 1000 },
    { serial: '03', profile: 'server', subject: 'CN=s', names: { dns: ['localhost'], ips: ['127.0.0.1'] },
      notBefore: 1000, notAfter: 2000, issuedAt: 1000, replacedBy: '05' },
    { serial: '04', profile: 'device', subject: 'CN=m-1', device: deviceIdentity('meter', 'm-1'),
      notBefore: 1000, notAfter: 2000, issuedAt: 1000, revoked: { at: 1500, reason: 'keyCompromise' } },
    { serial: '05', profile: 'server', subject: 'CN=s', names: { dns: ['localhost'], ips: [] },
      notBefore: 1000, notAfter: 2000, issuedAt: 1000, replaces: '03' },
  ],
};

describe('CA state', () => {
  it('reads back what it writes', () => {
    assert.deepEqual(parseCaState(encodeCaState(state)), state);
  });

  it('refuses a damaged document with PW_ERR_CA_STATE', () => {
    const text = encodeCaState(state);
    for (const damaged of [text.slice(0, 100), text.replace('"format": 1', '"format": 2'), text.replace('"meter:m-1"', '"meter:M 1"'),
      text.replace('"keyCompromise"', '"boredom"'), text.replace('"nextSerial": 6', '"nextSerial": -1'), text.replace('"05"', '"zz"')]) {
      assert.throws(() => parseCaState(damaged), (error) => hasCode(error, 'PW_ERR_CA_STATE'));
    }
  });
});
