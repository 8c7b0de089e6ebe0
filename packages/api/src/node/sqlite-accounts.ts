// The API's own state on node:sqlite (`api.db` in the data directory): users, sessions, bearer
// tokens, meter→tenant assignments and the audit log. The audit log is append-only twice over:
// this class has no method that changes or removes an entry, and triggers make the database
// refuse UPDATE and DELETE on the table whoever asks (the test tries both).
import type { DatabaseSync } from 'node:sqlite';
import { openPrivateDatabase } from '@phasewire/store/node';
import { ConfigError, StoreError } from '@phasewire/core';
import { conflict, notFound } from '../api-errors.ts';
import type { Role, TokenScope } from '../dto.ts';
import type { AccountStore, AuditRecord, NewAuditRecord, SessionRecord, TokenRecord, UserRecord } from '../ports.ts';

/** The tenant of meters enrolled without one, and of the first admin. */
export const defaultTenant = 'default';

const schema = `
CREATE TABLE IF NOT EXISTS user (
  id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE, role TEXT NOT NULL, tenant TEXT NOT NULL,
  password_hash TEXT NOT NULL, disabled INTEGER NOT NULL, created_at INTEGER NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS session (
  id_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL, csrf TEXT NOT NULL,
  created_at INTEGER NOT NULL, last_used INTEGER NOT NULL, expires_at INTEGER NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS token (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, scopes TEXT NOT NULL, tenant TEXT NOT NULL, secret_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, created_by TEXT NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS meter_tenant (meter TEXT PRIMARY KEY, tenant TEXT NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS audit (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, tenant TEXT NOT NULL, actor TEXT NOT NULL,
  action TEXT NOT NULL, object TEXT NOT NULL, detail TEXT NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS audit_tenant ON audit (tenant, seq);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
`;

type Row = Record<string, unknown>;
const str = (row: Row, key: string): string => String(row[key]);
const num = (row: Row, key: string): number => Number(row[key]);

const userOf = (row: Row): UserRecord => ({
  id: str(row, 'id'), username: str(row, 'username'), role: str(row, 'role') as Role, tenant: str(row, 'tenant'),
  passwordHash: str(row, 'password_hash'), disabled: num(row, 'disabled') !== 0, createdAt: num(row, 'created_at'),
});
const sessionOf = (row: Row): SessionRecord => ({
  idHash: str(row, 'id_hash'), userId: str(row, 'user_id'), csrfToken: str(row, 'csrf'),
  createdAt: num(row, 'created_at'), lastUsed: num(row, 'last_used'), expiresAt: num(row, 'expires_at'),
});
const tokenOf = (row: Row): TokenRecord => ({
  id: str(row, 'id'), name: str(row, 'name'), scopes: str(row, 'scopes').split(',') as TokenScope[], tenant: str(row, 'tenant'),
  secretHash: str(row, 'secret_hash'), createdAt: num(row, 'created_at'), expiresAt: num(row, 'expires_at'),
  createdBy: str(row, 'created_by'),
});
const auditOf = (row: Row): AuditRecord => ({
  seq: num(row, 'seq'), at: num(row, 'at'), tenant: str(row, 'tenant'), actor: str(row, 'actor'), action: str(row, 'action'),
  object: str(row, 'object'), detail: JSON.parse(str(row, 'detail')) as Record<string, unknown>,
});

export class SqliteAccountStore implements AccountStore {
  readonly #db: DatabaseSync;
  readonly path: string;
  /** Meter assignments, read on every request that lists meters: kept in memory, written through. */
  readonly #tenants = new Map<string, string>();

  /** Opens (creating) the accounts database at `path`: WAL, synchronous=FULL. */
  constructor(path: string) {
    this.path = path;
    try {
      this.#db = openPrivateDatabase(path);
      this.#db.exec('PRAGMA journal_mode = WAL');
      this.#db.exec('PRAGMA synchronous = FULL');
      this.#db.exec('PRAGMA busy_timeout = 5000');
      this.#db.exec(schema);
      for (const row of this.#db.prepare('SELECT meter, tenant FROM meter_tenant').all())
        this.#tenants.set(str(row, 'meter'), str(row, 'tenant'));
    } catch (error) {
      throw new ConfigError('PW_ERR_API_CONFIG', `Cannot open the API accounts database at ${path}: ${(error as Error).message}`,
        { cause: error });
    }
  }

  #all(sql: string, ...params: (string | number | null)[]): Row[] {
    return this.#db.prepare(sql).all(...params);
  }

  #get(sql: string, ...params: (string | number | null)[]): Row | undefined {
    return this.#db.prepare(sql).get(...params);
  }

  #run(sql: string, ...params: (string | number | null)[]): number {
    return Number(this.#db.prepare(sql).run(...params).changes);
  }

  userCount(): number {
    return num(this.#get('SELECT count(*) AS n FROM user') ?? { n: 0 }, 'n');
  }

  userById(id: string): UserRecord | undefined {
    const row = this.#get('SELECT * FROM user WHERE id = ?', id);
    return row === undefined ? undefined : userOf(row);
  }

  userByName(username: string): UserRecord | undefined {
    const row = this.#get('SELECT * FROM user WHERE username = ?', username);
    return row === undefined ? undefined : userOf(row);
  }

  users(tenant: string): readonly UserRecord[] {
    return this.#all('SELECT * FROM user WHERE tenant = ? ORDER BY username', tenant).map(userOf);
  }

  addUser(user: UserRecord): void {
    if (this.userByName(user.username) !== undefined) throw conflict(`Cannot create user ${user.username}: the name is taken`);
    this.#run('INSERT INTO user (id, username, role, tenant, password_hash, disabled, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      user.id, user.username, user.role, user.tenant, user.passwordHash, user.disabled ? 1 : 0, user.createdAt);
  }

  updateUser(id: string, change: { role?: Role; disabled?: boolean; passwordHash?: string }): UserRecord {
    const user = this.userById(id);
    if (user === undefined) throw notFound(`user ${id}`);
    const next = { ...user, ...change };
    this.#run('UPDATE user SET role = ?, disabled = ?, password_hash = ? WHERE id = ?', next.role, next.disabled ? 1 : 0, next.passwordHash,
      id);
    return next;
  }

  addSession(session: SessionRecord): void {
    this.#run('INSERT INTO session (id_hash, user_id, csrf, created_at, last_used, expires_at) VALUES (?, ?, ?, ?, ?, ?)',
      session.idHash, session.userId, session.csrfToken, session.createdAt, session.lastUsed, session.expiresAt);
  }

  session(idHash: string): SessionRecord | undefined {
    const row = this.#get('SELECT * FROM session WHERE id_hash = ?', idHash);
    return row === undefined ? undefined : sessionOf(row);
  }

  touchSession(idHash: string, at: number): void {
    this.#run('UPDATE session SET last_used = ? WHERE id_hash = ?', at, idHash);
  }

  removeSession(idHash: string): void {
    this.#run('DELETE FROM session WHERE id_hash = ?', idHash);
  }

  removeSessionsOf(userId: string, keep?: string): void {
    this.#run('DELETE FROM session WHERE user_id = ? AND id_hash <> ?', userId, keep ?? '');
  }

  pruneSessions(now: number, idleBefore: number): number {
    return this.#run('DELETE FROM session WHERE expires_at <= ? OR last_used < ?', now, idleBefore);
  }

  addToken(token: TokenRecord): void {
    this.#run('INSERT INTO token (id, name, scopes, tenant, secret_hash, created_at, expires_at, created_by) VALUES '
      + '(?, ?, ?, ?, ?, ?, ?, ?)',
      token.id, token.name, token.scopes.join(','), token.tenant, token.secretHash, token.createdAt, token.expiresAt, token.createdBy);
  }

  token(id: string): TokenRecord | undefined {
    const row = this.#get('SELECT * FROM token WHERE id = ?', id);
    return row === undefined ? undefined : tokenOf(row);
  }

  tokens(tenant: string): readonly TokenRecord[] {
    return this.#all('SELECT * FROM token WHERE tenant = ? ORDER BY created_at, id', tenant).map(tokenOf);
  }

  removeToken(id: string): boolean {
    return this.#run('DELETE FROM token WHERE id = ?', id) > 0;
  }

  appendAudit(entry: NewAuditRecord): AuditRecord {
    try {
      const result = this.#db.prepare('INSERT INTO audit (at, tenant, actor, action, object, detail) VALUES (?, ?, ?, ?, ?, ?)')
        .run(entry.at, entry.tenant, entry.actor, entry.action, entry.object, JSON.stringify(entry.detail));
      return { seq: Number(result.lastInsertRowid), ...entry };
    } catch (error) {
      throw new StoreError('PW_ERR_STORE_WRITE',
        `Cannot append ${entry.action} on ${entry.object} to the audit log: ${(error as Error).message}`, { cause: error });
    }
  }

  audit(tenant: string, limit: number, before?: number): readonly AuditRecord[] {
    return this.#all('SELECT * FROM audit WHERE tenant = ? AND seq < ? ORDER BY seq DESC LIMIT ?', tenant,
      before ?? Number.MAX_SAFE_INTEGER, limit).map(auditOf);
  }

  tenantOf(meter: string): string {
    return this.#tenants.get(meter) ?? defaultTenant;
  }

  assignMeter(meter: string, tenant: string): void {
    this.#run('INSERT INTO meter_tenant (meter, tenant) VALUES (?, ?) ON CONFLICT(meter) DO UPDATE SET tenant = excluded.tenant', meter,
      tenant);
    this.#tenants.set(meter, tenant);
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }
}
