// The head-end's state as the server configuration places it (docs/head-end.md, "Where the state
// lives"): headend.db in the data directory always (registry, status, events, command log), and the
// replay windows and downlink counters there too and the enrollment tokens in pki/tokens.json, or
// both in the schema phasewire_headend of the PostgreSQL store's database when `state.kind` is `postgres`.
import type { DatabaseSync } from 'node:sqlite';
import type { Clock } from '@phasewire/core';
import type { CounterTable } from '@phasewire/headend';
import { openHeadEndDatabase, PostgresCounterTable, PostgresTokenStore } from '@phasewire/headend/node';
import type { TokenStore } from '@phasewire/secure';
import type { StateConfig } from '../server-config.ts';

export interface HeadEndState {
  readonly db: DatabaseSync;
  /** What startHeadEnd takes besides `db`: the shared counter table, when there is one. */
  readonly shared: { readonly counters?: CounterTable };
  /** The enrollment tokens on PostgreSQL; undefined: the local store (pki/tokens.json under the CA lock). */
  readonly tokens: TokenStore | undefined;
  close(): Promise<void>;
}

export async function openHeadEndState(path: string, config: StateConfig, clock: Clock): Promise<HeadEndState> {
  const db = openHeadEndDatabase(path);
  let counters: PostgresCounterTable | undefined;
  let tokens: PostgresTokenStore | undefined;
  const close = async (): Promise<void> => {
    await counters?.close();
    await tokens?.close();
    db.close();
  };
  try {
    if (config.kind === 'postgres') {
      counters = await PostgresCounterTable.open({ connectionString: config.connectionString, poolSize: config.poolSize, clock });
      tokens = await PostgresTokenStore.open({ connectionString: config.connectionString, poolSize: 2, clock });
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { db, shared: counters === undefined ? {} : { counters }, tokens, close };
}
