import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RevocationSet } from '../pki/revocation-set.ts';
import type { PeerCertificate } from './peer-check.ts';
import { checkPeer, clientAuthOid, refusalReason, serverAuthOid } from './peer-check.ts';

const peer: PeerCertificate = {
  serial: '0A', validFrom: 1000, validTo: 5000, extendedKeyUsage: [clientAuthOid], uris: ['urn:phasewire:meter:m-1'], commonNames: ['m-1'],
};
const options = { revocations: RevocationSet.empty, now: 2000, requireDevice: true };

describe('the check after every handshake', () => {
  it('accepts a current, unrevoked device certificate and names the device', () => {
    assert.deepEqual(checkPeer(peer, options), { accepted: true, device: { kind: 'meter', id: 'm-1' } });
  });

  it('refuses a revoked, expired, not yet valid, wrong-usage or nameless certificate', () => {
    const reason = (certificate: PeerCertificate, extra = {}) => {
      const verdict = checkPeer(certificate, { ...options, ...extra });
      return verdict.accepted ? 'accepted' : verdict.reason;
    };
    const revocations = RevocationSet.empty.with({ serial: '0a', revokedAt: 1500, reason: 'keyCompromise' });
    assert.equal(reason(peer, { revocations }), 'revoked');
    assert.equal(reason(peer, { now: 5001 }), 'expired');
    assert.equal(reason(peer, { now: 999 }), 'not-yet-valid');
    assert.equal(reason({ ...peer, extendedKeyUsage: [serverAuthOid] }), 'wrong-usage');
    assert.equal(reason({ ...peer, uris: [] }), 'no-device-id');
    assert.equal(reason({ ...peer, uris: [] }, { requireDevice: false }), 'accepted');
  });

  it('names the reason of a failed handshake from OpenSSL\'s result or Node\'s code', () => {
    assert.equal(refusalReason('ECONNRESET', 'CERT_HAS_EXPIRED'), 'expired');
    assert.equal(refusalReason('ECONNRESET', 'CERT_REVOKED'), 'revoked');
    assert.equal(refusalReason('ECONNRESET', 'SOMETHING_NEW'), 'bad-certificate');
    assert.equal(refusalReason('ERR_SSL_NO_SHARED_CIPHER', undefined), 'no-shared-cipher');
    assert.equal(refusalReason(undefined, undefined), 'handshake-failed');
  });
});
