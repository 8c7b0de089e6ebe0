// The head-end's state as the server configuration places it (docs/head-end.md, "Where the state
// lives"): headend.db in the data directory always (registry, status, events, command log), and the
// replay windows and downlink counters there too, or in the schema phasewire_headend of the
// PostgreSQL store's database when `state.kind` is `postgres`.
import type { DatabaseSync } from 'node:sqlite';
import type { Clock } from '@phasewire/core';
import type { CounterTable } from '@phasewire/headend';
import { openHeadEndDatabase, PostgresCounterTable } from '@phasewire/headend/node';
import type { StateConfig } from '../server-config.ts';

export interface HeadEndState {
  readonly db: DatabaseSync;
  /** What startHeadEnd takes besides `db`: the shared counter table, when there is one. */
  readonly shared: { readonly counters?: CounterTable };
  close(): Promise<void>;
}

export async function openHeadEndState(path: string, config: StateConfig, clock: Clock): Promise<HeadEndState> {
  const db = openHeadEndDatabase(path);
  let counters: CounterTable | undefined;
  try {
    if (config.kind === 'postgres') {
      counters = await PostgresCounterTable.open({ connectionString: config.connectionString, poolSize: config.poolSize, clock });
    }
  } catch (error) {
    db.close();
    throw error;
  }
  return {
    db,
    shared: counters === undefined ? {} : { counters },
    async close() {
      await counters?.close();
      db.close();
    },
  };
}
