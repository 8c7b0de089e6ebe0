import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ManualClock, PhasewireError } from '@phasewire/core';
import { Authentication } from './authentication.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import { SqliteAccountStore } from './sqlite-accounts.ts';

const cheap = { N: 2 ** 10, r: 8, p: 1 };

describe('authentication', () => {
  it('hashes with scrypt, keeps the parameters in the hash, and never matches a malformed hash', async () => {
    const hash = await hashPassword('a long enough password', cheap);
    assert.match(hash, /^scrypt\$1024\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    assert.equal(await verifyPassword('a long enough password', hash), true);
    assert.equal(await verifyPassword('a long enough passworD', hash), false);
    for (const bad of ['', 'scrypt$1$1$1$x$y', 'bcrypt$…', hash.replace('$1024$', '$4194304$')])
      assert.equal(await verifyPassword('x', bad), false);
  });

  it('runs at most two hashes at once and refuses a burst beyond its queue with 429, not with memory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'phasewire-auth-'));
    const accounts = new SqliteAccountStore(join(dir, 'api.db'));
    try {
      const auth = new Authentication({ accounts, clock: new ManualClock(0), scrypt: cheap });
      const outcomes = await Promise.allSettled(Array.from({ length: 100 }, () => auth.login('nobody', 'guess', '192.0.2.1')));
      const codes = outcomes.map((o) => (o.status === 'rejected' && o.reason instanceof PhasewireError ? o.reason.code : 'other'));
      assert.equal(codes.filter((c) => c === 'PW_ERR_API_UNAUTHENTICATED').length, 2 + 64);
      assert.equal(codes.filter((c) => c === 'PW_ERR_API_RATE_LIMITED').length, 100 - 66);
    } finally {
      accounts.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('creates the first admin once, with a random password that signs in', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'phasewire-auth-'));
    const accounts = new SqliteAccountStore(join(dir, 'api.db'));
    try {
      const auth = new Authentication({ accounts, clock: new ManualClock(0), scrypt: cheap });
      const first = await auth.createInitialAdmin();
      assert.equal(first?.username, 'admin');
      assert.equal(first.password.length >= 24, true);
      assert.equal(await auth.createInitialAdmin(), null);
      const session = await auth.login('admin', first.password, '192.0.2.1');
      assert.equal(session.user.role, 'admin');
      assert.equal(accounts.session(session.cookie), undefined, 'the cookie value itself is not stored');
    } finally {
      accounts.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
