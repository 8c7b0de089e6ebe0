// The PostgreSQL connection pool and what the store caches about the database: the meter and
// quantity dictionaries (ids never change once given) and the monthly partitions known to exist.
import pg from 'pg';
import type { CustomTypesConfig, Pool, PoolClient, QueryResultRow } from 'pg';
import { StoreError, stepsOf, type Clock, type MeterId, type ObisCode } from '@phasewire/core';
import { nextMonthStart, monthStart } from '../../periods.ts';
import { isRegister } from '../../validation.ts';
import { dayLockNamespace, lockNamespace, lockPurpose, meterLockNamespace } from './postgres-migrate.ts';

export interface PgQuantity {
  readonly id: number;
  readonly obis: ObisCode;
  readonly steps: number;
  readonly register: boolean;
}

/** int8 (OID 20) as a JavaScript number: every bigint here is a time in ms or a count of steps, below 2^53. */
const int8 = 20;
const defaultParser = pg.types.getTypeParser.bind(pg.types) as (oid: number, format?: string) => unknown;
export const types = {
  getTypeParser: (oid: number, format?: string): unknown => (oid === int8 && format !== 'binary' ? Number : defaultParser(oid, format)),
} as unknown as CustomTypesConfig;

/** Advisory-lock buckets for meters: a transaction that derives intervals locks its meters' buckets. */
export const meterLockBuckets = 128;

export const isIdentifier = (name: string): boolean => /^[a-z_][a-z0-9_]{0,62}$/.test(name);

export function partitionName(table: string, month: number): string {
  const date = new Date(month);
  return `${table}_p${date.getUTCFullYear()}_${String(date.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** Runs `work` in one transaction on one connection of `pool`: committed when it resolves, rolled back when it throws. */
export async function inPoolTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

export class PostgresDb {
  readonly pool: Pool;
  readonly clock: Clock;
  readonly schema: string;
  timescale = false;
  /** The schema has the chunk tables (a store held at an older version for a migration test has not). */
  chunked = true;
  readonly #meters = new Map<string, number>();
  readonly #meterNames = new Map<number, MeterId>();
  readonly #quantities = new Map<string, PgQuantity>();
  readonly #quantitiesById = new Map<number, PgQuantity>();
  readonly #partitions = new Set<number>();

  constructor(connectionString: string, schema: string, poolSize: number, clock: Clock) {
    this.schema = schema;
    this.clock = clock;
    this.pool = new pg.Pool({ connectionString, max: poolSize, options: `-c search_path=${schema}`, types });
    // An idle client whose server went away (a restart, a failover) emits `error` on the pool, which
    // would end the process unhandled. The pool drops that client; the next query opens a new one,
    // and a query while the server is down fails with its own error (the readiness probe shows it).
    this.pool.on('error', () => undefined);
  }

  /** An empty transaction that takes a transaction id: only a server that accepts writes gives one. */
  async checkWritable(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_current_xact_id()');
      await client.query('ROLLBACK');
      client.release();
    } catch (error) {
      client.release(error as Error);
      throw error;
    }
  }

  /** Tables and indexes of the schema, bytes. */
  async sizeBytes(): Promise<number> {
    const rows = await this.query<{ bytes: string | null }>(`SELECT sum(pg_total_relation_size(c.oid))::text AS bytes FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind IN ('r', 'm')`, [this.schema]);
    return Number(rows[0]?.bytes ?? 0);
  }

  async query<R extends QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
    return (await this.pool.query<R>(sql, params)).rows;
  }

  /** Runs `work` in one transaction on one connection. */
  transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    return inPoolTransaction(this.pool, work);
  }

  /** Locks the advisory buckets of these meters until the transaction ends, in one order everywhere. */
  async lockMeters(client: PoolClient, meters: Iterable<number>): Promise<void> {
    const buckets = [...new Set([...meters].map((m) => m % meterLockBuckets))];
    await client.query('SELECT pg_advisory_xact_lock($1, b) FROM (SELECT DISTINCT b FROM unnest($2::int[]) AS b ORDER BY b) AS s',
      [meterLockNamespace, buckets]);
  }

  /**
   * Holds these days open for the transaction (a shared lock: appends run side by side), and returns
   * those of them that are closed. Closing a day takes the lock exclusively, so a reading appended
   * while its day closes is either in the closing or sees the day closed.
   */
  async closedDaysAmong(client: PoolClient, days: Iterable<number>): Promise<Set<number>> {
    const list = [...new Set(days)].sort((a, b) => a - b);
    if (list.length === 0) return new Set();
    await client.query('SELECT pg_advisory_xact_lock_shared($1, d) FROM (SELECT DISTINCT d FROM unnest($2::int[]) AS d ORDER BY d) AS s',
      [dayLockNamespace, list.map((day) => day / 86_400_000)]);
    const rows = await client.query<{ day: number }>('SELECT day FROM closed_day WHERE day = ANY($1::int8[])', [list]);
    return new Set(rows.rows.map((r) => r.day));
  }

  /** Ids of these meters, added to the dictionary when new. */
  async meterIds(names: Iterable<MeterId>): Promise<Map<string, number>> {
    const missing = [...new Set(names)].filter((name) => !this.#meters.has(name));
    if (missing.length > 0) {
      await this.pool.query('INSERT INTO meter (name) SELECT unnest($1::text[]) ON CONFLICT (name) DO NOTHING', [missing]);
      for (const row of await this.query<{ id: number; name: string }>('SELECT id, name FROM meter WHERE name = ANY($1)', [missing]))
        this.#rememberMeter(row.name as MeterId, row.id);
    }
    return this.#meters;
  }

  /** The id of a known meter, or undefined. */
  async meterId(name: MeterId): Promise<number | undefined> {
    const cached = this.#meters.get(name);
    if (cached !== undefined) return cached;
    const [row] = await this.query<{ id: number }>('SELECT id FROM meter WHERE name = $1', [name]);
    if (row !== undefined) this.#rememberMeter(name, row.id);
    return row?.id;
  }

  #rememberMeter(name: MeterId, id: number): void {
    this.#meters.set(name, id);
    this.#meterNames.set(id, name);
  }

  async meterName(id: number): Promise<MeterId> {
    const cached = this.#meterNames.get(id);
    if (cached !== undefined) return cached;
    const [row] = await this.query<{ name: string }>('SELECT name FROM meter WHERE id = $1', [id]);
    if (row === undefined)
      throw new StoreError('PW_ERR_STORE_CORRUPT',
        `Cannot find meter ${id} in the meter dictionary: a stored row names a meter that is not there`);
    this.#rememberMeter(row.name as MeterId, id);
    return row.name as MeterId;
  }

  async meterNames(ids: Iterable<number>): Promise<Map<number, MeterId>> {
    const missing = [...new Set(ids)].filter((id) => !this.#meterNames.has(id));
    if (missing.length > 0) {
      for (const row of await this.query<{ id: number; name: string }>('SELECT id, name FROM meter WHERE id = ANY($1)', [missing]))
        this.#rememberMeter(row.name as MeterId, row.id);
    }
    return this.#meterNames;
  }

  /** Dictionary entries of these quantities, added when new. */
  async quantities(codes: Iterable<ObisCode>): Promise<Map<string, PgQuantity>> {
    const missing = [...new Set(codes)].filter((code) => !this.#quantities.has(code));
    if (missing.length > 0) {
      await this.pool.query('INSERT INTO quantity (obis, steps, register) SELECT * FROM unnest($1::text[], $2::int[], $3::bool[]) ON '
        + 'CONFLICT (obis) DO NOTHING',
        [missing, missing.map(stepsOf), missing.map(isRegister)]);
      await this.#loadQuantities('WHERE obis = ANY($1)', [missing]);
    }
    return this.#quantities;
  }

  async quantity(code: ObisCode): Promise<PgQuantity | undefined> {
    if (!this.#quantities.has(code)) await this.#loadQuantities('WHERE obis = $1', [code]);
    return this.#quantities.get(code);
  }

  async quantityById(id: number): Promise<PgQuantity> {
    if (!this.#quantitiesById.has(id)) await this.#loadQuantities('WHERE id = $1', [id]);
    const found = this.#quantitiesById.get(id);
    if (found === undefined)
      throw new StoreError('PW_ERR_STORE_CORRUPT',
        `Cannot find quantity ${id} in the quantity dictionary: a stored row names a quantity that is not there`);
    return found;
  }

  async allQuantities(): Promise<PgQuantity[]> {
    await this.#loadQuantities('', []);
    return [...this.#quantitiesById.values()];
  }

  async #loadQuantities(where: string, params: unknown[]): Promise<void> {
    for (const row of await this.query<{ id: number; obis: string; steps: number;
      register: boolean }>(`SELECT id, obis, steps, register FROM quantity ${where}`, params)) {
      const entry = { id: row.id, obis: row.obis as ObisCode, steps: row.steps, register: row.register };
      this.#quantities.set(entry.obis, entry);
      this.#quantitiesById.set(entry.id, entry);
    }
  }

  /** Makes sure the monthly partitions holding these times exist (native partitioning only). */
  async ensurePartitions(times: Iterable<number>): Promise<number> {
    if (this.timescale) return 0;
    const months = [...new Set([...times].map(monthStart))].filter((month) => !this.#partitions.has(month));
    if (months.length === 0) return 0;
    let created = 0;
    await this.transaction(async (client) => {
      // One creator at a time: two workers adding the same partition would collide.
      await client.query('SELECT pg_advisory_xact_lock($1, $2)', [lockNamespace, lockPurpose.partitions]);
      for (const month of months) {
        for (const table of ['reading', 'register_reading']) {
          const name = partitionName(table, month);
          const exists = await client.query('SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 '
            + 'AND c.relname = $2', [this.schema, name]);
          if ((exists.rowCount ?? 0) > 0) continue;
          await client.query(`CREATE TABLE ${name} PARTITION OF ${table} FOR VALUES FROM (${month}) TO (${nextMonthStart(month)})`);
          created++;
        }
      }
    });
    for (const month of months) this.#partitions.add(month);
    return created;
  }

  /** Partitions of a table with the month each holds. */
  async partitions(table: string): Promise<{ name: string; month: number }[]> {
    const rows = await this.query<{ name: string }>(`SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace n ON n.oid = p.relnamespace WHERE n.nspname = $1 AND p.relname = $2`,
        [this.schema, table]);
    return rows.flatMap(({ name }) => {
      const match = /_p(\d{4})_(\d{2})$/.exec(name);
      return match === null ? [] : [{ name, month: Date.UTC(Number(match[1]), Number(match[2]) - 1, 1) }];
    });
  }

  forgetPartition(month: number): void {
    this.#partitions.delete(month);
  }
}
