// The device registry and the head-end's counters on node:sqlite, in one database file
// (`headend.db`): the registry rows, the uplink replay window and the downlink counter marks.
// The registry is read on every CONNECT and PUBLISH, so it is kept in memory.
//
// Two kinds of write, by what a crash may cost (docs/head-end.md, "Head-end performance"):
// - a change of what a device *is* (enrolled, its certificate bound or changed, revoked, put behind
//   a gateway) is written through, synced, before the call returns;
// - activity (last seen, moved on every CONNECT and disconnect) is kept in memory and written in one
//   transaction at most every `flushMs`, and at close. A crash loses at most that last batch: last
//   seen goes back by at most `flushMs` plus one flush. A synced write per CONNECT was a quarter of
//   the head-end's CPU profile in a reconnect storm (T5).
import type { DatabaseSync } from 'node:sqlite';
import { openPrivateDatabase } from '@phasewire/store/node';
import type { StatementSync } from 'node:sqlite';
import { parseGatewayId, parseMeterId, StoreError, ValidationError } from '@phasewire/core';
import type { GatewayId, MeterId } from '@phasewire/core';
import { checkTransition, unknownDevice } from '../registry.ts';
import type { CertificateBinding, DeviceRecord, DeviceRegistry, DeviceState, RegistryDeviceKind,
  RegistryLinkProfile } from '../registry.ts';

const schema = `
CREATE TABLE IF NOT EXISTS device (
  id TEXT PRIMARY KEY, kind TEXT NOT NULL, model TEXT, link_profile TEXT,
  fingerprint TEXT, serial TEXT, state TEXT NOT NULL, last_seen INTEGER, gateway TEXT
) STRICT;
CREATE TABLE IF NOT EXISTS counter (scope TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
`;

/** Default longest time a last-seen mark waits in memory before it is written, ms. */
export const defaultRegistryFlushMs = 100;

/** Opens (creating) the head-end database: WAL, synchronous=FULL, so a returned write survives a power cut. */
export function openHeadEndDatabase(path: string): DatabaseSync {
  try {
    const db = openPrivateDatabase(path);
    db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = FULL');
    db.exec('PRAGMA busy_timeout = 5000');
    db.exec(schema);
    return db;
  } catch (error) {
    throw new StoreError('PW_ERR_STORE_UNAVAILABLE', `Cannot open the head-end database at ${path}: ${(error as Error).message}`,
      { cause: error });
  }
}

export interface SqliteRegistryOptions {
  /** Longest a last-seen mark waits in memory, ms (default 100; 0: written through like a state change). */
  readonly flushMs?: number;
  /** Told when a batch of last-seen marks cannot be written (it is kept and tried again). */
  readonly onFlushError?: (error: StoreError) => void;
}

type Row = Record<string, unknown>;
const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

function recordOf(row: Row): DeviceRecord {
  const kind = row['kind'] as RegistryDeviceKind;
  const id = String(row['id']);
  const gateway = text(row['gateway']);
  return {
    id: kind === 'meter' ? parseMeterId(id) : parseGatewayId(id),
    kind,
    model: text(row['model']),
    linkProfile: text(row['link_profile']) as RegistryLinkProfile | null,
    fingerprint: text(row['fingerprint']),
    serial: text(row['serial']),
    state: row['state'] as DeviceState,
    lastSeen: typeof row['last_seen'] === 'number' ? row['last_seen'] : null,
    gateway: gateway === null ? null : parseGatewayId(gateway),
  };
}

export class SqliteDeviceRegistry implements DeviceRegistry {
  readonly #db: DatabaseSync;
  readonly #records = new Map<string, DeviceRecord>();
  readonly #behind = new Map<string, Set<MeterId>>();
  readonly #write: StatementSync;
  readonly #writeSeen: StatementSync;
  readonly #flushMs: number;
  readonly #onFlushError: (error: StoreError) => void;
  /** Devices whose last seen moved since the last flush (their record in #records holds it). */
  #unflushed = new Set<string>();
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(db: DatabaseSync, options: SqliteRegistryOptions = {}) {
    this.#db = db;
    this.#flushMs = options.flushMs ?? defaultRegistryFlushMs;
    this.#onFlushError = options.onFlushError ?? (() => undefined);
    this.#write = db.prepare(`INSERT INTO device (id, kind, model, link_profile, fingerprint, serial, state, last_seen, gateway)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, model = excluded.model,
      link_profile = excluded.link_profile, fingerprint = excluded.fingerprint, serial = excluded.serial, state = excluded.state,
      last_seen = excluded.last_seen, gateway = excluded.gateway`);
    // A batch touches last seen alone, and only forwards: it can never undo a state change.
    this.#writeSeen = db.prepare('UPDATE device SET last_seen = ?2 WHERE id = ?1 AND (last_seen IS NULL OR last_seen < ?2)');
    for (const row of db.prepare('SELECT * FROM device').all()) this.#remember(recordOf(row));
  }

  #remember(record: DeviceRecord): DeviceRecord {
    const before = this.#records.get(record.id);
    if (before?.gateway !== null && before !== undefined) this.#behind.get(before.gateway)?.delete(record.id as MeterId);
    this.#records.set(record.id, record);
    if (record.gateway !== null) {
      let set = this.#behind.get(record.gateway);
      if (set === undefined) { set = new Set(); this.#behind.set(record.gateway, set); }
      set.add(record.id as MeterId);
    }
    return record;
  }

  /** Writes the whole record through (synced); its last seen goes with it, so no batch entry is left. */
  #save(record: DeviceRecord): DeviceRecord {
    try {
      this.#write.run(record.id, record.kind, record.model, record.linkProfile, record.fingerprint, record.serial, record.state,
        record.lastSeen, record.gateway);
    } catch (error) {
      throw new StoreError('PW_ERR_STORE_WRITE',
        `Cannot write device ${record.id} (${record.state}) to the head-end registry: ${(error as Error).message}`, { cause: error });
    }
    this.#unflushed.delete(record.id);
    return this.#remember(record);
  }

  /** Moves last seen in memory and marks it for the next batch. */
  #seen(record: DeviceRecord, at: number): DeviceRecord {
    if (record.lastSeen !== null && record.lastSeen >= at) return record;
    const next = this.#remember({ ...record, lastSeen: at });
    if (this.#flushMs === 0) { this.#unflushed.add(record.id); this.flush(); return next; }
    this.#unflushed.add(record.id);
    if (this.#timer === undefined) {
      this.#timer = setTimeout(() => { this.#flushQuietly(); }, this.#flushMs);
      // Nothing here is worth keeping a process alive for: an exit without close is a crash's loss.
      this.#timer.unref();
    }
    return next;
  }

  #existing(id: string): DeviceRecord {
    const record = this.#records.get(id);
    if (record === undefined) throw unknownDevice(id);
    return record;
  }

  get(id: string): DeviceRecord | undefined {
    return this.#records.get(id);
  }

  list(): readonly DeviceRecord[] {
    return [...this.#records.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  enrol(entry: { id: MeterId | GatewayId; kind: RegistryDeviceKind; model?: string; linkProfile?: RegistryLinkProfile }): DeviceRecord {
    const present = this.#records.get(entry.id);
    if (present !== undefined) return present;
    return this.#save({ id: entry.id, kind: entry.kind, model: entry.model ?? null, linkProfile: entry.linkProfile ?? null,
      fingerprint: null, serial: null, state: 'enrolled', lastSeen: null, gateway: null });
  }

  describe(id: string, entry: { model?: string; linkProfile?: RegistryLinkProfile }): DeviceRecord | undefined {
    const record = this.#records.get(id);
    if (record === undefined) return undefined;
    const model = entry.model ?? record.model;
    const linkProfile = entry.linkProfile ?? record.linkProfile;
    // Said on every connect: written only when it changes.
    if (model === record.model && linkProfile === record.linkProfile) return record;
    return this.#save({ ...record, model, linkProfile });
  }

  bind(id: string, certificate: CertificateBinding, at: number): DeviceRecord {
    const record = this.#existing(id);
    checkTransition(id, record.state, 'active');
    // The reconnect of an active device with the certificate already bound changes nothing but last seen.
    if (record.state === 'active' && record.fingerprint === certificate.fingerprint && record.serial === certificate.serial)
      return this.#seen(record, at);
    return this.#save({ ...record, fingerprint: certificate.fingerprint, serial: certificate.serial, state: 'active',
      lastSeen: Math.max(at, record.lastSeen ?? at) });
  }

  revoke(id: string, at: number): DeviceRecord {
    const record = this.#existing(id);
    checkTransition(id, record.state, 'revoked');
    return this.#save({ ...record, state: 'revoked', lastSeen: record.lastSeen ?? at });
  }

  attach(meter: MeterId, gateway: GatewayId | null): DeviceRecord {
    const record = this.#existing(meter);
    if (record.kind !== 'meter')
      throw new ValidationError('PW_ERR_HEADEND_REGISTRY',
        `Cannot put ${meter} behind a gateway: it is a ${record.kind}, expected a meter`);
    if (gateway !== null && this.#records.get(gateway)?.kind !== 'gateway') throw unknownDevice(gateway);
    return this.#save({ ...record, gateway });
  }

  behind(gateway: string): ReadonlySet<MeterId> {
    return this.#behind.get(gateway) ?? new Set();
  }

  touch(id: string, at: number): void {
    const record = this.#records.get(id);
    if (record !== undefined) this.#seen(record, at);
  }

  /** Last-seen marks waiting in memory (what a crash now would lose). */
  get pending(): number {
    return this.#unflushed.size;
  }

  /** Writes the waiting last-seen marks in one transaction (one fsync); throws PW_ERR_STORE_WRITE and keeps them on failure. */
  flush(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#unflushed.size === 0) return;
    const ids = this.#unflushed;
    this.#unflushed = new Set();
    // Another writer's transaction on the shared connection (none is held across a turn today) gets ours folded in.
    const own = !this.#db.isTransaction;
    let begun = false;
    try {
      if (own) { this.#db.exec('BEGIN IMMEDIATE'); begun = true; }
      for (const id of ids) {
        const lastSeen = this.#records.get(id)?.lastSeen;
        if (lastSeen !== null && lastSeen !== undefined) this.#writeSeen.run(id, lastSeen);
      }
      if (own) this.#db.exec('COMMIT');
    } catch (error) {
      // A failed COMMIT may have ended the transaction already; the error that matters is the first.
      if (begun) try { this.#db.exec('ROLLBACK'); } catch { /* already rolled back */ }
      for (const id of this.#unflushed) ids.add(id);
      this.#unflushed = ids;
      throw new StoreError('PW_ERR_STORE_WRITE',
        `Cannot write the last seen of ${ids.size} devices to the head-end registry: ${(error as Error).message}`, { cause: error });
    }
  }

  #flushQuietly(): void {
    try {
      this.flush();
    } catch (error) {
      // Its owner closed the database without closing us first: what waited is lost, as in a crash.
      if (!this.#db.isOpen) return;
      this.#onFlushError(error as StoreError);
      this.#timer ??= setTimeout(() => { this.#flushQuietly(); }, Math.max(this.#flushMs, 100));
      this.#timer.unref();
    }
  }

  /** Writes what waits; the database stays open (its owner also holds the counters there). */
  close(): void {
    this.flush();
  }
}
