// The enrollment tokens (secure's TokenStore) on PostgreSQL, in the head-end's schema
// (phasewire_headend), for head-ends whose state is shared there (`state.kind: "postgres"`): as in
// pki/tokens.json, only the SHA-256 of a token's secret is kept. Consuming is one conditional
// UPDATE, so of two enrollment listeners presenting one token at once exactly one gets it.
import type { Pool } from 'pg';
import { PhasewireError, StoreError, type Clock } from '@phasewire/core';
import { parseDeviceIdentity } from '@phasewire/secure';
import type { TokenRecord, TokenStore } from '@phasewire/secure';
import { openStatePool, systemClock } from '@phasewire/store/node';
import { defaultHeadEndSchema, headEndStateMigrations } from './postgres-headend-schema.ts';

export interface PostgresTokenStoreOptions {
  readonly connectionString: string;
  /** Default `phasewire_headend`; created when absent. */
  readonly schema?: string;
  readonly poolSize?: number;
  readonly clock?: Clock;
}

interface Row {
  id: string; device_kind: string; device_id: string; created_at: number; expires_at: number; secret_hash: string;
  used_at: number | null; used_for: string | null;
}

const recordOf = (row: Row): TokenRecord => ({
  id: row.id, device: parseDeviceIdentity(`${row.device_kind}:${row.device_id}`), createdAt: row.created_at, expiresAt: row.expires_at,
  secretHash: row.secret_hash, ...(row.used_at === null ? {} : { usedAt: row.used_at }),
  ...(row.used_for === null ? {} : { usedFor: row.used_for }),
});

export class PostgresTokenStore implements TokenStore {
  readonly #pool: Pool;

  private constructor(pool: Pool) {
    this.#pool = pool;
  }

  static async open(options: PostgresTokenStoreOptions): Promise<PostgresTokenStore> {
    const state = { connectionString: options.connectionString, schema: options.schema ?? defaultHeadEndSchema,
      ...(options.poolSize === undefined ? {} : { poolSize: options.poolSize }) };
    return new PostgresTokenStore(await openStatePool('the enrollment tokens', state, headEndStateMigrations,
      (options.clock ?? systemClock).now()));
  }

  async #query(what: string, sql: string, params: unknown[]): Promise<{ rows: Row[]; rowCount: number }> {
    try {
      const result = await this.#pool.query<Row & Record<string, unknown>>(sql, params);
      return { rows: result.rows, rowCount: result.rowCount ?? 0 };
    } catch (error) {
      if (error instanceof PhasewireError) throw error;
      const duplicate = (error as { code?: unknown }).code === '23505';
      throw new StoreError('PW_ERR_ENROLL_TOKEN_STORE', `Cannot ${what} in the head-end's PostgreSQL schema: `
        + (duplicate ? 'the id exists; expected a fresh random id' : (error as Error).message), { cause: error });
    }
  }

  async get(id: string): Promise<TokenRecord | undefined> {
    const { rows } = await this.#query(`read enrollment token ${id}`, 'SELECT * FROM enrollment_token WHERE id = $1', [id]);
    return rows[0] === undefined ? undefined : recordOf(rows[0]);
  }

  async list(): Promise<TokenRecord[]> {
    return (await this.#query('list the enrollment tokens', 'SELECT * FROM enrollment_token ORDER BY created_at, id', [])).rows
      .map(recordOf);
  }

  async add(record: TokenRecord): Promise<void> {
    await this.#query(`add enrollment token ${record.id}`, 'INSERT INTO enrollment_token (id, device_kind, device_id, created_at, '
      + 'expires_at, secret_hash, used_at, used_for) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', [record.id, record.device.kind,
      record.device.id, record.createdAt, record.expiresAt, record.secretHash, record.usedAt ?? null, record.usedFor ?? null]);
  }

  async consume(id: string, at: number): Promise<boolean> {
    const { rowCount } = await this.#query(`consume enrollment token ${id}`,
      'UPDATE enrollment_token SET used_at = $2 WHERE id = $1 AND used_at IS NULL', [id, at]);
    return rowCount === 1;
  }

  async recordSerial(id: string, serial: string): Promise<void> {
    await this.#query(`record the serial of enrollment token ${id}`, 'UPDATE enrollment_token SET used_for = $2 WHERE id = $1',
      [id, serial]);
  }

  close(): Promise<void> {
    return this.#pool.end();
  }
}
