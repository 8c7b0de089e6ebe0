// T7: bytes on disk per stored 15-minute three-phase reading (one snapshot of the 13 values of
// store-fleet.ts) in the SQLite store, against the 40 B target.
//
// Load: 100 meters report every 15 minutes for 27½ days through appendSnapshots, one batch per
// interval, with maintenance every hour as in operation (so each day is compacted at 01:00 the next
// day and the last half day is still in the recent table). The figure is the database file after
// close (WAL checkpointed) divided by the snapshots stored: chunks, recent rows, rollups, dictionaries,
// meter state, indexes and free pages, all of it. Extra: the same data as plain rows of 13 scaled
// integer columns keyed (meter, time) in the same run (the layout of the 57 B anchor), the share of
// each table, and the PostgreSQL store's bytes per snapshot under the same load (T7 there: ≤ 80 B),
// with its tables' shares.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';
import type { Benchmark } from '@phasewire/bench';
import { ManualClock } from '@phasewire/core';
import { startPostgres } from '../src/testing/postgres-test-kit.ts';
import { PostgresMeterStore } from '../src/node/postgres/postgres-meter-store.ts';
import { SqliteMeterStore } from '../src/node/sqlite/sqlite-meter-store.ts';
import type { MeterStore } from '../src/meter-store.ts';
import { Fleet, fleetQuantities, scaledValues } from './store-fleet.ts';

const intervalMs = 900_000;
const start = Date.UTC(2026, 0, 5);
const meters = 100;
const intervals = 27 * 96 + 48;

/** Sends every meter's snapshot for `count` intervals, one batch per interval, maintaining hourly. */
async function load(
  store: MeterStore,
  clock: ManualClock,
  fleet: Fleet,
  count: number,
  plain?: (rows: number[][], at: number) => void,
): Promise<number> {
  for (let t = 0; t < count; t++) {
    const at = start + t * intervalMs;
    const snapshots = fleet.interval(at);
    clock.set(at + 60_000);
    await store.appendSnapshots(snapshots);
    plain?.(snapshots.map(scaledValues), at);
    if (t % 4 === 3) await store.maintain();
  }
  return fleet.meters.length * count;
}

interface Breakdown { [table: string]: number }

function tableBytes(path: string): Breakdown {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const rows = db.prepare('SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name').all();
    const pageSize = Number(db.prepare('PRAGMA page_size').get()?.['page_size']);
    const free = Number(db.prepare('PRAGMA freelist_count').get()?.['freelist_count']) * pageSize;
    return { ...Object.fromEntries(rows.map((r) => [String(r['name']), Number(r['bytes'])])), freePages: free };
  } finally {
    db.close();
  }
}

async function sqliteDensity(dir: string): Promise<{ perReading: number; plainPerReading: number; breakdown: Breakdown }> {
  const path = join(dir, 'store.db');
  const clock = new ManualClock(start);
  const store = await SqliteMeterStore.open({ path, clock });
  const plain = new DatabaseSync(join(dir, 'plain.db'));
  plain.exec('PRAGMA journal_mode = WAL');
  plain.exec(`CREATE TABLE reading (meter INTEGER NOT NULL, at INTEGER NOT `
    + `NULL, ${fleetQuantities.map((_, i) => `v${i} INTEGER`).join(', ')}, PRIMARY KEY (meter, at)) WITHOUT ROWID`);
  const insert = plain.prepare(`INSERT INTO reading VALUES (?, ?, ${fleetQuantities.map(() => '?').join(', ')})`);
  const readings = await load(store, clock, new Fleet(meters), intervals, (rows, at) => {
    plain.exec('BEGIN');
    rows.forEach((values, m) => insert.run(m, at, ...values));
    plain.exec('COMMIT');
  });
  await store.close();
  plain.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  plain.close();
  const breakdown = tableBytes(path);
  return { perReading: statSync(path).size / readings, plainPerReading: statSync(join(dir, 'plain.db')).size / readings, breakdown };
}

/** The PostgreSQL store under the same load: every table with its indexes and TOAST, after VACUUM (not FULL), and per table. */
async function postgresDensity(): Promise<{ perReading: number; breakdown: Breakdown }> {
  const server = await startPostgres({ fast: true });
  try {
    await server.createDatabase('bench');
    const clock = new ManualClock(start);
    const store = await PostgresMeterStore.open({ connectionString: server.connectionString('bench'), clock });
    const readings = await load(store, clock, new Fleet(meters), intervals);
    await store.close();
    const client = new pg.Client({ connectionString: server.connectionString('bench') });
    await client.connect();
    try {
      await client.query('VACUUM ANALYZE');
      // Partitions count towards their parent table (`reading_p2026_01` → `reading`).
      const result = await client.query<{ name: string; bytes: string }>(`SELECT regexp_replace(c.relname, '_p[0-9]{4}_[0-9]{2}$', '')
        AS name, sum(pg_total_relation_size(c.oid)) AS bytes FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'phasewire' AND c.relkind IN ('r', 'm') GROUP BY 1`);
      const breakdown = Object.fromEntries(result.rows.map((r) => [r.name, Number(r.bytes) / readings]));
      return { perReading: Object.values(breakdown).reduce((a, b) => a + b, 0), breakdown };
    } finally {
      await client.end();
    }
  } finally {
    await server.stop();
  }
}

const benchmark: Benchmark = {
  name: 'store-density',
  title: 'Store density: bytes on disk per stored 15-min three-phase reading (13 values) in the SQLite store, against the 40 B target',
  target: { atMost: 1 },
  runs: 1,
  async measure() {
    const dir = mkdtempSync(join(tmpdir(), 'phasewire-bench-density-'));
    try {
      const sqlite = await sqliteDensity(dir);
      const postgres = await postgresDensity();
      const readings = meters * intervals;
      const { reading_chunk: chunks = 0, reading_recent: recent = 0, rollup = 0, freePages = 0, ...rest } = sqlite.breakdown;
      const share = {
        chunksPerReading: chunks / readings,
        recentPerReading: recent / readings,
        rollupsPerReading: rollup / readings,
        freePagesPerReading: freePages / readings,
        everythingElsePerReading: Object.values(rest).reduce((a, b) => a + b, 0) / readings,
      };
      return {
        figure: { label: 'SQLite store, whole file', value: sqlite.perReading, unit: 'B/reading' },
        reference: { label: 'T7 target', value: 40, unit: 'B/reading', kind: 'limit' },
        extra: { plainScaledRowsPerReading: sqlite.plainPerReading, ...share, postgresStorePerReading: postgres.perReading,
          ...Object.fromEntries(Object.entries(postgres.breakdown).filter(([, v]) => v >= 0.5).map(([k, v]) => [`postgres_${k}`, v])) },
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default benchmark;
