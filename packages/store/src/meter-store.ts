// The meter-data store: the port that ingest, VEE, analytics, billing and the API use, with two
// implementations (SQLite, the embedded default, and PostgreSQL) that pass one conformance suite
// (src/testing/store-conformance.ts). docs/store.md explains the schema behind each.
//
// Raw readings are immutable: appending a reading that is already stored with the same value is a
// no-op (a duplicate); with another value it is a conflict, kept apart and reported, and the first
// value stays. An append is one transaction and durable when its promise resolves, so ingest may
// acknowledge a message then.
import type { MeterId, ObisCode, Reading, Snapshot } from '@phasewire/core';
import type { Rollup } from './aggregates.ts';
import type { FleetInterval } from './fleet-interval.ts';
import type { IntervalTable, IntervalTableQuery } from './interval-table.ts';
import type { IntervalValue } from './intervals.ts';
import type { RollupPeriod, TimeRange } from './periods.ts';
import type { IntervalQuality, IntervalStage } from './quality.ts';
import type { DataClass } from './retention.ts';
import type { MdmStateStore } from './mdm-state.ts';

/** A reading whose (meter, quantity, time) was already stored with another value. */
export interface ReadingConflict {
  readonly meter: MeterId;
  readonly quantity: ObisCode;
  readonly at: number;
  /** The value kept: the first one stored. */
  readonly stored: number;
  /** The value that arrived later and was not stored as the reading. */
  readonly received: number;
  /** When the conflicting value first arrived (store clock). */
  readonly receivedAt: number;
}

export interface AppendResult {
  /** Readings stored for the first time. */
  readonly inserted: number;
  /** Readings already stored with the same value: nothing changed. */
  readonly duplicate: number;
  /** Readings already stored with another value: kept as conflict records, the stored value unchanged. */
  readonly conflicting: number;
  readonly conflicts: readonly ReadingConflict[];
}

/** Who changed an interval value: a VEE rule, or a person, who must say why. */
export type Provenance =
  | { readonly kind: 'rule'; readonly rule: string; readonly reason?: string }
  | { readonly kind: 'person'; readonly person: string; readonly reason: string };

/** A validated or final value to write for one interval. */
export interface IntervalWrite {
  readonly meter: MeterId;
  readonly quantity: ObisCode;
  /** End of the interval, on the 15-minute grid. */
  readonly end: number;
  readonly stage: IntervalStage;
  /** In the quantity's unit (Wh, varh); null only with quality `missing`. */
  readonly value: number | null;
  readonly quality: Exclude<IntervalQuality, 'measured'>;
}

export interface IntervalWriteResult {
  /** Stage values written (each is one entry in the change log). */
  readonly written: number;
  /** Writes equal to what the stage already held: nothing written, nothing logged. */
  readonly unchanged: number;
}

/** One entry of an interval's change log: append-only, never rewritten. */
export interface IntervalChange {
  readonly meter: MeterId;
  readonly quantity: ObisCode;
  readonly end: number;
  /** Increases with every change in the store. */
  readonly seq: number;
  readonly stage: IntervalStage;
  readonly value: number | null;
  readonly quality: IntervalQuality;
  readonly provenance: Provenance;
  /** When the change was made (store clock). */
  readonly at: number;
}

/** Inputs of the completeness figure: intervals with a measured value, per meter per day. */
export interface DayCompleteness {
  readonly meter: MeterId;
  readonly day: number;
  readonly measured: number;
  /** Intervals in the day (96). */
  readonly expected: number;
}

export interface MaintenanceReport {
  /** 15-minute intervals whose recent snapshots were moved into the meter-ordered, compressed layout (SQLite). */
  readonly compactedSlots: number;
  /** Days whose rollups were closed (PostgreSQL: readings other than energy rolled up into rows). */
  readonly closedDays: number;
  /** Partitions created ahead of time (PostgreSQL). */
  readonly partitionsCreated: number;
}

export interface PurgeReport {
  /** The time before which each data class was removed; absent when the class is kept forever. */
  readonly cutoffs: { readonly [K in DataClass]?: number };
  /** Database rows removed (readings are stored in chunks on SQLite, so this is not a reading count). */
  readonly rowsRemoved: number;
}

export interface MeterStore extends MdmStateStore {
  /** Appends readings in one durable transaction. Readings of a batch may come in any order. */
  appendReadings(readings: readonly Reading[]): Promise<AppendResult>;
  /** As appendReadings, for the snapshots a batch from the uplink decodes to. */
  appendSnapshots(snapshots: readonly Snapshot[]): Promise<AppendResult>;

  /** The readings of one meter and quantity with time in [from, to), in time order. */
  readings(meter: MeterId, quantity: ObisCode, range: TimeRange): Promise<readonly Reading[]>;
  /** The latest reading of each quantity the meter has reported. */
  latest(meter: MeterId): Promise<readonly Reading[]>;
  /**
   * Every meter's readings taken exactly at `at` (one interval across the fleet) of the given
   * quantities (default: every quantity the store knows), as a table.
   */
  readingsAt(at: number, quantities?: readonly ObisCode[]): Promise<FleetInterval>;
  /** Stored conflict records of one meter with reading time in [from, to). */
  conflicts(meter: MeterId, range: TimeRange): Promise<readonly ReadingConflict[]>;

  /** Every interval of an energy register lying in `range` (on the 15-minute grid), missing ones included. */
  intervals(meter: MeterId, quantity: ObisCode, range: TimeRange): Promise<readonly IntervalValue[]>;
  /**
   * The intervals of many meters and quantities in one range, as one table: each cell what
   * `intervals` gives as `value` and `quality`, read in one pass (bill runs read a batch of meters so).
   */
  intervalTable(query: IntervalTableQuery): Promise<IntervalTable>;
  /** Writes validated or final interval values with their provenance, in one transaction. */
  writeIntervals(writes: readonly IntervalWrite[], provenance: Provenance): Promise<IntervalWriteResult>;
  /** The change log of the intervals ending in (from, to], oldest first. */
  intervalChanges(meter: MeterId, quantity: ObisCode, range: TimeRange): Promise<readonly IntervalChange[]>;

  /**
   * Hour, day or month rollups of one meter and quantity, for periods starting in [from, to) that
   * hold data. Energy registers roll up their intervals (sum, count, measured count); other
   * quantities their readings (mean, min, max).
   */
  rollups(meter: MeterId, quantity: ObisCode, period: RollupPeriod, range: TimeRange): Promise<readonly Rollup[]>;
  /** Measured intervals per meter per day for days starting in [from, to) (default quantity: active energy import). */
  completeness(range: TimeRange, quantity?: ObisCode): Promise<readonly DayCompleteness[]>;

  /**
   * Background work, to be run every few minutes: compaction of settled recent data (SQLite),
   * partitions made ahead of time (PostgreSQL).
   */
  maintain(): Promise<MaintenanceReport>;
  /** Removes data past its retention period, per data class. */
  purge(): Promise<PurgeReport>;
  /** The schema version the database is at. */
  schemaVersion(): Promise<number>;
  /**
   * Opens and ends an empty write transaction (SQLite: the write lock behind the queued writes;
   * PostgreSQL: a transaction id, which a read-only or unreachable server cannot give): rejects
   * when a write would fail now. The server's readiness probe (docs/operations.md).
   */
  checkWritable(): Promise<void>;
  /** Bytes the store's data takes on disk (SQLite: the database's pages; PostgreSQL: the schema's tables and indexes). */
  sizeBytes(): Promise<number>;
  close(): Promise<void>;
}
