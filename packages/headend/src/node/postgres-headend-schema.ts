// The head-end's PostgreSQL schema (phasewire_headend by default), apart from the readings store's
// tables: every adapter of head-end state opens it with this one list of migrations.
import type { StateMigration } from '@phasewire/store/node';

export const headEndStateMigrations: readonly StateMigration[] = [
  // Replay windows and downlink counters (postgres-counter-table.ts): numeric(20, 0) holds all 64 bits.
  { version: 1, name: 'counter', statements: ['CREATE TABLE counter (scope text PRIMARY KEY, value numeric(20, 0) NOT NULL)'] },
  // Enrollment tokens (postgres-token-store.ts), hashed as in pki/tokens.json.
  { version: 2, name: 'enrollment token', statements: [
    'CREATE TABLE enrollment_token (id text PRIMARY KEY, device_kind text NOT NULL, device_id text NOT NULL, created_at bigint NOT NULL, '
      + 'expires_at bigint NOT NULL, secret_hash text NOT NULL, used_at bigint, used_for text)',
  ] },
];

export const defaultHeadEndSchema = 'phasewire_headend';
