// The server's SQLite files are readable by its user only: phasewire.db, headend.db and api.db, and
// their -wal and -shm files, at mode 0600 whatever the umask, also when an older version made them 0644.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteAccountStore } from '@phasewire/api/node';
import { openHeadEndDatabase } from '@phasewire/headend/node';
import { SqliteMeterStore } from '@phasewire/store/node';
import { openPrivateDatabase } from '@phasewire/store/node';

const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8);

describe('the modes of the server\'s SQLite files', () => {
  let dir: string;
  let umask: number;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'phasewire-modes-'));
    // The usual umask: without the fix, files come out 0644.
    umask = process.umask(0o022);
  });
  after(async () => {
    process.umask(umask);
    await rm(dir, { recursive: true, force: true });
  });

  it('creates phasewire.db, headend.db and api.db with their -wal and -shm at 0600', async () => {
    const store = await SqliteMeterStore.open({ path: join(dir, 'phasewire.db'), backgroundCheckpoints: false });
    const headEnd = openHeadEndDatabase(join(dir, 'headend.db'));
    const accounts = new SqliteAccountStore(join(dir, 'api.db'));
    try {
      for (const name of ['phasewire.db', 'headend.db', 'api.db']) {
        for (const suffix of ['', '-wal', '-shm']) assert.equal(mode(join(dir, name + suffix)), '600', `${name}${suffix}`);
      }
    } finally {
      accounts.close();
      headEnd.close();
      await store.close();
    }
  });

  it('narrows a database and its companions made 0644 by an older version', () => {
    const path = join(dir, 'old.db');
    openPrivateDatabase(path).close();
    for (const suffix of ['', '-wal', '-shm']) {
      if (suffix !== '') writeFileSync(path + suffix, '');
      chmodSync(path + suffix, 0o644);
    }
    openPrivateDatabase(path).close();
    for (const suffix of ['', '-wal', '-shm']) assert.equal(mode(path + suffix), '600', `old.db${suffix}`);
  });
});
