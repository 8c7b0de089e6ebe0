// The campaign store on SQLite (campaigns.db beside the meter database, one connection, WAL with
// synchronous=FULL) or PostgreSQL (schema phasewire_campaigns of the meter store's database, write
// transactions under an advisory lock of their own), over the billing store's connections.
import { dirname, join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { PhasewireError, StoreError, type Clock } from '@phasewire/core';
import type { CampaignStore } from '../../campaign-state.ts';
import type { StoreConfig } from '../../store-config.ts';
import { PostgresConnection } from '../billing/postgres-billing-store.ts';
import { SqliteConnection } from '../billing/sqlite-billing-store.ts';
import { lockPurpose } from '../postgres/postgres-migrate.ts';
import { openPrivateDatabase } from '../private-database.ts';
import { openStatePool } from '../state/postgres-state.ts';
import { migrateSqlite } from '../sqlite/sqlite-migrate.ts';
import { systemClock } from '../system-clock.ts';
import { campaignMigrations } from './campaign-schema.ts';
import { SqlCampaignStore } from './sql-campaign-store.ts';

export const SqliteCampaignStore = {
  open(options: { readonly path: string; readonly clock?: Clock }): Promise<CampaignStore> {
    let db: DatabaseSync | undefined;
    try {
      db = openPrivateDatabase(options.path);
      db.exec('PRAGMA journal_mode = WAL');
      db.exec('PRAGMA synchronous = FULL');
      db.exec('PRAGMA busy_timeout = 5000');
      migrateSqlite(db, campaignMigrations('sqlite'), (options.clock ?? systemClock).now());
      return Promise.resolve(new SqlCampaignStore(new SqliteConnection(db)));
    } catch (error) {
      db?.close();
      return Promise.reject(error instanceof PhasewireError ? error : new StoreError('PW_ERR_STORE_UNAVAILABLE',
        `Cannot open the SQLite campaign store at ${options.path}: ${(error as Error).message}`, { cause: error }));
    }
  },
};

export const PostgresCampaignStore = {
  async open(options: {
    readonly connectionString: string; readonly schema?: string; readonly poolSize?: number; readonly clock?: Clock;
  }): Promise<CampaignStore> {
    // Its own schema, created and migrated under the migration lock (two processes may open it at once).
    const pool = await openStatePool('the campaign store', { connectionString: options.connectionString,
      schema: options.schema ?? 'phasewire_campaigns', ...(options.poolSize === undefined ? {} : { poolSize: options.poolSize }) },
    campaignMigrations('postgres'), (options.clock ?? systemClock).now());
    return new SqlCampaignStore(new PostgresConnection(pool, lockPurpose.campaigns));
  },
};

/** The campaign store beside the meter store a configuration names. */
export function openCampaignStore(config: StoreConfig, clock: Clock = systemClock): Promise<CampaignStore> {
  return config.kind === 'sqlite'
    ? SqliteCampaignStore.open({ path: join(dirname(config.path), 'campaigns.db'), clock })
    : PostgresCampaignStore.open({ connectionString: config.connectionString, clock });
}
