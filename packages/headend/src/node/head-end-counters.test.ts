import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { counterScope } from '@phasewire/secure';
import type { DeviceId } from '@phasewire/secure';
import { openHeadEndDatabase } from './sqlite-registry.ts';
import { HeadEndCounters } from './head-end-counters.ts';
import { SqliteCounterTable } from './sqlite-counter-table.ts';

const scope = (device: string) => counterScope(device as DeviceId, 'downlink', 1);

describe('HeadEndCounters on SQLite', () => {
  let dir: string;
  let db: DatabaseSync;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'phasewire-counters-'));
    db = openHeadEndDatabase(join(dir, 'headend.db'));
  });
  after(async () => {
    db.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the immediate advances of one turn in one transaction, durable when their promise resolves', async () => {
    const counters = new HeadEndCounters(new SqliteCounterTable(db), 'immediate');
    let commits = 0;
    const exec = db.exec.bind(db);
    db.exec = (sql: string) => { if (sql === 'COMMIT') commits++; exec(sql); };
    try {
      const writes = ['m-1', 'm-2', 'm-3'].map((device, i) => counters.advance(scope(device), BigInt(1024 * (i + 1))));
      assert.ok(writes.every((write) => write instanceof Promise), 'every advance waits for its write');
      // Not durable before the write: a fresh reader of the database sees nothing yet.
      assert.equal(new HeadEndCounters(new SqliteCounterTable(db), 'immediate').get(scope('m-1')), 0n);
      await Promise.all(writes);
      assert.equal(commits, 1);
    } finally {
      db.exec = exec;
    }
    const reread = new HeadEndCounters(new SqliteCounterTable(db), 'immediate');
    assert.deepEqual(['m-1', 'm-2', 'm-3'].map((device) => reread.get(scope(device))), [1024n, 2048n, 3072n]);
  });

  it('makes a covered advance wait for the pending write of its scope, and never lowers a value', async () => {
    const counters = new HeadEndCounters(new SqliteCounterTable(db), 'immediate');
    const first = counters.advance(scope('m-4'), 2048n);
    const covered = counters.advance(scope('m-4'), 1024n);
    assert.ok(covered instanceof Promise, 'a value covered by a pending write is not durable yet');
    await Promise.all([first, covered]);
    assert.equal(counters.advance(scope('m-4'), 1024n), undefined);
    assert.equal(new HeadEndCounters(new SqliteCounterTable(db), 'immediate').get(scope('m-4')), 2048n);
  });

  it('keeps deferred advances in memory until persist writes them', async () => {
    const counters = new HeadEndCounters(new SqliteCounterTable(db), 'deferred');
    assert.equal(counters.advance(scope('m-5'), 7n), undefined);
    assert.equal(counters.get(scope('m-5')), 7n);
    assert.equal(counters.durable(scope('m-5')), 0n);
    assert.deepEqual(await counters.persist([{ scope: scope('m-5'), counter: 7n }]), [{ scope: scope('m-5'), counter: 7n }]);
    assert.equal(counters.durable(scope('m-5')), 7n);
    assert.equal(new HeadEndCounters(new SqliteCounterTable(db), 'deferred').get(scope('m-5')), 7n);
  });
});
