// The device registry and the head-end's counters on node:sqlite, in one database file
// (`headend.db`): the registry rows, the uplink replay window and the downlink counter marks.
// The registry is read on every CONNECT and PUBLISH, so it is kept in memory and written through.
import { DatabaseSync } from 'node:sqlite';
import { parseGatewayId, parseMeterId, StoreError, ValidationError } from '@phasewire/core';
import type { GatewayId, MeterId } from '@phasewire/core';
import { checkTransition, unknownDevice } from '../../headend/registry.ts';
import type { CertificateBinding, DeviceRecord, DeviceRegistry, DeviceState, RegistryDeviceKind, RegistryLinkProfile } from '../../headend/registry.ts';

const schema = `
CREATE TABLE IF NOT EXISTS device (
  id TEXT PRIMARY KEY, kind TEXT NOT NULL, model TEXT, link_profile TEXT,
  fingerprint TEXT, serial TEXT, state TEXT NOT NULL, last_seen INTEGER, gateway TEXT
) STRICT;
CREATE TABLE IF NOT EXISTS counter (scope TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
`;

/** Opens (creating) the head-end database: WAL, synchronous=FULL, so a returned write survives a power cut. */
export function openHeadEndDatabase(path: string): DatabaseSync {
  try {
    const db = new DatabaseSync(path);
    db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = FULL');
    db.exec('PRAGMA busy_timeout = 5000');
    db.exec(schema);
    return db;
  } catch (error) {
    throw new StoreError('PW_ERR_STORE_UNAVAILABLE', `Cannot open the head-end database at ${path}: ${(error as Error).message}`, { cause: error });
  }
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
  readonly #records = new Map<string, DeviceRecord>();
  readonly #behind = new Map<string, Set<MeterId>>();
  readonly #write;

  constructor(db: DatabaseSync) {
    this.#write = db.prepare(`INSERT INTO device (id, kind, model, link_profile, fingerprint, serial, state, last_seen, gateway)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, model = excluded.model,
      link_profile = excluded.link_profile, fingerprint = excluded.fingerprint, serial = excluded.serial, state = excluded.state,
      last_seen = excluded.last_seen, gateway = excluded.gateway`);
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

  #save(record: DeviceRecord): DeviceRecord {
    this.#write.run(record.id, record.kind, record.model, record.linkProfile, record.fingerprint, record.serial, record.state, record.lastSeen, record.gateway);
    return this.#remember(record);
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
    return this.#save({ id: entry.id, kind: entry.kind, model: entry.model ?? null, linkProfile: entry.linkProfile ?? null, fingerprint: null, serial: null, state: 'enrolled', lastSeen: null, gateway: null });
  }

  bind(id: string, certificate: CertificateBinding, at: number): DeviceRecord {
    const record = this.#existing(id);
    checkTransition(id, record.state, 'active');
    return this.#save({ ...record, fingerprint: certificate.fingerprint, serial: certificate.serial, state: 'active', lastSeen: at });
  }

  revoke(id: string, at: number): DeviceRecord {
    const record = this.#existing(id);
    checkTransition(id, record.state, 'revoked');
    return this.#save({ ...record, state: 'revoked', lastSeen: record.lastSeen ?? at });
  }

  attach(meter: MeterId, gateway: GatewayId | null): DeviceRecord {
    const record = this.#existing(meter);
    if (record.kind !== 'meter') throw new ValidationError('PW_ERR_HEADEND_REGISTRY', `Cannot put ${meter} behind a gateway: it is a ${record.kind}, expected a meter`);
    if (gateway !== null && this.#records.get(gateway)?.kind !== 'gateway') throw unknownDevice(gateway);
    return this.#save({ ...record, gateway });
  }

  behind(gateway: string): ReadonlySet<MeterId> {
    return this.#behind.get(gateway) ?? new Set();
  }

  touch(id: string, at: number): void {
    const record = this.#records.get(id);
    if (record !== undefined) this.#save({ ...record, lastSeen: at });
  }

  close(): void {
    // The database is owned by whoever opened it (it also holds the counters).
  }
}
