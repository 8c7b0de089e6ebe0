// Opens the billing store beside the meter store a configuration names: on SQLite, billing.db in the
// meter database's directory; on PostgreSQL, the schema phasewire_billing of the same database.
import { dirname, join } from 'node:path';
import type { Clock } from '@phasewire/core';
import type { BillingStore } from '../../billing-state.ts';
import type { StoreConfig } from '../../store-config.ts';
import { systemClock } from '../system-clock.ts';
import { PostgresBillingStore } from './postgres-billing-store.ts';
import { SqliteBillingStore } from './sqlite-billing-store.ts';

export function openBillingStore(config: StoreConfig, clock: Clock = systemClock): Promise<BillingStore> {
  return config.kind === 'sqlite'
    ? SqliteBillingStore.open({ path: join(dirname(config.path), 'billing.db'), clock })
    : PostgresBillingStore.open({ connectionString: config.connectionString, clock });
}
