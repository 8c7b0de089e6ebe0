// The embedded meter-data store on node:sqlite. WAL with synchronous=FULL: a commit is on disk when
// it returns. Writes go through one queue: appends that arrive in the same turn of the event loop
// share one transaction and one fsync (group commit), and each caller's promise resolves after that
// commit. Compaction and purge run as small transactions in the same queue, so ingest never waits
// for a whole day's compaction.
import type { DatabaseSync } from 'node:sqlite';
import { openPrivateDatabase } from '../private-database.ts';
import { PhasewireError, StoreError, Q, type Clock, type MeterId, type ObisCode, type Reading, type Snapshot } from '@phasewire/core';
import type { Rollup } from '../../aggregates.ts';
import type { IntervalValue } from '../../intervals.ts';
import type { IntervalTable, IntervalTableQuery } from '../../interval-table.ts';
import type { FleetInterval } from '../../fleet-interval.ts';
import type {
  AppendResult, DayCompleteness, IntervalChange, IntervalWrite, IntervalWriteResult, MaintenanceReport, MeterStore,
  Provenance, PurgeReport, ReadingConflict,
} from '../../meter-store.ts';
import { dayMs, floorTo, intervalMs, type RollupPeriod, type TimeRange } from '../../periods.ts';
import { retentionCutoffs, type RetentionPolicy } from '../../retention.ts';
import { checkIntervalWrites, checkRange, checkReadings, checkSnapshots } from '../../validation.ts';
import { systemClock } from '../system-clock.ts';
import { SqliteContext } from './sqlite-context.ts';
import { compactMeters, metersPerCompaction } from './sqlite-compaction.ts';
import { emptyCounts, ingestGroups, type IngestCounts, type IngestGroup } from './sqlite-ingest.ts';
import { writeIntervals } from './sqlite-interval-writes.ts';
import { appliedSqliteMigrations, migrateSqlite } from './sqlite-migrate.ts';
import { purgeSqlite } from './sqlite-purge.ts';
import * as reads from './sqlite-reads.ts';
import { intervalTable } from './sqlite-interval-table.ts';
import { sqliteMigrations } from './sqlite-schema.ts';
import * as mdm from './sqlite-mdm-state.ts';
import { BackgroundCheckpoints, type CheckpointStats } from './wal-checkpointer.ts';
import type { AlarmQuery, AlarmRecord, AlarmSlotRecord, AlarmTransitionQuery, AlarmTransitionRecord, MdmCommit,
  MdmWatermark } from '../../mdm-state.ts';

export interface SqliteStoreOptions {
  /** The database file; created with its schema when absent. */
  readonly path: string;
  readonly clock?: Clock;
  readonly retention?: RetentionPolicy;
  /**
   * How long after a UTC day ends maintain() compacts its recent snapshots (default 1 h). Compaction
   * rewrites each meter's chunks of the day, so it runs once a day rather than as data arrives.
   */
  readonly compactAfterMs?: number;
  /** SQLite page cache in MiB (default 64). */
  readonly cacheMiB?: number;
  /** Migrate only up to this schema version (for testing migrations). */
  readonly migrateTo?: number;
  /**
   * Checkpoint the WAL from a worker thread instead of inside the writer's commits (default true;
   * wal-checkpointer.ts says why). False leaves SQLite's auto-checkpoint as it is.
   */
  readonly backgroundCheckpoints?: boolean;
}

type Job =
  | { readonly kind: 'append'; readonly groups: readonly IngestGroup[]; readonly resolve: (r: AppendResult) => void;
    readonly reject: (e: unknown) => void }
  | { readonly kind: 'task'; readonly run: () => unknown; readonly resolve: (r: unknown) => void; readonly reject: (e: unknown) => void };

/** Readings grouped into snapshots: consecutive readings of one meter at one time share a group. */
function groupsOfReadings(readings: readonly Reading[]): IngestGroup[] {
  const groups: { meter: MeterId; at: number; values: Map<ObisCode, number> }[] = [];
  let current: (typeof groups)[number] | undefined;
  const extra: Reading[] = [];
  for (const r of readings) {
    if (current?.meter !== r.meter || current.at !== r.at) {
      current = { meter: r.meter, at: r.at, values: new Map() };
      groups.push(current);
    }
    // The same quantity twice in a row: the second goes in a group of its own, to be counted against the first.
    if (current.values.has(r.quantity)) extra.push(r);
    else current.values.set(r.quantity, r.value);
  }
  return extra.length === 0 ? groups : [...groups, ...groupsOfReadings(extra)];
}

const resultOf = (counts: IngestCounts): AppendResult =>
  ({ inserted: counts.inserted, duplicate: counts.duplicate, conflicting: counts.conflicting, conflicts: counts.conflicts });

function wrap(error: unknown, code: 'PW_ERR_STORE_WRITE' | 'PW_ERR_STORE_READ', what: string): Error {
  if (error instanceof PhasewireError) return error;
  return new StoreError(code, `${what} in the SQLite store failed: ${(error as Error).message}`, { cause: error });
}

/** A rejected promise: the store's methods report every failure asynchronously, as the PostgreSQL store does. */
const rejected = <T>(error: unknown): Promise<T> => Promise.reject(error instanceof Error ? error : new Error(String(error)));

export class SqliteMeterStore implements MeterStore {
  readonly #ctx: SqliteContext;
  readonly #retention: RetentionPolicy;
  readonly #compactAfterMs: number;
  readonly #queue: Job[] = [];
  #draining = false;
  #closed = false;
  #idle: Promise<void> = Promise.resolve();
  #markIdle: () => void = () => undefined;
  #maintaining: Promise<MaintenanceReport> | undefined;
  readonly #checkpoints: BackgroundCheckpoints;

  private constructor(ctx: SqliteContext, options: SqliteStoreOptions) {
    this.#ctx = ctx;
    this.#retention = options.retention ?? {};
    this.#compactAfterMs = options.compactAfterMs ?? 3_600_000;
    this.#checkpoints = new BackgroundCheckpoints(ctx.db, options.path, options.backgroundCheckpoints ?? true);
  }

  static open(options: SqliteStoreOptions): Promise<SqliteMeterStore> {
    const clock = options.clock ?? systemClock;
    let db: DatabaseSync;
    try {
      db = openPrivateDatabase(options.path);
      db.exec('PRAGMA journal_mode = WAL');
      // FULL: the WAL is synced at every commit, so a returned append survives a power cut.
      db.exec('PRAGMA synchronous = FULL');
      db.exec('PRAGMA busy_timeout = 5000');
      db.exec(`PRAGMA cache_size = ${-1024 * (options.cacheMiB ?? 64)}`);
    } catch (error) {
      return Promise.reject(new StoreError('PW_ERR_STORE_UNAVAILABLE',
        `Cannot open the SQLite store at ${options.path}: ${(error as Error).message}`, { cause: error }));
    }
    try {
      migrateSqlite(db, sqliteMigrations, clock.now(), options.migrateTo);
      return Promise.resolve(new SqliteMeterStore(new SqliteContext(db, clock), options));
    } catch (error) {
      db.close();
      return Promise.reject(error instanceof PhasewireError ? error : new StoreError('PW_ERR_STORE_UNAVAILABLE',
        `Cannot open the SQLite store at ${options.path}: ${(error as Error).message}`, { cause: error }));
    }
  }

  /** The versions recorded in the migrations table, with when they were applied. */
  appliedMigrations(): { version: number; name: string; appliedAt: number }[] {
    return appliedSqliteMigrations(this.#ctx.db);
  }

  #assertOpen(): void {
    if (this.#closed) throw new StoreError('PW_ERR_STORE_CLOSED', 'Cannot use the SQLite store: it was closed');
  }

  #schedule(): void {
    if (this.#draining) return;
    this.#draining = true;
    this.#idle = new Promise((resolve) => { this.#markIdle = resolve; });
    setImmediate(() => { this.#drain(); });
  }

  #drain(): void {
    while (this.#queue.length > 0) {
      const first = this.#queue[0];
      if (first?.kind === 'append') {
        const batch: Extract<Job, { kind: 'append' }>[] = [];
        while (this.#queue[0]?.kind === 'append') batch.push(this.#queue.shift() as Extract<Job, { kind: 'append' }>);
        try {
          this.#ctx.refreshIfChangedElsewhere();
          const results = this.#ctx.transaction(() => batch.map((job) => {
            const counts = emptyCounts();
            ingestGroups(this.#ctx, job.groups, counts);
            return counts;
          }));
          this.#checkpoints.committed();
          batch.forEach((job, i) => { job.resolve(resultOf(results[i] ?? emptyCounts())); });
        } catch (error) {
          const failure = wrap(error, 'PW_ERR_STORE_WRITE', `Appending ${batch.length} batch(es) of readings`);
          for (const job of batch) job.reject(failure);
        }
      } else if (first !== undefined) {
        this.#queue.shift();
        try {
          first.resolve(first.run());
        } catch (error) {
          first.reject(error);
        }
      }
    }
    this.#draining = false;
    this.#markIdle();
  }

  /** Runs `work` in one write transaction, in queue order. */
  #write<T>(work: () => T, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.#closed) { reject(new StoreError('PW_ERR_STORE_CLOSED', 'Cannot use the SQLite store: it was closed')); return; }
      const run = (): T => {
        this.#ctx.refreshIfChangedElsewhere();
        try {
          const result = this.#ctx.transaction(work);
          this.#checkpoints.committed();
          return result;
        } catch (error) {
          throw wrap(error, 'PW_ERR_STORE_WRITE', what);
        }
      };
      this.#queue.push({ kind: 'task', run, resolve: resolve as (r: unknown) => void, reject });
      this.#schedule();
    });
  }

  #append(groups: readonly IngestGroup[]): Promise<AppendResult> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ kind: 'append', groups, resolve, reject });
      this.#schedule();
    });
  }

  #read<T>(what: string, work: () => T): Promise<T> {
    try {
      this.#assertOpen();
      this.#ctx.refreshIfChangedElsewhere();
      return Promise.resolve(work());
    } catch (error) {
      return rejected(wrap(error, 'PW_ERR_STORE_READ', what));
    }
  }

  appendReadings(readings: readonly Reading[]): Promise<AppendResult> {
    try {
      this.#assertOpen();
      checkReadings(readings);
    } catch (error) {
      return rejected(error);
    }
    return this.#append(groupsOfReadings(readings));
  }

  appendSnapshots(snapshots: readonly Snapshot[]): Promise<AppendResult> {
    try {
      this.#assertOpen();
      checkSnapshots(snapshots);
    } catch (error) {
      return rejected(error);
    }
    return this.#append(snapshots);
  }

  readings(meter: MeterId, quantity: ObisCode, range: TimeRange): Promise<readonly Reading[]> {
    return this.#read('Reading a series',
      () => { checkRange(range, 'readings'); return reads.readings(this.#ctx, meter, quantity, range); });
  }

  latest(meter: MeterId): Promise<readonly Reading[]> {
    return this.#read('Reading the latest readings', () => reads.latest(this.#ctx, meter));
  }

  readingsAt(at: number, quantities?: readonly ObisCode[]): Promise<FleetInterval> {
    return this.#read('Reading one interval across meters', () => reads.readingsAt(this.#ctx, at, quantities));
  }

  conflicts(meter: MeterId, range: TimeRange): Promise<readonly ReadingConflict[]> {
    return this.#read('Reading conflicts', () => { checkRange(range, 'conflicts'); return reads.conflicts(this.#ctx, meter, range); });
  }

  intervals(meter: MeterId, quantity: ObisCode, range: TimeRange): Promise<readonly IntervalValue[]> {
    return this.#read('Reading intervals',
      () => { checkRange(range, 'intervals', true); return reads.intervals(this.#ctx, meter, quantity, range); });
  }

  intervalTable(query: IntervalTableQuery): Promise<IntervalTable> {
    return this.#read('Reading intervals of many meters',
      () => { checkRange(query.range, 'interval table', true); return intervalTable(this.#ctx, query); });
  }

  writeIntervals(writes: readonly IntervalWrite[], provenance: Provenance): Promise<IntervalWriteResult> {
    try {
      this.#assertOpen();
      checkIntervalWrites(writes, provenance);
    } catch (error) {
      return rejected(error);
    }
    return this.#write(() => writeIntervals(this.#ctx, writes, provenance), `Writing ${writes.length} interval value(s)`);
  }

  intervalChanges(meter: MeterId, quantity: ObisCode, range: TimeRange): Promise<readonly IntervalChange[]> {
    return this.#read('Reading the interval change log',
      () => { checkRange(range, 'interval changes'); return reads.intervalChanges(this.#ctx, meter, quantity, range); });
  }

  rollups(meter: MeterId, quantity: ObisCode, period: RollupPeriod, range: TimeRange): Promise<readonly Rollup[]> {
    return this.#read('Reading rollups',
      () => { checkRange(range, 'rollups'); return reads.rollups(this.#ctx, meter, quantity, period, range); });
  }

  completeness(range: TimeRange, quantity: ObisCode = Q.activeEnergyImport): Promise<readonly DayCompleteness[]> {
    return this.#read('Reading completeness',
      () => { checkRange(range, 'completeness'); return reads.completeness(this.#ctx, range, quantity); });
  }

  maintain(): Promise<MaintenanceReport> {
    try {
      this.#assertOpen();
    } catch (error) {
      return rejected(error);
    }
    this.#maintaining ??= this.#compactSettledSlots().finally(() => { this.#maintaining = undefined; });
    return this.#maintaining;
  }

  async #compactSettledSlots(): Promise<MaintenanceReport> {
    const now = this.#ctx.clock.now();
    const settled = (slot: number): boolean => floorTo(slot * intervalMs, dayMs) + dayMs + this.#compactAfterMs <= now;
    const allSlots = [...this.#ctx.hotSlots].sort((a, b) => a - b);
    const slots = allSlots.filter(settled);
    if (slots.length === 0) return { compactedSlots: 0, closedDays: 0, partitionsCreated: 0 };
    const meters = this.#ctx.meterIds();
    for (let i = 0; i < meters.length; i += metersPerCompaction) {
      const first = meters[i] ?? 0;
      const last = meters[Math.min(i + metersPerCompaction, meters.length) - 1] ?? first;
      await this.#write(() => { compactMeters(this.#ctx, slots, allSlots, first, last); },
        `Compacting ${slots.length} interval(s) of recent readings`);
    }
    await this.#write(() => {
      const probe = this.#ctx.stmt('SELECT 1 FROM reading_recent WHERE slot = ? LIMIT 1');
      for (const slot of slots) if (probe.get(slot) === undefined) this.#ctx.hotSlots.delete(slot);
    }, 'Finishing a compaction');
    return { compactedSlots: slots.length, closedDays: 0, partitionsCreated: 0 };
  }

  async purge(): Promise<PurgeReport> {
    this.#assertOpen();
    await this.maintain();
    const cutoffs = retentionCutoffs(this.#retention, this.#ctx.clock.now());
    const rowsRemoved = await purgeSqlite(this.#ctx, cutoffs, (work) => this.#write(work, 'Purging data past its retention'));
    return { cutoffs, rowsRemoved };
  }

  meterIds(): Promise<readonly MeterId[]> {
    return this.#read('Listing meters', () => mdm.meterNames(this.#ctx));
  }

  mdmWatermarks(): Promise<readonly MdmWatermark[]> {
    return this.#read('Reading the MDM watermarks', () => mdm.watermarks(this.#ctx));
  }

  alarmSlots(meter: MeterId): Promise<readonly AlarmSlotRecord[]> {
    return this.#read('Reading alarm engine state', () => mdm.alarmSlots(this.#ctx, meter));
  }

  commitMdm(commit: MdmCommit): Promise<readonly number[]> {
    try {
      this.#assertOpen();
    } catch (error) {
      return rejected(error);
    }
    return this.#write(() => mdm.commitMdm(this.#ctx, commit),
      `Committing an MDM run (${commit.watermarks.length} watermark(s), ${commit.transitions.length} alarm transition(s))`);
  }

  alarms(query: AlarmQuery): Promise<readonly AlarmRecord[]> {
    return this.#read('Listing alarms', () => mdm.alarms(this.#ctx, query));
  }

  alarm(id: string): Promise<AlarmRecord | undefined> {
    return this.#read('Reading an alarm', () => mdm.alarm(this.#ctx, id));
  }

  alarmTransitions(query: AlarmTransitionQuery): Promise<readonly AlarmTransitionRecord[]> {
    return this.#read('Reading alarm transitions', () => mdm.alarmTransitions(this.#ctx, query));
  }

  markAlarmTransitionsNotified(seqs: readonly number[]): Promise<void> {
    try {
      this.#assertOpen();
    } catch (error) {
      return rejected(error);
    }
    return this.#write(() => { mdm.markNotified(this.#ctx, seqs); }, `Marking ${seqs.length} alarm transition(s) notified`);
  }

  notifierCursor(notifier: string): Promise<number> {
    return this.#read(`Reading the cursor of notifier ${notifier}`, () => mdm.notifierCursor(this.#ctx, notifier));
  }

  advanceNotifierCursor(notifier: string, seq: number): Promise<void> {
    try {
      this.#assertOpen();
    } catch (error) {
      return rejected(error);
    }
    return this.#write(() => { mdm.advanceNotifierCursor(this.#ctx, notifier, seq); },
      `Moving the cursor of notifier ${notifier} to ${seq}`);
  }

  checkpointStats(): CheckpointStats {
    return this.#checkpoints.stats();
  }

  schemaVersion(): Promise<number> {
    return this.#read('Reading the schema version', () => appliedSqliteMigrations(this.#ctx.db).at(-1)?.version ?? 0);
  }

  checkWritable(): Promise<void> {
    return this.#write(() => undefined, 'Checking that the store takes writes');
  }

  sizeBytes(): Promise<number> {
    return this.#read('Reading the size of the store', () => reads.sizeBytes(this.#ctx));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#maintaining?.catch(() => undefined);
    await this.#idle;
    this.#ctx.db.close();
    await this.#checkpoints.stop();
  }
}
