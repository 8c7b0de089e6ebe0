// The meter-data store on PostgreSQL, for deployments past one machine: any number of ingest workers
// and API servers share one database. Readings are rows partitioned by month; rollups and latest
// values are kept current in the same transaction as the readings. Behaviour is the SQLite store's
// (both pass store-conformance.ts); only the layout differs (docs/store.md).
import { PhasewireError, Q, StoreError, type Clock, type MeterId, type ObisCode, type Reading, type Snapshot } from '@phasewire/core';
import { mergeInto, type Aggregate, type Rollup } from '../../aggregates.ts';
import { intervalGrid, rawIntervals, registerPoints, type IntervalValue } from '../../intervals.ts';
import type { IntervalTable, IntervalTableQuery } from '../../interval-table.ts';
import type { FleetInterval } from '../../fleet-interval.ts';
import type {
  AppendResult, DayCompleteness, IntervalChange, IntervalWrite, IntervalWriteResult, MaintenanceReport, MeterStore,
  Provenance, PurgeReport, ReadingConflict,
} from '../../meter-store.ts';
import { intervalsPerDay, monthStart, nextMonthStart, periodEnd, periodStartsIn, type RollupPeriod,
  type TimeRange } from '../../periods.ts';
import type { IntervalOverlay, IntervalStage } from '../../quality.ts';
import { retentionCutoffs, type RetentionPolicy } from '../../retention.ts';
import { aggregateIntervals, aggregateReadings, rollupsOf } from '../../rollup-compute.ts';
import { checkIntervalWrites, checkRange, checkReadings, checkSnapshots } from '../../validation.ts';
import { systemClock } from '../system-clock.ts';
import { isIdentifier, PostgresDb, type PgQuantity } from './postgres-db.ts';
import { chunkedVersion, compactClosedDays } from './postgres-chunks.ts';
import { closeSettledDays, openDayAggregates } from './postgres-days.ts';
import { latestPostgres, readingsAtPostgres, seriesPostgres } from './postgres-reads.ts';
import { appendToPostgres, storedPeriod } from './postgres-ingest.ts';
import { appliedPostgresMigrations, migratePostgres, type AppliedPostgresMigration } from './postgres-migrate.ts';
import { postgresMigrations } from './postgres-schema.ts';
import { intervalTablePostgres } from './postgres-interval-table.ts';
import { overlayOfRow, qualityAt, type StageRow } from './postgres-values.ts';
import { purgePostgres, writeIntervalsPostgres } from './postgres-writes.ts';
import * as mdm from './postgres-mdm-state.ts';
import type { AlarmQuery, AlarmRecord, AlarmSlotRecord, AlarmTransitionQuery, AlarmTransitionRecord, MdmCommit,
  MdmWatermark } from '../../mdm-state.ts';

export interface PostgresStoreOptions {
  /** `postgres://user@host:port/database`. */
  readonly connectionString: string;
  /** The schema that holds the store's tables (default `phasewire`); created when absent. */
  readonly schema?: string;
  /** Connections in the pool (default 8). */
  readonly poolSize?: number;
  readonly clock?: Clock;
  readonly retention?: RetentionPolicy;
  /** How long after a UTC day ends maintain() rolls up its readings (default 1 h). */
  readonly closeAfterMs?: number;
  /** Migrate only up to this schema version (for testing migrations). */
  readonly migrateTo?: number;
}

function wrap(error: unknown, code: 'PW_ERR_STORE_WRITE' | 'PW_ERR_STORE_READ', what: string): unknown {
  if (error instanceof PhasewireError) return error;
  return new StoreError(code, `${what} in the PostgreSQL store failed: ${(error as Error).message}`, { cause: error });
}

function readingsToSnapshots(readings: readonly Reading[]): Snapshot[] {
  return readings.map((r) => ({ meter: r.meter, at: r.at, values: new Map([[r.quantity, r.value]]) }));
}

export class PostgresMeterStore implements MeterStore {
  readonly #db: PostgresDb;
  readonly #retention: RetentionPolicy;
  readonly #closeAfterMs: number;
  #closed = false;

  private constructor(db: PostgresDb, options: PostgresStoreOptions) {
    this.#db = db;
    this.#retention = options.retention ?? {};
    this.#closeAfterMs = options.closeAfterMs ?? 3_600_000;
  }

  static async open(options: PostgresStoreOptions): Promise<PostgresMeterStore> {
    const schema = options.schema ?? 'phasewire';
    if (!isIdentifier(schema))
      throw new StoreError('PW_ERR_STORE_UNAVAILABLE',
        `Cannot open the PostgreSQL store in schema ${JSON.stringify(schema)}: expected a lower-case identifier`);
    const clock = options.clock ?? systemClock;
    const db = new PostgresDb(options.connectionString, schema, options.poolSize ?? 8, clock);
    try {
      const client = await db.pool.connect();
      try {
        await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
        await migratePostgres(client, postgresMigrations, clock.now(), options.migrateTo);
        db.timescale = (await client.query("SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'")).rowCount === 1;
        db.chunked = ((await appliedPostgresMigrations(client)).at(-1)?.version ?? 0) >= chunkedVersion;
      } finally {
        client.release();
      }
    } catch (error) {
      await db.pool.end();
      if (error instanceof PhasewireError) throw error;
      throw new StoreError('PW_ERR_STORE_UNAVAILABLE', `Cannot open the PostgreSQL store (schema ${schema}): ${(error as Error).message}`,
        { cause: error });
    }
    return new PostgresMeterStore(db, options);
  }

  async appliedMigrations(): Promise<AppliedPostgresMigration[]> {
    const client = await this.#db.pool.connect();
    try {
      return await appliedPostgresMigrations(client);
    } finally {
      client.release();
    }
  }

  async #run<T>(what: string, code: 'PW_ERR_STORE_WRITE' | 'PW_ERR_STORE_READ', work: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new StoreError('PW_ERR_STORE_CLOSED', 'Cannot use the PostgreSQL store: it was closed');
    try {
      return await work();
    } catch (error) {
      throw wrap(error, code, what);
    }
  }

  appendReadings(readings: readonly Reading[]): Promise<AppendResult> {
    return this.#run('Appending readings', 'PW_ERR_STORE_WRITE', () => {
      checkReadings(readings);
      return appendToPostgres(this.#db, readingsToSnapshots(readings));
    });
  }

  appendSnapshots(snapshots: readonly Snapshot[]): Promise<AppendResult> {
    return this.#run('Appending snapshots', 'PW_ERR_STORE_WRITE', () => {
      checkSnapshots(snapshots);
      return appendToPostgres(this.#db, snapshots);
    });
  }

  #series(meter: number, quantity: PgQuantity, from: number, to: number): Promise<{ at: number; value: number }[]> {
    return seriesPostgres(this.#db, meter, quantity, from, to);
  }

  readings(meter: MeterId, quantity: ObisCode, range: TimeRange): Promise<readonly Reading[]> {
    return this.#run('Reading a series', 'PW_ERR_STORE_READ', async () => {
      checkRange(range, 'readings');
      const id = await this.#db.meterId(meter);
      const q = await this.#db.quantity(quantity);
      if (id === undefined || q === undefined) return [];
      return (await this.#series(id, q, range.from, range.to)).map((r) => ({ meter, quantity, at: r.at, value: r.value }));
    });
  }

  latest(meter: MeterId): Promise<readonly Reading[]> {
    return this.#run('Reading the latest readings', 'PW_ERR_STORE_READ', async () => {
      const id = await this.#db.meterId(meter);
      if (id === undefined) return [];
      return (await latestPostgres(this.#db, id)).map((r) => ({ meter, quantity: r.quantity.obis, at: r.at, value: r.value }));
    });
  }

  readingsAt(at: number, quantities?: readonly ObisCode[]): Promise<FleetInterval> {
    return this.#run('Reading one interval across meters', 'PW_ERR_STORE_READ', () => readingsAtPostgres(this.#db, at, quantities));
  }

  conflicts(meter: MeterId, range: TimeRange): Promise<readonly ReadingConflict[]> {
    return this.#run('Reading conflicts', 'PW_ERR_STORE_READ', async () => {
      checkRange(range, 'conflicts');
      const id = await this.#db.meterId(meter);
      if (id === undefined) return [];
      const rows = await this.#db.query<{ quantity: number; at: number; received: number; stored: number; received_at: number }>(
        'SELECT quantity, at, received, stored, received_at FROM reading_conflict WHERE meter = $1 AND at >= $2 AND at < $3 ORDER BY at, '
          + 'quantity, received_at', [id, range.from, range.to]);
      const result: ReadingConflict[] = [];
      for (const r of rows)
        result.push({ meter, quantity: (await this.#db.quantityById(r.quantity)).obis, at: r.at, stored: r.stored, received: r.received,
          receivedAt: r.received_at });
      return result;
    });
  }

  async #intervalInputs(
    meter: number,
    quantity: PgQuantity,
    from: number,
    to: number,
  ): Promise<{ raw: Map<number, number>; overlays: Map<number, IntervalOverlay> }> {
    const reads = await this.#series(meter, quantity, from, to + 1);
    const rows = await this.#db.query<StageRow & { end_at: number }>('SELECT end_at, validated, validated_quality, final, final_quality '
      + 'FROM interval_stage WHERE meter = $1 AND quantity = $2 AND end_at > $3 AND end_at <= $4',
      [meter, quantity.id, from, to]);
    return { raw: rawIntervals(registerPoints(reads, quantity.steps)), overlays: new Map(rows.map((r) => [r.end_at, overlayOfRow(r)])) };
  }

  intervals(meter: MeterId, quantity: ObisCode, range: TimeRange): Promise<readonly IntervalValue[]> {
    return this.#run('Reading intervals', 'PW_ERR_STORE_READ', async () => {
      checkRange(range, 'intervals', true);
      const id = await this.#db.meterId(meter);
      const q = await this.#db.quantity(quantity);
      if (id === undefined || q === undefined) return intervalGrid(meter, quantity, range, new Map(), new Map(), q?.steps ?? 1);
      const { raw, overlays } = await this.#intervalInputs(id, q, range.from, range.to);
      return intervalGrid(meter, quantity, range, raw, overlays, q.steps);
    });
  }

  intervalTable(query: IntervalTableQuery): Promise<IntervalTable> {
    return this.#run('Reading intervals of many meters', 'PW_ERR_STORE_READ',
      () => { checkRange(query.range, 'interval table', true); return intervalTablePostgres(this.#db, query); });
  }

  writeIntervals(writes: readonly IntervalWrite[], provenance: Provenance): Promise<IntervalWriteResult> {
    return this.#run(`Writing ${writes.length} interval value(s)`, 'PW_ERR_STORE_WRITE', () => {
      checkIntervalWrites(writes, provenance);
      return writeIntervalsPostgres(this.#db, writes, provenance);
    });
  }

  intervalChanges(meter: MeterId, quantity: ObisCode, range: TimeRange): Promise<readonly IntervalChange[]> {
    return this.#run('Reading the interval change log', 'PW_ERR_STORE_READ', async () => {
      checkRange(range, 'interval changes');
      const id = await this.#db.meterId(meter);
      const q = await this.#db.quantity(quantity);
      if (id === undefined || q === undefined) return [];
      const rows = await this.#db.query<{ end_at: number; seq: number; stage: string; value: number | null; quality: number;
        actor_kind: string; actor: string; reason: string | null; at: number }>(
        'SELECT end_at, seq, stage, value, quality, actor_kind, actor, reason, at FROM interval_change WHERE meter = $1 AND quantity = $2 '
          + 'AND end_at > $3 AND end_at <= $4 ORDER BY seq',
        [id, q.id, range.from, range.to]);
      return rows.map((r) => ({
        meter,
        quantity,
        end: r.end_at,
        seq: r.seq,
        stage: r.stage as IntervalStage,
        value: r.value,
        quality: qualityAt(r.quality),
        provenance: r.actor_kind === 'person'
          ? { kind: 'person', person: r.actor, reason: r.reason ?? '' }
          : r.reason === null ? { kind: 'rule', rule: r.actor } : { kind: 'rule', rule: r.actor, reason: r.reason },
        at: r.at,
      }));
    });
  }

  rollups(meter: MeterId, quantity: ObisCode, period: RollupPeriod, range: TimeRange): Promise<readonly Rollup[]> {
    return this.#run('Reading rollups', 'PW_ERR_STORE_READ', async () => {
      checkRange(range, 'rollups');
      const id = await this.#db.meterId(meter);
      const q = await this.#db.quantity(quantity);
      const starts = periodStartsIn(period, range);
      const first = starts[0];
      const last = starts.at(-1);
      if (id === undefined || q === undefined || first === undefined || last === undefined) return [];
      const to = periodEnd(period, last);
      let aggregates: Map<number, Aggregate>;
      if (period === 'hour') {
        if (q.register) {
          const { raw, overlays } = await this.#intervalInputs(id, q, first, to);
          aggregates = aggregateIntervals('hour', raw, overlays, q.steps);
        } else {
          const reads = await this.#series(id, q, first, to);
          aggregates = aggregateReadings('hour', reads.map((r) => r.at), reads.map((r) => r.value), q.steps);
        }
      } else {
        const rows =
          await this.#db.query<{ start: number; n: number; measured: number; sum: number; min: number | null; max: number | null }>(
          'SELECT start, n, measured, sum, min, max FROM rollup WHERE meter = $1 AND quantity = $2 AND period = $3 AND '
            + 'start >= $4 AND start < $5',
          [id, q.id, storedPeriod[period], first, to]);
        aggregates = new Map(rows.map((r) => [r.start, { n: r.n, measured: r.measured, sum: r.sum, min: r.min, max: r.max }]));
        if (!q.register) {
          for (const [day, part] of await openDayAggregates(this.#db, id, q, { from: first, to })) {
            const start = period === 'day' ? day : monthStart(day);
            let into = aggregates.get(start);
            if (into === undefined) { into = { n: 0, measured: 0, sum: 0, min: null, max: null }; aggregates.set(start, into); }
            mergeInto(into, part);
          }
        }
      }
      return rollupsOf(meter, quantity, period, q.register ? 'intervals' : 'readings', aggregates, range, q.steps);
    });
  }

  completeness(range: TimeRange, quantity: ObisCode = Q.activeEnergyImport): Promise<readonly DayCompleteness[]> {
    return this.#run('Reading completeness', 'PW_ERR_STORE_READ', async () => {
      checkRange(range, 'completeness');
      const q = await this.#db.quantity(quantity);
      if (q === undefined) return [];
      const rows = await this.#db.query<{ name: string; start: number; measured: number }>(
        'SELECT m.name, r.start, r.measured FROM rollup r JOIN meter m ON m.id = r.meter WHERE r.quantity = $1 AND r.period = $2 AND '
          + 'r.start >= $3 AND r.start < $4 ORDER BY m.name, r.start',
        [q.id, storedPeriod.day, range.from, range.to]);
      return rows.map((r) => ({ meter: r.name as MeterId, day: r.start, measured: r.measured, expected: intervalsPerDay }));
    });
  }

  maintain(): Promise<MaintenanceReport> {
    return this.#run('Maintaining the store', 'PW_ERR_STORE_WRITE', async () => {
      const now = this.#db.clock.now();
      const partitionsCreated = await this.#db.ensurePartitions([now, nextMonthStart(now)]);
      const closedDays = await closeSettledDays(this.#db, now, this.#closeAfterMs);
      // The days just closed (and late readings of days closed before) move into chunks.
      const compacted = this.#db.chunked ? await compactClosedDays(this.#db) : { days: 0, series: 0 };
      // The space of the moved rows is marked free at once, so the next day's rows reuse it instead of growing the tables.
      if (compacted.series > 0) await this.#db.pool.query('VACUUM reading, register_reading, interval_values');
      return { compactedSlots: compacted.days * intervalsPerDay, closedDays, partitionsCreated };
    });
  }

  purge(): Promise<PurgeReport> {
    return this.#run('Purging data past its retention', 'PW_ERR_STORE_WRITE', async () => {
      // Days are closed before their readings go, so their rollups stay.
      await closeSettledDays(this.#db, this.#db.clock.now(), this.#closeAfterMs);
      const cutoffs = retentionCutoffs(this.#retention, this.#db.clock.now());
      return { cutoffs, rowsRemoved: await purgePostgres(this.#db, cutoffs) };
    });
  }

  meterIds(): Promise<readonly MeterId[]> {
    return this.#run('Listing meters', 'PW_ERR_STORE_READ', () => mdm.meterNames(this.#db));
  }

  mdmWatermarks(): Promise<readonly MdmWatermark[]> {
    return this.#run('Reading the MDM watermarks', 'PW_ERR_STORE_READ', () => mdm.watermarks(this.#db));
  }

  alarmSlots(meter: MeterId): Promise<readonly AlarmSlotRecord[]> {
    return this.#run('Reading alarm engine state', 'PW_ERR_STORE_READ', () => mdm.alarmSlots(this.#db, meter));
  }

  commitMdm(commit: MdmCommit): Promise<readonly number[]> {
    return this.#run(`Committing an MDM run (${commit.watermarks.length} watermark(s), ${commit.transitions.length} alarm transition(s))`,
      'PW_ERR_STORE_WRITE', () => mdm.commitMdm(this.#db, commit));
  }

  alarms(query: AlarmQuery): Promise<readonly AlarmRecord[]> {
    return this.#run('Listing alarms', 'PW_ERR_STORE_READ', () => mdm.alarms(this.#db, query));
  }

  alarm(id: string): Promise<AlarmRecord | undefined> {
    return this.#run('Reading an alarm', 'PW_ERR_STORE_READ', () => mdm.alarm(this.#db, id));
  }

  alarmTransitions(query: AlarmTransitionQuery): Promise<readonly AlarmTransitionRecord[]> {
    return this.#run('Reading alarm transitions', 'PW_ERR_STORE_READ', () => mdm.alarmTransitions(this.#db, query));
  }

  markAlarmTransitionsNotified(seqs: readonly number[]): Promise<void> {
    return this.#run(`Marking ${seqs.length} alarm transition(s) notified`, 'PW_ERR_STORE_WRITE', () => mdm.markNotified(this.#db, seqs));
  }

  notifierCursor(notifier: string): Promise<number> {
    return this.#run(`Reading the cursor of notifier ${notifier}`, 'PW_ERR_STORE_READ', () => mdm.notifierCursor(this.#db, notifier));
  }

  advanceNotifierCursor(notifier: string, seq: number): Promise<void> {
    return this.#run(`Moving the cursor of notifier ${notifier} to ${seq}`, 'PW_ERR_STORE_WRITE',
      () => mdm.advanceNotifierCursor(this.#db, notifier, seq));
  }

  schemaVersion(): Promise<number> {
    return this.#run('Reading the schema version', 'PW_ERR_STORE_READ', async () => (await this.appliedMigrations()).at(-1)?.version ?? 0);
  }

  checkWritable(): Promise<void> {
    return this.#run('Checking that the store takes writes', 'PW_ERR_STORE_WRITE', () => this.#db.checkWritable());
  }

  sizeBytes(): Promise<number> {
    return this.#run('Reading the size of the store', 'PW_ERR_STORE_READ', () => this.#db.sizeBytes());
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#db.pool.end();
  }
}
