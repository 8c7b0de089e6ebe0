// The SQLite schema as versioned migrations. A migration is never edited once released: a change is
// a new migration. docs/store.md explains each table and why it is laid out as it is.
//
// Keys are small integers from the `meter` and `quantity` dictionaries. Tables keyed by a meter
// first are WITHOUT ROWID, so the key is the clustering order: one meter's data is contiguous.

export interface SqliteMigration {
  readonly version: number;
  readonly name: string;
  readonly statements: readonly string[];
}

export const sqliteMigrations: readonly SqliteMigration[] = [
  {
    version: 1,
    name: 'dictionaries and raw readings',
    statements: [
      'CREATE TABLE meter (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)',
      // steps: the resolution values are scaled by, fixed when the quantity is first stored.
      'CREATE TABLE quantity (id INTEGER PRIMARY KEY, obis TEXT NOT NULL UNIQUE, steps INTEGER NOT NULL, register INTEGER NOT NULL)',
      // Recent snapshots in arrival order: 15-minute slot first, so interleaved ingest of many
      // meters appends at the end of the tree, and one interval across the fleet is one range.
      'CREATE TABLE reading_recent (slot INTEGER NOT NULL, meter INTEGER NOT NULL, off INTEGER NOT NULL, vals TEXT NOT NULL, PRIMARY KEY '
        + '(slot, meter, off)) WITHOUT ROWID',
      // Settled readings, compacted: one meter and quantity, up to 128 readings of one day per row.
      'CREATE TABLE reading_chunk (meter INTEGER NOT NULL, quantity INTEGER NOT NULL, start INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY '
        + 'KEY (meter, quantity, start)) WITHOUT ROWID',
      'CREATE TABLE compacted_day (day INTEGER PRIMARY KEY) WITHOUT ROWID',
      'CREATE TABLE reading_conflict (meter INTEGER NOT NULL, quantity INTEGER NOT NULL, at INTEGER NOT NULL, received REAL NOT NULL, '
        + 'stored REAL NOT NULL, received_at INTEGER NOT NULL, PRIMARY KEY (meter, quantity, at, received)) WITHOUT ROWID',
    ],
  },
  {
    version: 2,
    name: 'meter state',
    statements: [
      'CREATE TABLE meter_state (meter INTEGER PRIMARY KEY, data BLOB NOT NULL)',
    ],
  },
  {
    version: 3,
    name: 'interval stages and change log',
    statements: [
      // Quality codes are stored as their index in intervalQualities (never reordered).
      'CREATE TABLE interval_stage (meter INTEGER NOT NULL, quantity INTEGER NOT NULL, end_at INTEGER NOT NULL, validated REAL, '
        + 'validated_quality INTEGER, final REAL, final_quality INTEGER, PRIMARY KEY (meter, quantity, end_at)) WITHOUT ROWID',
      'CREATE TABLE interval_change (seq INTEGER PRIMARY KEY, meter INTEGER NOT NULL, quantity INTEGER NOT NULL, end_at INTEGER NOT NULL, '
        + 'stage TEXT NOT NULL, value REAL, quality INTEGER NOT NULL, actor_kind TEXT NOT NULL, actor TEXT NOT NULL, reason '
        + 'TEXT, at INTEGER NOT NULL)',
      'CREATE INDEX interval_change_interval ON interval_change (meter, quantity, end_at)',
      'CREATE INDEX interval_change_at ON interval_change (at)',
    ],
  },
  {
    version: 4,
    name: 'rollups',
    statements: [
      // period 1 = day, 2 = month; aggregates in resolution steps.
      'CREATE TABLE rollup (meter INTEGER NOT NULL, quantity INTEGER NOT NULL, period INTEGER NOT NULL, start INTEGER NOT NULL, n INTEGER '
        + 'NOT NULL, measured INTEGER NOT NULL, sum NUMERIC NOT NULL, min NUMERIC, max NUMERIC, PRIMARY KEY (meter, quantity, '
        + 'period, start)) WITHOUT ROWID',
    ],
  },
  {
    version: 5,
    name: 'MDM service state and alarms',
    statements: [
      // Small tables keyed by meter name: the MDM service reads them once per meter and run.
      'CREATE TABLE mdm_watermark (meter TEXT PRIMARY KEY, analysed_until INTEGER NOT NULL, validated_until INTEGER NOT NULL, fingerprint '
        + 'TEXT NOT NULL, updated_at INTEGER NOT NULL) WITHOUT ROWID',
      'CREATE TABLE alarm_slot (meter TEXT NOT NULL, type TEXT NOT NULL, state TEXT NOT NULL, PRIMARY KEY (meter, type)) WITHOUT ROWID',
      'CREATE TABLE alarm (id TEXT PRIMARY KEY, meter TEXT NOT NULL, type TEXT NOT NULL, occurrence INTEGER NOT NULL, state TEXT NOT NULL, '
        + 'severity TEXT NOT NULL, raised_at INTEGER NOT NULL, cleared_at INTEGER, value REAL, peak REAL, reopened INTEGER NOT NULL, '
        + 'ack_at INTEGER, ack_actor TEXT, ack_note TEXT) WITHOUT ROWID',
      'CREATE INDEX alarm_recent ON alarm (raised_at, id)',
      'CREATE INDEX alarm_meter ON alarm (meter, raised_at)',
      // The transition log is append-only; `notified` is the notification outbox's flag.
      'CREATE TABLE alarm_transition (seq INTEGER PRIMARY KEY, alarm_id TEXT NOT NULL, from_state TEXT NOT NULL, at INTEGER NOT NULL, '
        + 'reason TEXT NOT NULL, alarm TEXT NOT NULL, notified INTEGER NOT NULL)',
      'CREATE INDEX alarm_transition_pending ON alarm_transition (notified, seq)',
      'CREATE INDEX alarm_transition_alarm ON alarm_transition (alarm_id, seq)',
    ],
  },
  {
    version: 6,
    name: 'notifier cursors',
    statements: [
      // Each notifier's own place in the transition log (the last seq it delivered): one notifier
      // that fails holds back only its own queue (docs/analytics-and-alarms.md, "Notifications").
      'CREATE TABLE notifier_cursor (notifier TEXT PRIMARY KEY, after_seq INTEGER NOT NULL) WITHOUT ROWID',
    ],
  },
];
