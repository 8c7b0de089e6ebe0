import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hasCode } from '@phasewire/core';
import { parseStoreConfig } from './store-config.ts';
import { retentionCutoffs } from './retention.ts';
import { dayMs } from './periods.ts';

const refused = (value: unknown): void => {
  assert.throws(() => parseStoreConfig(value), (error) => hasCode(error, 'PW_ERR_STORE_CONFIG'));
};

describe('store configuration', () => {
  it('names the store by configuration alone, with defaults filled in', () => {
    assert.deepEqual(parseStoreConfig({ kind: 'sqlite', path: 'data/phasewire.db' }),
      { kind: 'sqlite', path: 'data/phasewire.db', retention: {} });
    assert.deepEqual(parseStoreConfig({ kind: 'postgres', connectionString: 'postgres://db/pw', retention: { rawReadings: 90 } }),
      { kind: 'postgres', connectionString: 'postgres://db/pw', schema: 'phasewire', poolSize: 8, retention: { rawReadings: 90 } });
  });

  it('refuses an unknown kind, a missing connection, a bad schema, pool size or retention', () => {
    refused(null);
    refused({ kind: 'mysql' });
    refused({ kind: 'sqlite' });
    refused({ kind: 'sqlite', path: 'x', extra: 1 });
    refused({ kind: 'postgres', connectionString: 'postgres://db', schema: 'Drop Table' });
    refused({ kind: 'postgres', connectionString: 'postgres://db', poolSize: 0 });
    refused({ kind: 'sqlite', path: 'x', retention: { rawReadings: 0.5 } });
    refused({ kind: 'sqlite', path: 'x', retention: { forever: 1 } });
  });

  it('cuts each class off at the start of the day its retention reaches back to', () => {
    const now = Date.UTC(2026, 5, 10, 14, 30);
    assert.deepEqual(retentionCutoffs({ rawReadings: 10, audit: 365 }, now),
      { rawReadings: Date.UTC(2026, 4, 31), audit: Date.UTC(2026, 5, 10) - 365 * dayMs });
  });
});
