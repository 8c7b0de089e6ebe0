// What the devices say about themselves besides readings, kept in the head-end database
// (headend.db): the status channel (`pw/v1/<id>/status`: the agent's retained `online`, its
// graceful or will `offline`) and the sealed events of `pw/v1/<id>/up/events` (both bodies are
// @phasewire/core/protocol's, docs/protocol.md).
//
//   device_status  id, online (0/1), since (when it last changed), last_seen
//   device_event   device, key id, counter, at, kind, body (JSON): one row per sealed event,
//                  unique on (device, key id, counter), so a redelivered event is recorded once
//
// Last seen moves on every authorised message; it is kept in memory and written with the next
// status write and at close, so the readings path costs one Map write and no SQL. An online/offline
// change is applied in memory at once (readers and listeners see it) and written in one transaction
// with the others of the last `flushMs` (an agent announces `online` on every connect: a synced
// write each would put one fsync per CONNECT on the event loop). A crash loses at most that batch;
// the device's next connect or will says it again (docs/head-end.md, "Head-end performance").
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { StoreError } from '@phasewire/core';
import { decodeEvent } from '@phasewire/core/protocol';

const schema = `
CREATE TABLE IF NOT EXISTS device_status (
  id TEXT PRIMARY KEY, online INTEGER NOT NULL, since INTEGER NOT NULL, last_seen INTEGER NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS device_event (
  device TEXT NOT NULL, key_id INTEGER NOT NULL, counter TEXT NOT NULL, at INTEGER NOT NULL,
  kind TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (device, key_id, counter)
) STRICT;
CREATE INDEX IF NOT EXISTS device_event_at ON device_event (device, at);
`;

/** Largest event body kept, as JSON text. */
export const maxEventJson = 4096;

export interface DeviceStatus {
  readonly id: string;
  readonly online: boolean;
  /** When the device last went online or offline, ms since the epoch. */
  readonly since: number;
  readonly lastSeen: number;
}

export interface DeviceEventRecord {
  readonly device: string;
  readonly keyId: number;
  readonly counter: bigint;
  readonly at: number;
  /** The event's `kind` field when it has one, `event` otherwise. */
  readonly kind: string;
  readonly body: unknown;
}

function jsonOf(value: unknown): string {
  const text = JSON.stringify(value, (_key, item: unknown) => {
    if (typeof item === 'bigint') return item.toString();
    if (item instanceof Uint8Array) return Buffer.from(item).toString('base64');
    if (item instanceof Map) return Object.fromEntries(item as Map<unknown, unknown>) as unknown;
    return item;
  }) as string | undefined;
  return text === undefined ? 'null' : text;
}

export interface DeviceActivityOptions {
  /** Longest an online/offline change waits in memory before it is written, ms (default 100; 0: written through). */
  readonly flushMs?: number;
  /** Told when a batch of status changes cannot be written (it is kept and tried again). */
  readonly onFlushError?: (error: StoreError) => void;
}

export class DeviceActivity {
  readonly #db: DatabaseSync;
  readonly #statuses = new Map<string, DeviceStatus>();
  readonly #seen = new Map<string, number>();
  /** Devices whose status changed in memory since the last write. */
  #unflushed = new Set<string>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #flushMs: number;
  readonly #onFlushError: (error: StoreError) => void;
  readonly #upsert: StatementSync;
  readonly #insertEvent: StatementSync;
  readonly #selectEvents: StatementSync;

  constructor(db: DatabaseSync, options: DeviceActivityOptions = {}) {
    this.#db = db;
    this.#flushMs = options.flushMs ?? 100;
    this.#onFlushError = options.onFlushError ?? (() => undefined);
    db.exec(schema);
    this.#upsert = db.prepare(`INSERT INTO device_status (id, online, since, last_seen) VALUES (?, ?, ?, ?)
      ON CONFLICT(id) DO UPDATE SET online = excluded.online, since = excluded.since, last_seen = excluded.last_seen`);
    this.#insertEvent = db.prepare('INSERT OR IGNORE INTO device_event (device, key_id, counter, at, kind, body) '
      + 'VALUES (?, ?, ?, ?, ?, ?)');
    this.#selectEvents = db.prepare('SELECT * FROM device_event WHERE device = ? ORDER BY at DESC, counter DESC LIMIT ?');
    for (const row of db.prepare('SELECT * FROM device_status').all()) {
      const status = {
        id: String(row['id']), online: row['online'] === 1, since: Number(row['since']), lastSeen: Number(row['last_seen']),
      };
      this.#statuses.set(status.id, status);
    }
  }

  /** Activity of an authorised device: moves its last seen (in memory). */
  seen(device: string, at: number): void {
    this.#seen.set(device, at);
  }

  /** Records an online/offline status: in memory at once, written with the next batch (at most `flushMs` later). */
  status(device: string, state: 'online' | 'offline', at: number): DeviceStatus {
    const before = this.#statuses.get(device);
    const online = state === 'online';
    const status: DeviceStatus = {
      id: device, online,
      since: before !== undefined && before.online === online ? before.since : at,
      lastSeen: Math.max(at, this.#seen.get(device) ?? 0, before?.lastSeen ?? 0),
    };
    this.#statuses.set(device, status);
    this.#unflushed.add(device);
    if (this.#flushMs === 0) this.#flush([]);
    else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => { this.#flushQuietly(); }, this.#flushMs);
      // An exit without close is a crash's loss, nothing worth keeping the process alive for.
      this.#timer.unref();
    }
    return status;
  }

  /** Status changes waiting in memory (what a crash now would lose). */
  get pending(): number {
    return this.#unflushed.size;
  }

  /** Records a sealed event once per (device, key id, counter); false when it was recorded before. */
  event(device: string, keyId: number, counter: bigint, at: number, body: unknown): boolean {
    const { kind } = decodeEvent(body);
    let json = jsonOf(body);
    if (json.length > maxEventJson) json = JSON.stringify({ truncated: true, bytes: json.length });
    this.seen(device, at);
    try {
      return this.#insertEvent.run(device, keyId, counter.toString(), at, kind, json).changes > 0;
    } catch (error) {
      throw new StoreError('PW_ERR_STORE_WRITE',
        `Cannot record event ${keyId}/${counter} of ${device} in the head-end database: ${(error as Error).message}`, { cause: error });
    }
  }

  /** The device's status with its latest last seen, or undefined when it never reported one. */
  get(device: string): DeviceStatus | undefined {
    const status = this.#statuses.get(device);
    const seen = this.#seen.get(device);
    if (status === undefined) return undefined;
    return seen === undefined || seen <= status.lastSeen ? status : { ...status, lastSeen: seen };
  }

  /** Last seen of a device from any message, even one that never sent a status. */
  lastSeen(device: string): number | undefined {
    const seen = this.#seen.get(device);
    const stored = this.#statuses.get(device)?.lastSeen;
    return seen === undefined ? stored : Math.max(seen, stored ?? 0);
  }

  /** The device's latest events, newest first. */
  events(device: string, limit = 100): DeviceEventRecord[] {
    return this.#selectEvents.all(device, limit).map((row) => ({
      device: String(row['device']), keyId: Number(row['key_id']), counter: BigInt(String(row['counter'])), at: Number(row['at']),
      kind: String(row['kind']), body: JSON.parse(String(row['body'])) as unknown,
    }));
  }

  /** Writes the waiting status changes and every last-seen time held in memory, in one transaction. */
  flush(): void {
    this.#flush(this.#seen.keys());
  }

  /**
   * Writes the waiting status changes and the last seen of `alsoSeen`. The batch writes only the
   * devices whose status changed (with their latest last seen), so its size follows the status
   * churn, not the fleet; the rest of the last-seen times are written at close.
   */
  #flush(alsoSeen: Iterable<string>): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const due = new Map<string, DeviceStatus>();
    for (const device of [...this.#unflushed, ...alsoSeen]) {
      const status = this.#statuses.get(device);
      if (status === undefined || due.has(device)) continue;
      const at = this.#seen.get(device) ?? 0;
      if (this.#unflushed.has(device) || at > status.lastSeen) due.set(device, at > status.lastSeen ? { ...status, lastSeen: at } : status);
    }
    if (due.size === 0) { this.#unflushed.clear(); return; }
    const own = !this.#db.isTransaction;
    let begun = false;
    try {
      if (own) { this.#db.exec('BEGIN IMMEDIATE'); begun = true; }
      for (const status of due.values()) this.#write(status);
      if (own) this.#db.exec('COMMIT');
    } catch (error) {
      // A failed COMMIT may have ended the transaction already; the error that matters is the first.
      if (begun) try { this.#db.exec('ROLLBACK'); } catch { /* already rolled back */ }
      throw error instanceof StoreError ? error : new StoreError('PW_ERR_STORE_WRITE',
        `Cannot write ${due.size} device statuses to the head-end database: ${(error as Error).message}`, { cause: error });
    }
    // Only what was committed counts as written: after a rollback everything is tried again.
    for (const status of due.values()) this.#statuses.set(status.id, status);
    this.#unflushed.clear();
  }

  #flushQuietly(): void {
    try {
      this.#flush([]);
    } catch (error) {
      // Its owner closed the database without closing us first: what waited is lost, as in a crash.
      if (!this.#db.isOpen) return;
      this.#onFlushError(error as StoreError);
      this.#timer ??= setTimeout(() => { this.#flushQuietly(); }, Math.max(this.#flushMs, 100));
      this.#timer.unref();
    }
  }

  #write(status: DeviceStatus): void {
    try {
      this.#upsert.run(status.id, status.online ? 1 : 0, status.since, status.lastSeen);
    } catch (error) {
      throw new StoreError('PW_ERR_STORE_WRITE',
        `Cannot record the status of ${status.id} in the head-end database: ${(error as Error).message}`, { cause: error });
    }
  }
}
