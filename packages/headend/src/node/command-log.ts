// The commands the head-end sent and what became of them, in the head-end database (headend.db), so
// that an answer that comes after the API's wait, or after a restart of the head-end, is still
// recorded (headend/command-record.ts has the rules):
//
//   command         id, device, kind, sent_at, expires_at, status, settled_at, code, reason, result (JSON)
//   command_params  id, params (JSON): what a command carried beside its kind (protection settings,
//                   a confirming reconnect), so that the settings a meter confirmed can be shown
//
// Written through (a command is rare; its record must not be lost to a crash). Settled records are
// kept for `retentionMs` (default 30 days) after they settled, then dropped as new ones are added.
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { CommandKind } from '../command-message.ts';
import type { CommandRecord, CommandStatus } from '../command-record.ts';

const schema = `
CREATE TABLE IF NOT EXISTS command (
  id TEXT PRIMARY KEY, device TEXT NOT NULL, kind TEXT NOT NULL, sent_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,
  status TEXT NOT NULL, settled_at INTEGER, code TEXT, reason TEXT, result TEXT
) STRICT;
CREATE INDEX IF NOT EXISTS command_pending ON command (status) WHERE status = 'pending';
CREATE TABLE IF NOT EXISTS command_params (id TEXT PRIMARY KEY, params TEXT NOT NULL) STRICT;
`;

export class CommandLog {
  readonly #insert: StatementSync;
  readonly #update: StatementSync;
  readonly #get: StatementSync;
  readonly #pending: StatementSync;
  readonly #prune: StatementSync;
  readonly #insertParams: StatementSync;
  readonly #latest: StatementSync;
  readonly #retentionMs: number;

  constructor(db: DatabaseSync, options: { readonly retentionMs?: number } = {}) {
    db.exec(schema);
    this.#retentionMs = options.retentionMs ?? 30 * 86_400_000;
    this.#insert = db.prepare('INSERT INTO command (id, device, kind, sent_at, expires_at, status) VALUES (?, ?, ?, ?, ?, ?)');
    this.#update = db.prepare('UPDATE command SET status = ?, settled_at = ?, code = ?, reason = ?, result = ? WHERE id = ?');
    this.#get = db.prepare('SELECT * FROM command WHERE id = ?');
    this.#pending = db.prepare("SELECT * FROM command WHERE status = 'pending'");
    this.#prune = db.prepare("DELETE FROM command WHERE status != 'pending' AND settled_at < ?");
    this.#insertParams = db.prepare('INSERT INTO command_params (id, params) VALUES (?, ?)');
    // Kept with the latest record of each kind: a meter's settings outlive the retention of their command.
    this.#latest = db.prepare('SELECT c.*, p.params FROM command c JOIN command_params p ON p.id = c.id '
      + "WHERE c.device = ? AND c.kind = ? AND c.status = 'done' ORDER BY c.settled_at DESC LIMIT 1");
  }

  /** Records a command as sent (pending), and drops settled ones past their retention. */
  add(record: CommandRecord, params?: Readonly<Record<string, unknown>>): void {
    this.#prune.run(record.sentAt - this.#retentionMs);
    this.#insert.run(record.id, record.device, record.kind, record.sentAt, record.expiresAt, record.status);
    if (params !== undefined) this.#insertParams.run(record.id, jsonOf(params));
  }

  /** The latest command of `kind` the device answered ok, with what it carried (params), if any. */
  latestDone(device: string, kind: CommandKind): { readonly record: CommandRecord; readonly params: Record<string, unknown> } | undefined {
    const row = this.#latest.get(device, kind);
    if (row === undefined) return undefined;
    return { record: recordOf(row), params: JSON.parse(String(row['params'])) as Record<string, unknown> };
  }

  /** Writes what became of a command: its answer, or the verdict that it will not run. */
  settle(record: CommandRecord): void {
    this.#update.run(record.status, record.settledAt ?? null, record.code ?? null, record.reason ?? null,
      record.result === undefined ? null : jsonOf(record.result), record.id);
  }

  get(id: string): CommandRecord | undefined {
    const row = this.#get.get(id);
    return row === undefined ? undefined : recordOf(row);
  }

  /** Every command still waiting for its answer (at start: the ones sent before a restart). */
  pending(): CommandRecord[] {
    return this.#pending.all().map(recordOf);
  }
}

function recordOf(row: Record<string, unknown>): CommandRecord {
  const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
  const code = text(row['code']);
  const reason = text(row['reason']);
  const result = text(row['result']);
  const settledAt = row['settled_at'];
  return {
    id: String(row['id']), device: String(row['device']), kind: String(row['kind']) as CommandKind,
    sentAt: Number(row['sent_at']), expiresAt: Number(row['expires_at']), status: String(row['status']) as CommandStatus,
    ...(typeof settledAt === 'number' || typeof settledAt === 'bigint' ? { settledAt: Number(settledAt) } : {}),
    ...(code === undefined ? {} : { code }), ...(reason === undefined ? {} : { reason }),
    ...(result === undefined ? {} : { result: JSON.parse(result) as Record<string, unknown> }),
  };
}

/** JSON of an answer as a device sent it: big integers as text, bytes as base64. */
function jsonOf(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (typeof item === 'bigint') return item.toString();
    if (item instanceof Uint8Array) return Buffer.from(item).toString('base64');
    return item;
  });
}
