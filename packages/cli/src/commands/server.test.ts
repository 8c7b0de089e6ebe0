// `phasewire server reset-password`: the operator's way in on the machine, against a real api.db.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ManualClock } from '@phasewire/core';
import { Authentication, SqliteAccountStore, verifyPassword } from '@phasewire/api/node';
import { bufferIo } from '../io.ts';
import { runCli } from '../run.ts';

describe('phasewire server reset-password', () => {
  it('gives the user a new password that verifies, ends their sessions and audits it; refuses an unknown user', { timeout: 60_000 },
    async () => {
    const dir = await mkdtemp(join(tmpdir(), 'phasewire-cli-reset-'));
    try {
      const seed = new SqliteAccountStore(join(dir, 'api.db'));
      const auth = new Authentication({ accounts: seed, clock: new ManualClock(0), scrypt: { N: 2 ** 10, r: 8, p: 1 } });
      const first = await auth.createInitialAdmin();
      assert.notEqual(first, null);
      const session = await auth.login('admin', first!.password, '127.0.0.1');
      const sessionHash = createHash('sha256').update(session.cookie).digest('hex');
      assert.notEqual(seed.session(sessionHash), undefined);
      seed.close();

      const io = bufferIo({}, dir);
      assert.equal(await runCli(['server', 'reset-password', '--user', 'admin', '--data-dir', '.'], io), 0, io.stderr());
      const password = io.stdout().trim();
      assert.match(password, /^[A-Za-z0-9_-]{24}$/);
      assert.match(io.stderr(), /new password for admin \(shown only now\); their sessions have ended/);

      const accounts = new SqliteAccountStore(join(dir, 'api.db'));
      try {
        const admin = accounts.userByName('admin')!;
        assert.equal(await verifyPassword(password, admin.passwordHash), true);
        assert.equal(await verifyPassword(first!.password, admin.passwordHash), false);
        assert.equal(accounts.session(sessionHash), undefined, 'the session has ended');
        assert.equal(accounts.audit('default', 10).some((entry) => entry.action === 'user.password-reset' && entry.object === `user:${admin
          .id}`), true);
      } finally {
        accounts.close();
      }

      const unknown = bufferIo({}, dir);
      assert.equal(await runCli(['server', 'reset-password', '--user', 'nobody', '--data-dir', '.'], unknown), 2);
      assert.match(unknown.stderr(), /Invalid --user "nobody": .*has no such user \[PW_ERR_INVALID_OPTION\]/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
