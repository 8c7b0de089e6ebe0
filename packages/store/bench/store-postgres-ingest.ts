// The PostgreSQL side of store-ingest: the PostgreSQL store against plain inserts of the same rows
// into a table partitioned by month, on a durable server (fsync and synchronous commit on) started
// for the run, alternating hour by hour like the SQLite side. Fewer intervals than SQLite: the store
// writes a row per reading, so a run of 10,000 meters takes long enough with 4 intervals.
import pg from 'pg';
import { ManualClock } from '@phasewire/core';
import { startPostgres } from '../src/testing/postgres-test-kit.ts';
import { PostgresMeterStore } from '../src/node/postgres/postgres-meter-store.ts';
import { Fleet, fleetQuantities } from './store-fleet.ts';

const intervalMs = 900_000;

export interface PostgresIngestLoad {
  readonly meters: number;
  readonly intervals: number;
  readonly start: number;
  readonly perMessage: number;
  readonly inFlight: number;
  /** Scaled values [interval][meter][quantity] of the same fleet. */
  readonly values: Float64Array;
}

export async function postgresIngest(load: PostgresIngestLoad): Promise<{ store: number; plain: number }> {
  const server = await startPostgres();
  try {
    await server.createDatabase('bench');
    const clock = new ManualClock(load.start);
    const store = await PostgresMeterStore.open({ connectionString: server.connectionString('bench'), clock, poolSize: load.inFlight });
    const plain = new pg.Client({ connectionString: server.connectionString('bench') });
    await plain.connect();
    const width = fleetQuantities.length;
    const columns = fleetQuantities.map((_, i) => `v${i} bigint`).join(', ');
    await plain.query(`CREATE TABLE plain (at bigint NOT NULL, meter integer NOT NULL, ${columns}, PRIMARY KEY (at, meter)) `
      + `PARTITION BY RANGE (at)`);
    const month = Date.UTC(new Date(load.start).getUTCFullYear(), new Date(load.start).getUTCMonth(), 1);
    await plain.query(`CREATE TABLE plain_p PARTITION OF plain FOR VALUES FROM (${month}) TO (${month + 40 * 86_400_000})`);
    const unnest = fleetQuantities.map((_, i) => `$${i + 3}::int8[]`).join(', ');
    const insert = `INSERT INTO plain SELECT * FROM unnest($1::int8[], $2::int[], ${unnest})`;
    const fleet = new Fleet(load.meters);
    let storeSeconds = 0;
    let plainSeconds = 0;
    for (let t = 0; t < load.intervals; t++) {
      const at = load.start + t * intervalMs;
      let began = performance.now();
      for (let m = 0; m < load.meters; m += load.perMessage * load.inFlight) {
        const rows = Array.from({ length: Math.min(load.perMessage * load.inFlight, load.meters - m) }, (_, k) => m + k);
        const params: unknown[] = [rows.map(() => at), rows];
        for (let i = 0; i < width; i++) params.push(rows.map((meter) => load.values[(t * load.meters + meter) * width + i] ?? 0));
        await plain.query('BEGIN');
        await plain.query(insert, params);
        await plain.query('COMMIT');
      }
      plainSeconds += (performance.now() - began) / 1000;
      const snapshots = fleet.interval(at);
      clock.set(at + 60_000);
      began = performance.now();
      for (let i = 0; i < snapshots.length; i += load.perMessage * load.inFlight) {
        const sends: Promise<unknown>[] = [];
        for (let j = i; j < Math.min(i + load.perMessage * load.inFlight, snapshots.length); j += load.perMessage)
          sends.push(store.appendSnapshots(snapshots.slice(j, j + load.perMessage)));
        await Promise.all(sends);
      }
      storeSeconds += (performance.now() - began) / 1000;
    }
    await plain.end();
    await store.close();
    const readings = load.meters * load.intervals;
    return { store: readings / storeSeconds, plain: readings / plainSeconds };
  } finally {
    await server.stop();
  }
}
