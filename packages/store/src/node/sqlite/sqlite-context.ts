// The open SQLite database and what the store caches about it: the meter and quantity dictionaries,
// the per-meter state rows (meter-state.ts), the 15-minute slots that hold recent snapshots, and the
// days that were compacted. Caches hold only facts that never change once committed (ids, stored
// readings) or that this connection alone writes; when another connection commits (PRAGMA
// data_version moves), the state cache is dropped and reloaded.
import type { DatabaseSync, SQLInputValue, SQLOutputValue, StatementSync } from 'node:sqlite';
import { StoreError, stepsOf, type Clock, type MeterId, type ObisCode } from '@phasewire/core';
import { dayMs, floorTo, intervalMs } from '../../periods.ts';
import { isRegister } from '../../validation.ts';
import { ByteWriter } from './byte-codec.ts';
import { decodeChunk, type SeriesPart } from './chunk-codec.ts';
import { decodeMeterState, emptyMeterState, encodeMeterState, raise, type MeterState } from './meter-state.ts';
import { decodeSnapshotText, encodeSnapshotText } from './snapshot-text.ts';

export interface QuantityEntry {
  readonly id: number;
  readonly obis: ObisCode;
  readonly steps: number;
  readonly register: boolean;
}

export type Row = Record<string, SQLOutputValue>;

export const num = (value: SQLOutputValue | undefined): number => Number(value);
export const optionalNumber =
  (value: SQLOutputValue | undefined): number | null => (value === null || value === undefined ? null : Number(value));

/**
 * Recent rows per INSERT statement: each call into node:sqlite costs about as much as inserting a
 * few rows, so rows go 64 to a call (measured: ~1.6 µs a row against ~2.0–2.5 at 16 and ~4 at 1).
 * A shorter tail is inserted in power-of-two pieces (32, 16, … 1 rows), each its own cached statement.
 */
const recentRowsPerInsert = 64;
const insertRecentRows = (rows: number): string =>
  `INSERT INTO reading_recent (slot, meter, off, vals) VALUES ${Array.from({ length: rows }, () => '(?, ?, ?, ?)').join(', ')} `
    + `ON CONFLICT DO NOTHING`;
const insertRecentSql: readonly string[] = Array.from({ length: recentRowsPerInsert + 1 }, (_, rows) => insertRecentRows(rows));

/** At most this many meter states stay cached (about 1 KiB each). */
const stateCacheLimit = 200_000;

export class SqliteContext {
  readonly db: DatabaseSync;
  readonly clock: Clock;
  readonly #statements = new Map<string, StatementSync>();
  readonly #meterIds = new Map<string, number>();
  readonly #meterNames = new Map<number, MeterId>();
  readonly #quantities = new Map<string, QuantityEntry>();
  readonly #quantitiesById = new Map<number, QuantityEntry>();
  readonly #states = new Map<number, MeterState>();
  readonly #dirty = new Set<number>();
  readonly #writer = new ByteWriter(1024);
  readonly #pendingRecent: (number | string)[] = [];
  readonly hotSlots = new Set<number>();
  readonly compactedDays = new Set<number>();
  #dataVersion = 0;
  readonly #stepsById: number[] = [];
  /** Steps per unit of a quantity id (an array lookup once known: decoding calls this for every value). */
  readonly stepsOfId = (id: number): number => this.#stepsById[id] ?? this.quantityById(id).steps;

  constructor(db: DatabaseSync, clock: Clock) {
    this.db = db;
    this.clock = clock;
    this.#dataVersion = this.#readDataVersion();
    this.#loadSlotsAndDays();
  }

  /** A prepared statement, cached by its text. */
  stmt(sql: string, arrays = false): StatementSync {
    const key = arrays ? `A${sql}` : sql;
    let statement = this.#statements.get(key);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      if (arrays) statement.setReturnArrays(true);
      this.#statements.set(key, statement);
    }
    return statement;
  }

  /** Rows as arrays of column values (cheaper than objects for large results). */
  arrays(sql: string, ...params: SQLInputValue[]): SQLOutputValue[][] {
    return this.stmt(sql, true).all(...params) as unknown as SQLOutputValue[][];
  }

  #readDataVersion(): number {
    const row = this.stmt('PRAGMA data_version', true).get() as unknown as SQLOutputValue[] | undefined;
    return num(row?.[0]);
  }

  #loadSlotsAndDays(): void {
    this.hotSlots.clear();
    this.compactedDays.clear();
    const next = this.stmt('SELECT slot FROM reading_recent WHERE slot > ? ORDER BY slot LIMIT 1');
    for (let row = next.get(-1); row !== undefined; row = next.get(num(row['slot']))) this.hotSlots.add(num(row['slot']));
    for (const row of this.stmt('SELECT day FROM compacted_day').all()) this.compactedDays.add(num(row['day']));
  }

  /** Drops what another connection may have changed; call before reading or writing state. */
  refreshIfChangedElsewhere(): void {
    const version = this.#readDataVersion();
    if (version === this.#dataVersion) return;
    this.#dataVersion = version;
    this.#states.clear();
    this.#loadSlotsAndDays();
  }

  /** After a rolled-back transaction: forget everything that transaction may have cached. */
  forgetUncommitted(): void {
    this.#pendingRecent.length = 0;
    this.#states.clear();
    this.#dirty.clear();
    this.#meterIds.clear();
    this.#meterNames.clear();
    this.#quantities.clear();
    this.#quantitiesById.clear();
    this.#stepsById.length = 0;
    this.#loadSlotsAndDays();
  }

  meterId(name: MeterId): number | undefined {
    const cached = this.#meterIds.get(name);
    if (cached !== undefined) return cached;
    const row = this.stmt('SELECT id FROM meter WHERE name = ?').get(name);
    if (row === undefined) return undefined;
    this.#remember(name, num(row['id']));
    return num(row['id']);
  }

  /** The meter's id, adding it to the dictionary when new (inside a write transaction). */
  ensureMeter(name: MeterId): number {
    const known = this.meterId(name);
    if (known !== undefined) return known;
    const id = num(this.stmt('INSERT INTO meter (name) VALUES (?)').run(name).lastInsertRowid);
    this.#remember(name, id);
    return id;
  }

  #remember(name: MeterId, id: number): void {
    this.#meterIds.set(name, id);
    this.#meterNames.set(id, name);
  }

  meterName(id: number): MeterId {
    const cached = this.#meterNames.get(id);
    if (cached !== undefined) return cached;
    const row = this.stmt('SELECT name FROM meter WHERE id = ?').get(id);
    if (row === undefined)
      throw new StoreError('PW_ERR_STORE_CORRUPT',
        `Cannot find meter ${id} in the meter dictionary: a stored row names a meter that is not there`);
    const name = String(row['name']) as MeterId;
    this.#remember(name, id);
    return name;
  }

  /** Every meter id, ascending. */
  meterIds(): number[] {
    return this.arrays('SELECT id FROM meter ORDER BY id').map((row) => num(row[0]));
  }

  quantity(obis: ObisCode): QuantityEntry | undefined {
    const cached = this.#quantities.get(obis);
    if (cached !== undefined) return cached;
    const row = this.stmt('SELECT id, obis, steps, register FROM quantity WHERE obis = ?').get(obis);
    return row === undefined ? undefined : this.#rememberQuantity(row);
  }

  ensureQuantity(obis: ObisCode): QuantityEntry {
    const known = this.quantity(obis);
    if (known !== undefined) return known;
    const steps = stepsOf(obis);
    const register = isRegister(obis);
    const id =
      num(this.stmt('INSERT INTO quantity (obis, steps, register) VALUES (?, ?, ?)').run(obis, steps, register ? 1 : 0).lastInsertRowid);
    const entry = { id, obis, steps, register };
    this.#quantities.set(obis, entry);
    this.#quantitiesById.set(id, entry);
    this.#stepsById[id] = steps;
    return entry;
  }

  quantityById(id: number): QuantityEntry {
    const cached = this.#quantitiesById.get(id);
    if (cached !== undefined) return cached;
    const row = this.stmt('SELECT id, obis, steps, register FROM quantity WHERE id = ?').get(id);
    if (row === undefined)
      throw new StoreError('PW_ERR_STORE_CORRUPT',
        `Cannot find quantity ${id} in the quantity dictionary: a stored row names a quantity that is not there`);
    return this.#rememberQuantity(row);
  }

  quantities(): QuantityEntry[] {
    return this.stmt('SELECT id, obis, steps, register FROM quantity ORDER BY id').all().map((row) => this.#rememberQuantity(row));
  }

  #rememberQuantity(row: Row): QuantityEntry {
    const entry =
      { id: num(row['id']), obis: String(row['obis']) as ObisCode, steps: num(row['steps']), register: num(row['register']) === 1 };
    this.#quantities.set(entry.obis, entry);
    this.#quantitiesById.set(entry.id, entry);
    this.#stepsById[entry.id] = entry.steps;
    return entry;
  }

  /** The meter's state: its row as of the last compaction, raised by what its recent snapshots hold. */
  state(meter: number): MeterState {
    const cached = this.#states.get(meter);
    if (cached !== undefined) return cached;
    const row = this.stmt('SELECT data FROM meter_state WHERE meter = ?').get(meter);
    const state =
      row === undefined ? emptyMeterState() : decodeMeterState(row['data'] as Uint8Array, this.stepsOfId, `state of meter ${meter}`);
    for (const [id, reads] of this.recentReadingsOf(meter)) {
      const register = this.quantityById(id).register;
      reads.at.forEach((at, i) => {
        const value = reads.values[i] ?? 0;
        raise(state.latest, id, at, value);
        if (register && at % intervalMs === 0) raise(state.latestOnGrid, id, at, value);
      });
    }
    this.#states.set(meter, state);
    return state;
  }

  /** Every recent reading of one meter by quantity id, in time order. */
  recentReadingsOf(meter: number): Map<number, SeriesPart> {
    this.flushRecent();
    const byQuantity = new Map<number, SeriesPart>();
    const select = this.stmt('SELECT off, vals FROM reading_recent WHERE slot = ? AND meter = ?', true);
    for (const slot of this.hotSlotsBetween(-Infinity, Infinity)) {
      for (const row of select.all(slot, meter) as unknown as [number, string][]) {
        const at = slot * intervalMs + row[0];
        decodeSnapshotText(row[1], this.stepsOfId, (id, value) => {
          let reads = byQuantity.get(id);
          if (reads === undefined) { reads = { at: [], values: [] }; byQuantity.set(id, reads); }
          reads.at.push(at);
          reads.values.push(value);
        });
      }
    }
    return byQuantity;
  }

  markDirty(meter: number): void {
    this.#dirty.add(meter);
  }

  /** Writes the state of every meter changed in this transaction. */
  saveDirtyStates(): void {
    const upsert = this.stmt('INSERT INTO meter_state (meter, data) VALUES (?, ?) ON CONFLICT (meter) DO UPDATE SET data = excluded.data');
    for (const meter of this.#dirty) upsert.run(meter, encodeMeterState(this.state(meter), this.stepsOfId, this.#writer));
    this.#dirty.clear();
    if (this.#states.size > stateCacheLimit) {
      let excess = this.#states.size - Math.floor(stateCacheLimit * 0.9);
      for (const meter of this.#states.keys()) {
        if (excess-- <= 0) break;
        this.#states.delete(meter);
      }
    }
  }

  /** Runs `work` in one write transaction; on failure rolls back and forgets what it cached. */
  transaction<T>(work: () => T): T {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const result = work();
      this.flushRecent();
      this.saveDirtyStates();
      this.db.exec('COMMIT');
      return result;
    } catch (error) {
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      this.forgetUncommitted();
      throw error;
    }
  }

  /**
   * Queues a new recent snapshot row; rows are inserted 64 to a statement (one call into SQLite per
   * 64 snapshots instead of per snapshot). A row that turns out to exist already (another batch
   * stored other quantities of the snapshot) gets the new values merged in.
   */
  queueRecent(slot: number, meter: number, off: number, vals: string): void {
    const pending = this.#pendingRecent;
    pending.push(slot, meter, off, vals);
    if (pending.length === recentRowsPerInsert * 4) this.flushRecent();
  }

  /** Inserts the queued recent rows; call before reading the recent table. */
  flushRecent(): void {
    const pending = this.#pendingRecent;
    if (pending.length === 0) return;
    const rowsToCheck: number[] = [];
    let first = 0;
    const total = pending.length / 4;
    while (first < total) {
      // The largest power of two of rows that fits what is left (all 64 but in the tail).
      let rows = recentRowsPerInsert;
      while (rows > total - first) rows >>>= 1;
      const statement = this.stmt(insertRecentSql[rows] ?? insertRecentRows(rows));
      const params = rows === total ? pending : pending.slice(4 * first, 4 * (first + rows));
      // Fewer changes than rows: some rows were there already; which ones is found out below.
      if (Number(statement.run(...params).changes) < rows) for (let i = first; i < first + rows; i++) rowsToCheck.push(i);
      first += rows;
    }
    const conflicting = rowsToCheck.map((i) => pending.slice(4 * i, 4 * i + 4) as [number, number, number, string]);
    pending.length = 0;
    for (const [slot, meter, off, vals] of conflicting) {
      const stored = this.stmt('SELECT vals FROM reading_recent WHERE slot = ? AND meter = ? AND off = ?', true).get(slot, meter,
        off) as unknown as SQLOutputValue[] | undefined;
      const storedVals = String(stored?.[0] ?? '');
      if (storedVals === vals) continue;
      const merged = new Map<number, number>();
      decodeSnapshotText(storedVals, this.stepsOfId, (id, value) => merged.set(id, value));
      decodeSnapshotText(vals, this.stepsOfId, (id, value) => merged.set(id, value));
      const ids = [...merged.keys()];
      this.stmt('UPDATE reading_recent SET vals = ? WHERE slot = ? AND meter = ? AND off = ?')
        .run(encodeSnapshotText(ids, ids.map((id) => merged.get(id) ?? 0), ids.map(this.stepsOfId)), slot, meter, off);
    }
  }

  /** The values of the recent snapshot of a meter at one time, by quantity id. */
  recentRow(slot: number, meter: number, off: number): Map<number, number> | undefined {
    this.flushRecent();
    const row = this.stmt('SELECT vals FROM reading_recent WHERE slot = ? AND meter = ? AND off = ?', true).get(slot, meter,
      off) as unknown as SQLOutputValue[] | undefined;
    if (row === undefined) return undefined;
    const values = new Map<number, number>();
    decodeSnapshotText(String(row[0]), this.stepsOfId, (id, value) => values.set(id, value));
    return values;
  }

  /** Readings of one meter and quantity from compacted chunks with start in [from, to). */
  chunkReadings(meter: number, quantity: QuantityEntry, from: number, to: number, into: SeriesPart): void {
    const rows = this.arrays('SELECT start, data FROM reading_chunk WHERE meter = ? AND quantity = ? AND start >= ? AND start < ? ORDER BY '
      + 'start', meter, quantity.id, from, to);
    for (const row of rows)
      decodeChunk(row[1] as Uint8Array, num(row[0]), quantity.steps, `chunk of meter ${meter}, quantity ${quantity.obis} at ${num(row[0])}`,
        into);
  }

  /** The value of one reading while it is recent, or undefined. */
  recentValue(meter: number, quantity: QuantityEntry, at: number): number | undefined {
    const slot = Math.floor(at / intervalMs);
    return this.hotSlots.has(slot) ? this.recentRow(slot, meter, at - slot * intervalMs)?.get(quantity.id) : undefined;
  }

  /** The value of one reading once compacted, or undefined. */
  compactedValue(meter: number, quantity: QuantityEntry, at: number): number | undefined {
    const day = floorTo(at, dayMs);
    return this.compactedDays.has(day) ? this.storedValueInChunks(meter, quantity, at, day) : undefined;
  }

  /** The value of one reading in the compacted chunks of `day`, or undefined. */
  storedValueInChunks(meter: number, quantity: QuantityEntry, at: number, day: number): number | undefined {
    const row = this.stmt('SELECT start, data FROM reading_chunk WHERE meter = ? AND quantity = ? AND start <= ? AND start >= ? ORDER BY '
      + 'start DESC LIMIT 1', true)
      .get(meter, quantity.id, at, day) as unknown as SQLOutputValue[] | undefined;
    if (row === undefined) return undefined;
    const part: SeriesPart = { at: [], values: [] };
    decodeChunk(row[1] as Uint8Array, num(row[0]), quantity.steps, `chunk of meter ${meter}, quantity ${quantity.obis} at ${num(row[0])}`,
      part);
    const index = part.at.indexOf(at);
    return index < 0 ? undefined : part.values[index];
  }

  /** Recent slots in [first, last], ascending. */
  hotSlotsBetween(first: number, last: number): number[] {
    const slots: number[] = [];
    for (const slot of this.hotSlots) if (slot >= first && slot <= last) slots.push(slot);
    return slots.sort((a, b) => a - b);
  }
}
