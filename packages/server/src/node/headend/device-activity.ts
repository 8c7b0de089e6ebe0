// What the devices say about themselves besides readings, kept in the head-end database
// (headend.db): the status channel (`pw/v1/<id>/status`: the agent's retained `online`, its
// graceful or will `offline`) and the sealed events of `pw/v1/<id>/up/events`.
//
//   device_status  id, online (0/1), since (when it last changed), last_seen
//   device_event   device, key id, counter, at, kind, body (JSON): one row per sealed event,
//                  unique on (device, key id, counter), so a redelivered event is recorded once
//
// Last seen moves on every authorised message; it is kept in memory and written with the next
// status change and at close, so the readings path costs one Map write and no SQL.
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { DecodeError, StoreError } from '@phasewire/core';

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

/** Largest status payload read: `{"state":"offline"}` is 19 bytes. */
export const maxStatusBytes = 256;
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

/** The state a status payload announces: `{"state":"online"}` or `{"state":"offline"}`. */
export function parseStatusPayload(payload: Uint8Array): 'online' | 'offline' {
  const refuse = (found: string): never => {
    throw new DecodeError('PW_ERR_HEADEND_MESSAGE', `Cannot decode a status message: ${found}; expected {"state":"online"} or {"state":"offline"}`);
  };
  if (payload.length > maxStatusBytes) return refuse(`${payload.length} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
  } catch {
    return refuse('text that is not JSON');
  }
  const state = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)['state'] : undefined;
  if (state !== 'online' && state !== 'offline') return refuse(`state ${JSON.stringify(state)}`);
  return state;
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

export class DeviceActivity {
  readonly #statuses = new Map<string, DeviceStatus>();
  readonly #seen = new Map<string, number>();
  readonly #upsert: StatementSync;
  readonly #insertEvent: StatementSync;
  readonly #selectEvents: StatementSync;

  constructor(db: DatabaseSync) {
    db.exec(schema);
    this.#upsert = db.prepare(`INSERT INTO device_status (id, online, since, last_seen) VALUES (?, ?, ?, ?)
      ON CONFLICT(id) DO UPDATE SET online = excluded.online, since = excluded.since, last_seen = excluded.last_seen`);
    this.#insertEvent = db.prepare('INSERT OR IGNORE INTO device_event (device, key_id, counter, at, kind, body) VALUES (?, ?, ?, ?, ?, ?)');
    this.#selectEvents = db.prepare('SELECT * FROM device_event WHERE device = ? ORDER BY at DESC, counter DESC LIMIT ?');
    for (const row of db.prepare('SELECT * FROM device_status').all()) {
      const status = { id: String(row['id']), online: row['online'] === 1, since: Number(row['since']), lastSeen: Number(row['last_seen']) };
      this.#statuses.set(status.id, status);
    }
  }

  /** Activity of an authorised device: moves its last seen (in memory). */
  seen(device: string, at: number): void {
    this.#seen.set(device, at);
  }

  /** Records an online/offline status (written through). */
  status(device: string, state: 'online' | 'offline', at: number): DeviceStatus {
    const before = this.#statuses.get(device);
    const online = state === 'online';
    const status: DeviceStatus = {
      id: device, online,
      since: before !== undefined && before.online === online ? before.since : at,
      lastSeen: Math.max(at, this.#seen.get(device) ?? 0, before?.lastSeen ?? 0),
    };
    this.#write(status);
    return status;
  }

  /** Records a sealed event once per (device, key id, counter); false when it was recorded before. */
  event(device: string, keyId: number, counter: bigint, at: number, body: unknown): boolean {
    const kindField = typeof body === 'object' && body !== null && !(body instanceof Uint8Array) ? (body instanceof Map ? (body as Map<unknown, unknown>).get('kind') : (body as Record<string, unknown>)['kind']) : undefined;
    const kind = typeof kindField === 'string' && kindField.length <= 64 ? kindField : 'event';
    let json = jsonOf(body);
    if (json.length > maxEventJson) json = JSON.stringify({ truncated: true, bytes: json.length });
    this.seen(device, at);
    try {
      return this.#insertEvent.run(device, keyId, counter.toString(), at, kind, json).changes > 0;
    } catch (error) {
      throw new StoreError('PW_ERR_STORE_WRITE', `Cannot record event ${keyId}/${counter} of ${device} in the head-end database: ${(error as Error).message}`, { cause: error });
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

  /** Writes the last-seen times held in memory. */
  flush(): void {
    for (const [device, at] of this.#seen) {
      const status = this.#statuses.get(device);
      if (status !== undefined && at > status.lastSeen) this.#write({ ...status, lastSeen: at });
    }
  }

  #write(status: DeviceStatus): void {
    try {
      this.#upsert.run(status.id, status.online ? 1 : 0, status.since, status.lastSeen);
    } catch (error) {
      throw new StoreError('PW_ERR_STORE_WRITE', `Cannot record the status of ${status.id} in the head-end database: ${(error as Error).message}`, { cause: error });
    }
    this.#statuses.set(status.id, status);
  }
}
