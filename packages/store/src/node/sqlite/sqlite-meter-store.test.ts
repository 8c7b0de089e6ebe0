import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasCode, ManualClock, parseMeterId, Q } from '@phasewire/core';
import { intervalTableConformance } from '../../testing/interval-table-conformance.ts';
import { mdmStateConformance } from '../../testing/mdm-state-conformance.ts';
import { storeConformance, day0, type StoreTarget } from '../../testing/store-conformance.ts';
import { SqliteMeterStore } from './sqlite-meter-store.ts';
import { appliedSqliteMigrations } from './sqlite-migrate.ts';
import { sqliteMigrations } from './sqlite-schema.ts';
import { openMeterStore } from '../open-meter-store.ts';
import { parseStoreConfig } from '../../store-config.ts';

const dir = mkdtempSync(join(tmpdir(), 'phasewire-sqlite-store-'));
after(() => { rmSync(dir, { recursive: true, force: true }); });
const file = (db: string): string => join(dir, `${db}.db`);

const target: StoreTarget = {
  open: (db, options) => SqliteMeterStore.open({ path: file(db), ...options }),
  appliedMigrations: (db) => {
    const handle = new DatabaseSync(file(db));
    try {
      return Promise.resolve(appliedSqliteMigrations(handle));
    } finally {
      handle.close();
    }
  },
  latestVersion: sqliteMigrations.at(-1)?.version ?? 0,
};
storeConformance('SQLite', target);
mdmStateConformance('SQLite', target);
intervalTableConformance('SQLite', target);


describe('SQLite store', () => {
  it('opens from configuration alone', async () => {
    const store = await openMeterStore(parseStoreConfig({ kind: 'sqlite', path: file('configured') }), new ManualClock(day0));
    assert.ok(store instanceof SqliteMeterStore);
    await store.appendReadings([{ meter: parseMeterId('meter-1'), quantity: Q.voltageL1, at: day0, value: 230 }]);
    assert.equal((await store.latest(parseMeterId('meter-1'))).length, 1);
    await store.close();
  });

  it('sees what another connection to the same file committed', async () => {
    const clock = new ManualClock(day0);
    const meter = parseMeterId('meter-1');
    const a = await SqliteMeterStore.open({ path: file('shared'), clock });
    const b = await SqliteMeterStore.open({ path: file('shared'), clock });
    await a.appendReadings([{ meter, quantity: Q.voltageL1, at: day0, value: 230 }]);
    assert.deepEqual((await b.latest(meter)).map((r) => r.value), [230]);
    await a.appendReadings([{ meter, quantity: Q.voltageL1, at: day0 + 900_000, value: 231 }]);
    assert.deepEqual((await b.latest(meter)).map((r) => r.value), [231], 'b dropped its cached state');
    assert.equal((await b.appendReadings([{ meter, quantity: Q.voltageL1, at: day0 + 900_000, value: 231 }])).duplicate, 1);
    await a.close();
    await b.close();
  });

  it('checkpoints its WAL from a background checkpointer once it writes steadily, and only by itself when asked to', async () => {
    const clock = new ManualClock(day0);
    const readings = (from: number) =>
      Array.from({ length: 100 }, (_, i) => ({ meter: parseMeterId(`meter-${from + i}`), quantity: Q.voltageL1, at: day0, value: 230 }));
    const background = await SqliteMeterStore.open({ path: file('checkpointed'), clock });
    for (let i = 0; i < 40; i++) await background.appendReadings(readings(i * 100));
    // Waits for the worker's first report (the worker checkpoints every 250 ms).
    while (background.checkpointStats().checkpoints === 0) await new Promise((resolve) => setTimeout(resolve, 25));
    assert.deepEqual(background.checkpointStats(),
      { background: true, checkpoints: background.checkpointStats().checkpoints, failures: 0 });
    await background.close();
    const inline = await SqliteMeterStore.open({ path: file('inline'), clock, backgroundCheckpoints: false });
    for (let i = 0; i < 40; i++) await inline.appendReadings(readings(i * 100));
    assert.deepEqual(inline.checkpointStats(), { background: false, checkpoints: 0, failures: 0 });
    await inline.close();
    const reopened = await SqliteMeterStore.open({ path: file('checkpointed'), clock });
    assert.equal((await reopened.meterIds()).length, 4_000, 'everything committed is there after the close');
    await reopened.close();
  });

  it('refuses a file that is not a database with PW_ERR_STORE_UNAVAILABLE', async () => {
    await assert.rejects(SqliteMeterStore.open({ path: join(dir, 'missing-directory', 'x.db') }),
      (error) => hasCode(error, 'PW_ERR_STORE_UNAVAILABLE'));
  });
});
