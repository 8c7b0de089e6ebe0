import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { DecodeError } from '@phasewire/core';
import { derTag, encodeTlv } from '../pki/der.ts';
import { decodeCertsOnly, encodeCertsOnly } from './certs-only.ts';

const fakeCertificate = (n: number): Uint8Array => encodeTlv(derTag.sequence, encodeTlv(derTag.integer, Uint8Array.of(n)));

describe('PKCS#7 certs-only', () => {
  it('decodes what it encodes, in order', () => {
    const certificates = [fakeCertificate(1), fakeCertificate(2)];
    assert.deepEqual(decodeCertsOnly(encodeCertsOnly(certificates)), certificates);
  });

  it('refuses another content type and a message without certificates', () => {
    const message = encodeCertsOnly([fakeCertificate(1)]);
    const otherType = Uint8Array.from(message);
    otherType[otherType.indexOf(0x02, 4)] = 0x03;
    assert.throws(() => decodeCertsOnly(otherType), DecodeError);
    assert.throws(() => decodeCertsOnly(encodeCertsOnly([]).subarray(0, 10)), DecodeError);
  });

  it('throws nothing but DecodeError on mutated messages', () => {
    const message = encodeCertsOnly([fakeCertificate(1), fakeCertificate(2)]);
    fc.assert(fc.property(fc.nat(message.length - 1), fc.integer({ min: 0, max: 255 }), (index, value) => {
      const mutated = Uint8Array.from(message);
      mutated[index] = value;
      try {
        decodeCertsOnly(mutated);
      } catch (error) {
        assert.ok(error instanceof DecodeError, String(error));
      }
    }));
  });
});
