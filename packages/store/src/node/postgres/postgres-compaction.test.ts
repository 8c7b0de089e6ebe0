// Compaction on PostgreSQL (postgres-chunks.ts) as it shows in the tables: closed days leave the
// row tables for chunks and every read gives the same answers; late readings are duplicates or
// conflicts against the chunks; two stores on two pools writing the same and different meters while
// a third maintains store each reading once and count each interval once; a database from before
// chunks is compacted by maintain().
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { ManualClock, parseMeterId, Q, type Snapshot } from '@phasewire/core';
import { dayMs, intervalMs } from '../../periods.ts';
import { startPostgres, type PostgresServer } from '../../testing/postgres-test-kit.ts';
import { PostgresMeterStore } from './postgres-meter-store.ts';

let server: PostgresServer | undefined;
const database = 'phasewire_compaction';
const connection = (): string => {
  if (server === undefined) throw new Error('the test PostgreSQL server is not running');
  return server.connectionString(database);
};

before(async () => {
  server = await startPostgres({ fast: true });
  await server.createDatabase(database);
});
after(async () => { await server?.stop(); });

const day0 = Date.UTC(2026, 0, 5);
const meter = (i: number): ReturnType<typeof parseMeterId> => parseMeterId(`meter-${String(i).padStart(4, '0')}`);

/** Snapshots of `meters` meters for `count` intervals from `from`: a register, a voltage and a current. */
function snapshots(meters: readonly number[], from: number, count: number): Snapshot[] {
  const result: Snapshot[] = [];
  for (let t = 0; t < count; t++) {
    const at = from + t * intervalMs;
    const k = (at - day0) / intervalMs;
    for (const m of meters) {
      result.push({ meter: meter(m), at, values: new Map([[Q.activeEnergyImport, 1000 + m + k * 12.5],
        [Q.voltageL1, 230 + ((k + m) % 7) / 10], [Q.currentL1, 5.123]]) });
    }
  }
  return result;
}

async function counts(schema: string): Promise<{ rows: number; chunks: number }> {
  const client = new pg.Client({ connectionString: connection() });
  await client.connect();
  try {
    const r = await client.query<{ rows: string; chunks: string }>(`SELECT
      (SELECT count(*) FROM ${schema}.reading) + (SELECT count(*) FROM ${schema}.register_reading) AS rows,
      (SELECT count(*) FROM ${schema}.reading_chunk) + (SELECT count(*) FROM ${schema}.register_chunk) AS chunks`);
    return { rows: Number(r.rows[0]?.rows), chunks: Number(r.rows[0]?.chunks) };
  } finally {
    await client.end();
  }
}

/** What the reads give for meter m over days 0-2, to compare before and after compaction. */
async function answers(store: PostgresMeterStore, m: number): Promise<unknown> {
  const range = { from: day0, to: day0 + 3 * dayMs };
  return {
    readings: await store.readings(meter(m), Q.voltageL1, range),
    registers: await store.readings(meter(m), Q.activeEnergyImport, range),
    intervals: await store.intervals(meter(m), Q.activeEnergyImport, range),
    days: await store.rollups(meter(m), Q.voltageL1, 'day', range),
    energy: await store.rollups(meter(m), Q.activeEnergyImport, 'day', range),
    latest: await store.latest(meter(m)),
    fleet: await store.readingsAt(day0 + 37 * intervalMs, [Q.voltageL1, Q.activeEnergyImport]),
    table: await store.intervalTable({ range, quantities: [Q.activeEnergyImport], meters: [meter(m), meter(m + 1)] }),
  };
}

describe('PostgreSQL compaction', () => {
  it('moves closed days into chunks, reads the same before and after, and checks late readings against the chunks', async () => {
    const clock = new ManualClock(day0);
    const store = await PostgresMeterStore.open({ connectionString: connection(), schema: 'closed_days', clock });
    await store.appendSnapshots(snapshots([1, 2, 3], day0, 2 * 96 + 10));
    clock.set(day0 + 2 * dayMs + 2 * 3_600_000);
    const before = await answers(store, 2);
    const report = await store.maintain();
    assert.equal(report.closedDays, 2);
    const after = await counts('closed_days');
    // Days 0 and 1 are chunks (3 meters × 3 quantities × 2 days); day 2's 10 intervals stay rows.
    assert.deepEqual(after, { rows: 3 * 3 * 10, chunks: 3 * 3 * 2 });
    assert.deepEqual(await answers(store, 2), before);
    // Late: the same reading again, a different value, and a reading the chunk does not hold.
    const at = day0 + 40 * intervalMs;
    const late = await store.appendSnapshots([
      { meter: meter(2), at, values: new Map([[Q.voltageL1, 230 + ((40 + 2) % 7) / 10]]) },
      { meter: meter(2), at, values: new Map([[Q.currentL1, 9.5]]) },
      { meter: meter(2), at: at + 60_000, values: new Map([[Q.currentL1, 7.25]]) },
    ]);
    assert.deepEqual([late.inserted, late.duplicate, late.conflicting], [1, 1, 1]);
    assert.deepEqual((await store.conflicts(meter(2), { from: at, to: at + 1 })).map((c) => [c.stored, c.received]), [[5.123, 9.5]]);
    assert.equal((await counts('closed_days')).rows, 3 * 3 * 10 + 1);
    const withLate = await store.readings(meter(2), Q.currentL1, { from: at, to: at + intervalMs });
    assert.deepEqual(withLate.map((r) => [r.at, r.value]), [[at, 5.123], [at + 60_000, 7.25]]);
    // The next maintain merges the late reading into its day's chunk.
    await store.maintain();
    assert.deepEqual(await counts('closed_days'), { rows: 3 * 3 * 10, chunks: 3 * 3 * 2 });
    assert.deepEqual(await store.readings(meter(2), Q.currentL1, { from: at, to: at + intervalMs }), withLate);
    await store.close();
  });

  it('closes and compacts a settled day whose readings arrived after a later day was closed', async () => {
    const clock = new ManualClock(day0 + 4 * dayMs + 2 * 3_600_000);
    const store = await PostgresMeterStore.open({ connectionString: connection(), schema: 'late_days', clock });
    const all = snapshots([0], day0, 4 * 96);
    // Day 3 first: maintain() closes it; then days 0-2 arrive, as a backlog does.
    await store.appendSnapshots(all.slice(3 * 96));
    await store.maintain();
    await store.appendSnapshots(all.slice(0, 3 * 96));
    const report = await store.maintain();
    assert.equal(report.closedDays, 3);
    assert.deepEqual(await counts('late_days'), { rows: 0, chunks: 3 * 4 });
    const range = { from: day0, to: day0 + 4 * dayMs };
    assert.deepEqual((await store.rollups(meter(0), Q.voltageL1, 'day', range)).map((d) => d.count), [96, 96, 96, 96]);
    await store.close();
  });

  it('stores each reading and interval once with two pools writing the same and different meters while a third compacts', async () => {
    // Every day is past closing from the start: each is closed and compacted while readings of it still arrive.
    const clock = new ManualClock(day0 + 4 * dayMs + 2 * 3_600_000);
    const open = (): Promise<PostgresMeterStore> =>
      PostgresMeterStore.open({ connectionString: connection(), schema: 'two_pools', clock, poolSize: 3 });
    const a = await open();
    const b = await open();
    const maintainer = await open();
    // Meters 0-19 from both workers, 20-29 from a alone, 30-39 from b alone; four days, in batches of two hours.
    const shared = Array.from({ length: 20 }, (_, i) => i);
    const batches = (mine: number[]): Snapshot[][] => {
      const all = snapshots([...shared, ...mine], day0, 4 * 96);
      return Array.from({ length: 4 * 12 }, (_, i) => all.slice(i * 8 * 30, (i + 1) * 8 * 30));
    };
    const ofA = batches(Array.from({ length: 10 }, (_, i) => 20 + i));
    const ofB = batches(Array.from({ length: 10 }, (_, i) => 30 + i));
    const writing = { done: false };
    const maintenance = (async () => {
      for (;;) {
        await maintainer.maintain();
        if (writing.done) return;
      }
    })();
    const results = await Promise.all([a, b].map(async (store, w) => {
      let inserted = 0;
      let duplicate = 0;
      // Worker b goes through its batches backwards, so late readings meet compacted days.
      for (const batch of w === 0 ? ofA : [...ofB].reverse()) {
        const result = await store.appendSnapshots(batch);
        inserted += result.inserted;
        duplicate += result.duplicate;
        assert.equal(result.conflicting, 0);
      }
      return { inserted, duplicate };
    }));
    writing.done = true;
    await maintenance;
    await maintainer.maintain();
    const values = 40 * 4 * 96 * 3;
    assert.equal((results[0]?.inserted ?? 0) + (results[1]?.inserted ?? 0), values);
    assert.equal((results[0]?.duplicate ?? 0) + (results[1]?.duplicate ?? 0), 20 * 4 * 96 * 3);
    assert.deepEqual(await counts('two_pools'), { rows: 0, chunks: 40 * 3 * 4 });
    for (const m of [0, 19, 25, 35]) {
      const range = { from: day0, to: day0 + 4 * dayMs };
      assert.equal((await a.readings(meter(m), Q.voltageL1, range)).length, 4 * 96);
      assert.deepEqual((await a.rollups(meter(m), Q.voltageL1, 'day', range)).map((d) => d.count), [96, 96, 96, 96], `meter ${m}`);
      // 12.5 Wh per interval; the last interval of day 3 ends at midnight, with no read there.
      const energy = await b.rollups(meter(m), Q.activeEnergyImport, 'day', range);
      assert.deepEqual(energy.map((d) => d.sum), [96 * 12.5, 96 * 12.5, 96 * 12.5, 95 * 12.5], `meter ${m}`);
    }
    await Promise.all([a.close(), b.close(), maintainer.close()]);
  });

  it('compacts a database written before chunks on the first maintain after the upgrade', async () => {
    const clock = new ManualClock(day0);
    const old = await PostgresMeterStore.open({ connectionString: connection(), schema: 'upgraded', clock, migrateTo: 5 });
    await old.appendSnapshots(snapshots([1, 2, 3], day0, 2 * 96 + 10));
    clock.set(day0 + 2 * dayMs + 2 * 3_600_000);
    await old.maintain();
    await old.close();
    const store = await PostgresMeterStore.open({ connectionString: connection(), schema: 'upgraded', clock });
    assert.equal(await store.schemaVersion(), 6);
    assert.deepEqual(await counts('upgraded'), { rows: 3 * 3 * (2 * 96 + 10), chunks: 0 });
    const before = await answers(store, 2);
    await store.maintain();
    assert.deepEqual(await counts('upgraded'), { rows: 3 * 3 * 10, chunks: 3 * 3 * 2 });
    assert.deepEqual(await answers(store, 2), before);
    await store.close();
  });
});
