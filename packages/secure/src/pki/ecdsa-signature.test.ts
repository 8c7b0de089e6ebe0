import assert from 'node:assert/strict';
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { DecodeError, hasCode } from '@phasewire/core';
import { ecdsaDerToP1363, ecdsaP1363ToDer, ecScalarLength } from './ecdsa-signature.ts';

describe('ECDSA signature forms', () => {
  it('converts an OpenSSL DER signature to the P1363 form WebCrypto verifies, and back to the same DER', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    const data = new TextEncoder().encode('phasewire');
    for (let i = 0; i < 20; i++) {
      const der = new Uint8Array(sign('sha384', data, { key: privateKey, dsaEncoding: 'der' }));
      const raw = ecdsaDerToP1363(der, 'P-384');
      assert.equal(raw.length, 96);
      assert.equal(verify('sha384', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, raw), true);
      assert.deepEqual(ecdsaP1363ToDer(raw, 'P-384'), der);
    }
  });

  it('round-trips any r || s of the curve size (leading zeros, high bits)', () => {
    for (const curve of ['P-256', 'P-384'] as const) {
      const size = ecScalarLength[curve];
      fc.assert(fc.property(fc.uint8Array({ minLength: size * 2, maxLength: size * 2 }), (raw) => {
        assert.deepEqual(ecdsaDerToP1363(ecdsaP1363ToDer(raw, curve), curve), raw);
      }));
    }
  });

  it('throws nothing but DecodeError on arbitrary bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 120 }), (bytes) => {
      try {
        ecdsaDerToP1363(bytes, 'P-384');
      } catch (error) {
        assert.ok(error instanceof DecodeError && hasCode(error, 'PW_ERR_DER'), String(error));
      }
    }));
  });

  it('refuses an integer longer than the curve, a negative one and trailing bytes', () => {
    const three = Uint8Array.of(0x30, 0x09, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01);
    assert.throws(() => ecdsaDerToP1363(three, 'P-256'), /more than 2 elements/);
    const tooBig = Uint8Array.of(0x30, 0x26, 0x02, 0x21, 0x01, ...new Uint8Array(32), 0x02, 0x01, 0x01);
    assert.throws(() => ecdsaDerToP1363(tooBig, 'P-256'), /r has 33 bytes/);
    const negative = Uint8Array.of(0x30, 0x06, 0x02, 0x01, 0x80, 0x02, 0x01, 0x01);
    assert.throws(() => ecdsaDerToP1363(negative, 'P-256'), /negative/);
    const trailing = Uint8Array.of(0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x00);
    assert.throws(() => ecdsaDerToP1363(trailing, 'P-256'), /after the element/);
  });
});
