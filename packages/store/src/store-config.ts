// Which store to use is configuration, not code: the same program runs on the embedded SQLite file
// or on a PostgreSQL server depending on this object (docs/store.md, "Switching to PostgreSQL").
//
//   { "kind": "sqlite", "path": "data/phasewire.db", "retention": { "rawReadings": 90 } }
//   { "kind": "postgres", "connectionString": "postgres://phasewire@db.internal/phasewire", "schema": "phasewire", "poolSize": 16 }
import { ConfigError } from '@phasewire/core';
import { parseRetentionPolicy, type RetentionPolicy } from './retention.ts';

export type StoreConfig =
  | { readonly kind: 'sqlite'; readonly path: string; readonly retention: RetentionPolicy }
  | { readonly kind: 'postgres'; readonly connectionString: string; readonly schema: string; readonly poolSize: number;
    readonly retention: RetentionPolicy };

const fail = (problem: string): never => {
  throw new ConfigError('PW_ERR_STORE_CONFIG', `Cannot use the store configuration: ${problem}`);
};

const text = (record: Record<string, unknown>, key: string): string => {
  const value = record[key];
  if (typeof value !== 'string' || value.trim() === '') return fail(`${key} must be a non-empty string, found ${JSON.stringify(value)}`);
  return value;
};

/** Checks a store configuration (parsed JSON, say) and fills in the defaults. */
export function parseStoreConfig(value: unknown): StoreConfig {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return fail(`expected an object with a kind, found ${JSON.stringify(value)}`);
  const record = value as Record<string, unknown>;
  const retention = parseRetentionPolicy(record['retention']);
  const known = (keys: readonly string[]): void => {
    const unknown = Object.keys(record).filter((key) => !keys.includes(key));
    if (unknown.length > 0) fail(`unknown field(s) ${unknown.join(', ')} for kind ${String(record['kind'])}; expected ${keys.join(', ')}`);
  };
  switch (record['kind']) {
    case 'sqlite':
      known(['kind', 'path', 'retention']);
      return { kind: 'sqlite', path: text(record, 'path'), retention };
    case 'postgres': {
      known(['kind', 'connectionString', 'schema', 'poolSize', 'retention']);
      const schema = record['schema'] === undefined ? 'phasewire' : text(record, 'schema');
      if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) fail(`schema ${JSON.stringify(schema)} is not a lower-case SQL identifier`);
      const poolSize = record['poolSize'] ?? 8;
      if (typeof poolSize !== 'number' || !Number.isSafeInteger(poolSize) || poolSize < 1 || poolSize > 1000)
        fail(`poolSize must be a whole number from 1 to 1000, found ${JSON.stringify(poolSize)}`);
      return { kind: 'postgres', connectionString: text(record, 'connectionString'), schema, poolSize: poolSize as number, retention };
    }
    default:
      return fail(`kind must be "sqlite" or "postgres", found ${JSON.stringify(record['kind'])}`);
  }
}
