import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, describe, it } from 'node:test';
import { WalCheckpointer } from './wal-checkpointer.ts';

const dir = mkdtempSync(join(tmpdir(), 'phasewire-wal-'));
after(() => { rmSync(dir, { recursive: true, force: true }); });

/** A WAL database whose writer never checkpoints itself, with `rows` rows of 1 kB committed. */
function writer(name: string, rows: number): { db: DatabaseSync; path: string } {
  const path = join(dir, name);
  const db = new DatabaseSync(path);
  db.exec('PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0; CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)');
  const insert = db.prepare('INSERT INTO t (v) VALUES (randomblob(1000))');
  for (let i = 0; i < rows; i += 100) {
    db.exec('BEGIN');
    for (let j = i; j < Math.min(rows, i + 100); j++) insert.run();
    db.exec('COMMIT');
  }
  return { db, path };
}

describe('WalCheckpointer', () => {
  it('copies the committed pages into the database file from its own thread while the writer never checkpoints', async () => {
    const { db, path } = writer('copies.db', 2_000);
    const before = statSync(path).size;
    let seen: { log: number; checkpointed: number } | undefined;
    const copied = new Promise<void>((resolve) => {
      const checkpointer = WalCheckpointer.start({ path, intervalMs: 10, onCheckpoint: (log, checkpointed) => {
        seen = { log, checkpointed };
        void checkpointer.stop().then(resolve);
      } });
    });
    await copied;
    assert.ok(seen !== undefined && seen.log > 400 && seen.checkpointed === seen.log,
      `every frame of the WAL copied: ${JSON.stringify(seen)}`);
    assert.ok(statSync(path).size > before + 1_000_000, `the database file holds the 2 MB now (${before} → ${statSync(path).size} bytes)`);
    assert.equal((db.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n, 2_000);
    db.close();
  });

  it('takes a last checkpoint when stopped after the writer closed, leaving every row in the database file and no WAL', async () => {
    const { db, path } = writer('stop.db', 500);
    // Long interval: only the checkpoint at stop runs.
    const checkpointer = WalCheckpointer.start({ path, intervalMs: 3_600_000 });
    db.close();
    await checkpointer.stop();
    assert.equal(existsSync(`${path}-wal`), false, 'the last connection to close folds the WAL into the file and removes it');
    const reopened = new DatabaseSync(path);
    assert.equal((reopened.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n, 500);
    reopened.close();
  });

  it('reports a database it cannot open instead of failing silently', async () => {
    const failures: string[] = [];
    const checkpointer =
      WalCheckpointer.start({ path: join(dir, 'no', 'such', 'dir', 'x.db'), intervalMs: 10, onError: (message) => failures.push(message) });
    await checkpointer.stop();
    assert.equal(failures.length, 1);
    assert.match(failures[0] ?? '', /unable to open database/);
  });
});
