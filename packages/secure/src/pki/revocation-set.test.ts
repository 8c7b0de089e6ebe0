import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { DecodeError } from '@phasewire/core';
import { encodeRevocations, parseRevocations, RevocationSet } from './revocation-set.ts';

describe('RevocationSet', () => {
  it('matches serials whatever their hex form (Node prints 0A, @peculiar/x509 0a)', () => {
    const set = RevocationSet.empty.with({ serial: '0a', revokedAt: 1, reason: 'keyCompromise' });
    assert.equal(set.has('0A'), true);
    assert.equal(set.has('000a'), true);
    assert.equal(set.has('0b'), false);
    assert.equal(RevocationSet.empty.size, 0, 'sets are immutable');
  });

  it('keeps the first revocation of a serial', () => {
    const set = RevocationSet.empty
      .with({ serial: '10', revokedAt: 1, reason: 'superseded' })
      .with({ serial: '10', revokedAt: 2, reason: 'keyCompromise' });
    assert.deepEqual(set.get('10'), { serial: '10', revokedAt: 1, reason: 'superseded' });
  });

  it('persists and reads back any set', () => {
    const entry = fc.record({
      serial: fc.uint8Array({ minLength: 1, maxLength: 20 }).map((bytes) => Buffer.from(bytes).toString('hex')),
      revokedAt: fc.integer({ min: 0, max: 2 ** 45 }),
      reason: fc.constantFrom('unspecified', 'keyCompromise', 'superseded', 'cessationOfOperation') as fc.Arbitrary<'unspecified'>,
    });
    fc.assert(fc.property(fc.array(entry, { maxLength: 20 }), (entries) => {
      const set = RevocationSet.of(entries);
      assert.deepEqual(parseRevocations(encodeRevocations(set)).entries(), set.entries());
    }));
  });

  it('refuses a malformed file with a DecodeError', () => {
    for (const text of ['', '[]', '{"format":2,"revoked":[]}',
      '{"format":1,"revoked":[{"serial":"zz","revokedAt":1,"reason":"unspecified"}]}',
      '{"format":1,"revoked":[{"serial":"01","revokedAt":1,"reason":"whim"}]}']) {
      assert.throws(() => parseRevocations(text), DecodeError, text);
    }
  });
});
