import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { hasCode, ManualClock } from '@phasewire/core';
import { deviceIdentity } from '../pki/device-identity.ts';
import { checkToken, constantTimeEqual, createToken, parseToken } from './enrollment-token.ts';
import { MemoryTokenStore } from '../testing/memory-token-store.ts';

const random = (n: number): Uint8Array => new Uint8Array(randomBytes(n));
const meter = deviceIdentity('meter', 'm-001');

describe('enrollment tokens', () => {
  it('are shown once and stored as a hash of the secret only', async () => {
    const { token, record } = await createToken(meter, 1000, new ManualClock(0), random);
    const { id, secret } = parseToken(token);
    assert.equal(record.id, id);
    assert.equal(record.secretHash.length, 64);
    assert.ok(!JSON.stringify(record).includes(secret));
  });

  it('check out when known, matching, current and unused; and are refused otherwise', async () => {
    const clock = new ManualClock(0);
    const store = new MemoryTokenStore();
    const { token, record } = await createToken(meter, 1000, clock, random);
    await store.add(record);
    assert.deepEqual(await checkToken(store, token, 500), record);
    const refused = (code: Parameters<typeof hasCode>[1]) => (error: unknown) => hasCode(error, code);
    const wrongSecret = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    await assert.rejects(checkToken(store, wrongSecret, 500), refused('PW_ERR_ENROLL_TOKEN_INVALID'));
    await assert.rejects(checkToken(store, 'pwe1.0000000000000000.' + 'A'.repeat(43), 500), refused('PW_ERR_ENROLL_TOKEN_INVALID'));
    await assert.rejects(checkToken(store, 'not a token', 500), refused('PW_ERR_ENROLL_TOKEN_INVALID'));
    await assert.rejects(checkToken(store, token, 1001), refused('PW_ERR_ENROLL_TOKEN_EXPIRED'));
    assert.equal(await store.consume(record.id, 600), true);
    assert.equal(await store.consume(record.id, 700), false);
    await assert.rejects(checkToken(store, token, 800), refused('PW_ERR_ENROLL_TOKEN_USED'));
  });

  it('compares hashes without an early exit', () => {
    assert.equal(constantTimeEqual('abcd', 'abcd'), true);
    assert.equal(constantTimeEqual('abcd', 'abce'), false);
    assert.equal(constantTimeEqual('abcd', 'abc'), false);
  });
});
