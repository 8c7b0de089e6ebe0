// Opens the store a configuration names (store-config.ts): the composition root calls this and never
// names an implementation, so switching to PostgreSQL is a change of configuration only.
import type { Clock } from '@phasewire/core';
import type { MeterStore } from '../meter-store.ts';
import type { StoreConfig } from '../store-config.ts';
import { PostgresMeterStore } from './postgres/postgres-meter-store.ts';
import { SqliteMeterStore } from './sqlite/sqlite-meter-store.ts';
import { systemClock } from './system-clock.ts';

export function openMeterStore(config: StoreConfig, clock: Clock = systemClock): Promise<MeterStore> {
  return config.kind === 'sqlite'
    ? SqliteMeterStore.open({ path: config.path, retention: config.retention, clock })
    : PostgresMeterStore.open({ connectionString: config.connectionString, schema: config.schema, poolSize: config.poolSize,
      retention: config.retention, clock });
}
