// The relay of every meter as its latest sealed relay status says (@phasewire/core/protocol
// relay-status.ts), kept in the head-end database beside the device events, and the fleet's latest
// trips (device events of kind `protection-trip`): what the API's meter and Trips views read.
//
//   device_relay  device (key), relay, armed, by, fn, at (the meter's time of the change),
//                 received (head-end time), key id and counter of the envelope (the latest wins)
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { StoreError } from '@phasewire/core';
import type { RelayStatus } from '@phasewire/core/protocol';

const schema = `
CREATE TABLE IF NOT EXISTS device_relay (
  device TEXT PRIMARY KEY, relay TEXT NOT NULL, armed INTEGER NOT NULL, by TEXT, fn TEXT, at INTEGER NOT NULL,
  received INTEGER NOT NULL, key_id INTEGER NOT NULL, counter TEXT NOT NULL, load_limit_version INTEGER
) STRICT;
CREATE INDEX IF NOT EXISTS device_event_kind ON device_event (kind, at);
`;

export interface RelayStateRecord extends RelayStatus {
  readonly device: string;
  /** When the head-end recorded it, ms. */
  readonly receivedAt: number;
}

export interface FleetTrip {
  readonly device: string;
  readonly receivedAt: number;
  readonly record: Readonly<Record<string, unknown>>;
}

/** Counters as fixed-width text, so that the later envelope compares greater. */
const counterText = (counter: bigint): string => counter.toString().padStart(20, '0');

export class RelayStates {
  readonly #upsert: StatementSync;
  readonly #select: StatementSync;
  readonly #selectOpen: StatementSync;
  readonly #selectTrips: StatementSync;

  /** `db` holds device_event already (DeviceActivity made it). */
  constructor(db: DatabaseSync) {
    db.exec(schema);
    // A status of an older envelope (a copy delivered late) never replaces a newer one.
    this.#upsert = db.prepare(`INSERT INTO device_relay (device, relay, armed, by, fn, at, received, key_id, counter, load_limit_version)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(device) DO UPDATE SET relay = excluded.relay, armed = excluded.armed,
      by = excluded.by, fn = excluded.fn, at = excluded.at, received = excluded.received, key_id = excluded.key_id,
      counter = excluded.counter, load_limit_version = excluded.load_limit_version
      WHERE excluded.key_id > device_relay.key_id OR (excluded.key_id = device_relay.key_id AND excluded.counter > device_relay.counter)`);
    this.#select = db.prepare('SELECT * FROM device_relay WHERE device = ?');
    this.#selectOpen = db.prepare('SELECT * FROM device_relay WHERE relay = \'open\' ORDER BY at DESC');
    this.#selectTrips = db.prepare('SELECT device, at, body FROM device_event WHERE kind = \'protection-trip\' ORDER BY at DESC');
  }

  record(device: string, keyId: number, counter: bigint, receivedAt: number, status: RelayStatus): void {
    try {
      this.#upsert.run(device, status.relay, status.armed ? 1 : 0, status.by ?? null, status.fn ?? null, status.at, receivedAt, keyId,
        counterText(counter), status.loadLimitVersion ?? null);
    } catch (error) {
      throw new StoreError('PW_ERR_STORE_WRITE',
        `Cannot record the relay status ${keyId}/${counter} of ${device} in the head-end database: ${(error as Error).message}`,
        { cause: error });
    }
  }

  /** The meter's relay as it last reported it, or undefined when it never reported a change (closed, as far as known). */
  get(device: string): RelayStateRecord | undefined {
    const row = this.#select.get(device);
    return row === undefined ? undefined : recordOf(row);
  }

  /** The meters whose relay is open now, latest change first. */
  open(): RelayStateRecord[] {
    return this.#selectOpen.all().map(recordOf);
  }

  /**
   * The fleet's latest trips of the devices `keep` takes, newest first: read row by row until `limit`
   * are found, so the trips of devices it leaves out (another tenant's chattering meter) never hide them.
   * A trip an agent queued again after a restart is shown once (tripKey).
   */
  trips(limit: number, keep: (device: string) => boolean = () => true): FleetTrip[] {
    const out: FleetTrip[] = [];
    const seen = new Set<string>();
    for (const row of this.#selectTrips.iterate()) {
      if (out.length >= limit) break;
      const device = String(row['device']);
      if (!keep(device)) continue;
      const trip = { device, receivedAt: Number(row['at']), record: JSON.parse(String(row['body'])) as Record<string, unknown> };
      const key = tripKey(device, trip.record);
      if (key !== undefined && seen.has(key)) continue;
      if (key !== undefined) seen.add(key);
      out.push(trip);
    }
    return out;
  }
}

/** A trip's name, its device, function and time; undefined for a record cut for its size (it has no time to name it by). */
const tripKey = (device: string, record: Record<string, unknown>): string | undefined =>
  (typeof record['at'] === 'number' ? JSON.stringify([device, record['fn'], record['at']]) : undefined);

/**
 * The trips of `device` with a copy left out: an agent killed after it queued a trip and before it
 * noted that (agent-protection.ts) queues it again at its next start, as a new envelope with the same trip.
 */
export function distinctTrips<T extends { readonly record: Record<string, unknown> }>(trips: readonly T[], device: string): T[] {
  const seen = new Set<string>();
  return trips.filter((t) => {
    const key = tripKey(device, t.record);
    if (key === undefined) return true;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function recordOf(row: Record<string, unknown>): RelayStateRecord {
  const by = row['by'];
  const fn = row['fn'];
  const limit = row['load_limit_version'];
  return {
    device: String(row['device']), relay: row['relay'] === 'open' ? 'open' : 'closed', armed: row['armed'] === 1,
    ...(by === 'trip' || by === 'remote' ? { by } : {}), ...(typeof fn === 'string' ? { fn } : {}), at: Number(row['at']),
    receivedAt: Number(row['received']), ...(typeof limit === 'number' ? { loadLimitVersion: limit } : {}),
  };
}
