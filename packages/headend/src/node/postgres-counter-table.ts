// The CounterTable on PostgreSQL, in the head-end's own schema (phasewire_headend by default) of the
// database the readings store uses: table `counter` (scope text, value numeric(20,0): all 64 bits).
// Every ingest worker of a fleet opens the same table; a claim locks its scopes' rows (in scope
// order, so two claims never deadlock on each other) and compares under the lock, so of two
// workers committing one device's counter exactly one gets it back (docs/head-end.md).
import type { Pool, PoolClient } from 'pg';
import { StoreError, type Clock } from '@phasewire/core';
import type { CounterScope } from '@phasewire/secure';
import { inStateTransaction, openStatePool, systemClock } from '@phasewire/store/node';
import { defaultHeadEndSchema, headEndStateMigrations } from './postgres-headend-schema.ts';
import { byScopeThenCounter } from '../counter-table.ts';
import type { CounterEntry, CounterReserve, CounterTable } from '../counter-table.ts';

export interface PostgresCounterTableOptions {
  readonly connectionString: string;
  /** Default `phasewire_headend`; created when absent. */
  readonly schema?: string;
  readonly poolSize?: number;
  readonly clock?: Clock;
}

/** A serialisation failure or a deadlock: the transaction did nothing and is run again. */
const retryable = (error: unknown): boolean => {
  const code = (error as { code?: unknown }).code;
  return code === '40001' || code === '40P01';
};

export class PostgresCounterTable implements CounterTable {
  readonly kind = 'PostgreSQL';
  readonly shared = true;
  readonly #pool: Pool;

  private constructor(pool: Pool) {
    this.#pool = pool;
  }

  static async open(options: PostgresCounterTableOptions): Promise<PostgresCounterTable> {
    const state = { connectionString: options.connectionString, schema: options.schema ?? defaultHeadEndSchema,
      ...(options.poolSize === undefined ? {} : { poolSize: options.poolSize }) };
    const pool = await openStatePool('the head-end counters', state, headEndStateMigrations, (options.clock ?? systemClock).now());
    return new PostgresCounterTable(pool);
  }

  async read(scopes: readonly CounterScope[]): Promise<Map<CounterScope, bigint>> {
    const values = new Map<CounterScope, bigint>(scopes.map((scope) => [scope, 0n]));
    if (scopes.length === 0) return values;
    try {
      const result = await this.#pool.query<{ scope: string; value: string }>(
        'SELECT scope, value::text AS value FROM counter WHERE scope = ANY($1::text[])', [[...new Set(scopes)]]);
      for (const row of result.rows) values.set(row.scope as CounterScope, BigInt(row.value));
      return values;
    } catch (error) {
      throw this.#failed(`read ${scopes.length} counters`, error);
    }
  }

  claim(entries: readonly CounterEntry[]): Promise<CounterEntry[]> {
    if (entries.length === 0) return Promise.resolve([]);
    const sorted = byScopeThenCounter(entries);
    return this.#transaction(`claim ${entries.length} counters`, async (client) => {
      const values = await this.#lock(client, [...new Set(sorted.map((entry) => entry.scope))]);
      const won: CounterEntry[] = [];
      for (const entry of sorted) {
        if (entry.counter <= (values.get(entry.scope) ?? 0n)) continue;
        values.set(entry.scope, entry.counter);
        won.push(entry);
      }
      const last = new Map(won.map((entry) => [entry.scope, entry.counter]));
      if (last.size > 0) {
        await client.query('UPDATE counter AS c SET value = v.value FROM unnest($1::text[], $2::numeric[]) AS v(scope, value) '
          + 'WHERE c.scope = v.scope', [[...last.keys()], [...last.values()].map(String)]);
      }
      return won;
    });
  }

  reserve(requests: readonly CounterReserve[]): Promise<bigint[]> {
    if (requests.length === 0) return Promise.resolve([]);
    return this.#transaction(`reserve ${requests.length} counter blocks`, async (client) => {
      const values = await this.#lock(client, [...new Set(requests.map((request) => request.scope))].sort());
      const results = requests.map(({ scope, from, size }) => {
        const stored = values.get(scope) ?? 0n;
        const value = (stored > from - 1n ? stored : from - 1n) + size;
        values.set(scope, value);
        return value;
      });
      await client.query('UPDATE counter AS c SET value = v.value FROM unnest($1::text[], $2::numeric[]) AS v(scope, value) '
        + 'WHERE c.scope = v.scope', [[...values.keys()], [...values.values()].map(String)]);
      return results;
    });
  }

  /** Creates the missing rows and locks every row of `scopes` (sorted), returning their values. */
  async #lock(client: PoolClient, scopes: readonly CounterScope[]): Promise<Map<CounterScope, bigint>> {
    await client.query('INSERT INTO counter (scope, value) SELECT s, 0 FROM unnest($1::text[]) AS s ORDER BY s '
      + 'ON CONFLICT (scope) DO NOTHING', [scopes]);
    const result = await client.query<{ scope: string; value: string }>(
      'SELECT scope, value::text AS value FROM counter WHERE scope = ANY($1::text[]) ORDER BY scope FOR UPDATE', [scopes]);
    return new Map(result.rows.map((row) => [row.scope as CounterScope, BigInt(row.value)]));
  }

  async #transaction<T>(what: string, work: (client: PoolClient) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await inStateTransaction(this.#pool, work);
      } catch (error) {
        if (retryable(error) && attempt < 5) continue;
        throw this.#failed(what, error);
      }
    }
  }

  #failed(what: string, error: unknown): StoreError {
    return error instanceof StoreError ? error
      : new StoreError('PW_ERR_COUNTER_STORE', `Cannot ${what} in the head-end's PostgreSQL schema: ${(error as Error).message}`,
        { cause: error });
  }

  close(): Promise<void> {
    return this.#pool.end();
  }
}
