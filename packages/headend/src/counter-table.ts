// The head-end's counter port: the durable uplink replay windows and downlink counter marks,
// one value per scope (device/direction/key id, secure's counterScope), shared by every ingest
// worker that opens the same table. Two operations change a value, both atomic against every
// other caller of the same table (another pool, another process):
//  - claim: compare-and-set. A scope rises to an entry's counter only where its stored value is
//    below, and the entries that raised it are returned: of two workers that commit the same
//    device's message, exactly one gets its counter back, the other finds it a replay.
//  - reserve: the downlink sender's blocks. The value rises by `size` from at least `from - 1`, and
//    the new value is returned, so two workers sealing for one device never get the same counter.
// Implementations: SQLite (headend.db, node/sqlite-counter-table.ts) and PostgreSQL (schema
// phasewire_headend, node/postgres-counter-table.ts); both pass testing/counter-table-conformance.ts.
import type { CounterScope } from '@phasewire/secure';

export interface CounterEntry {
  readonly scope: CounterScope;
  readonly counter: bigint;
}

export interface CounterReserve {
  readonly scope: CounterScope;
  /** The first counter the caller may use at the earliest (its own next counter). */
  readonly from: bigint;
  readonly size: bigint;
}

export interface CounterTable {
  /** 'SQLite' or 'PostgreSQL', for messages. */
  readonly kind: string;
  /**
   * True when other processes may write the same table (PostgreSQL): the ingest then claims each
   * group's counters before it acknowledges them, instead of writing its window afterwards.
   */
  readonly shared: boolean;
  /** The stored values; 0n for a scope never stored. */
  read(scopes: readonly CounterScope[]): Promise<Map<CounterScope, bigint>>;
  /**
   * Compare-and-set in one transaction: each entry (in ascending counter order per scope) raises its
   * scope to its counter when the stored value is below. Returns the entries that did; no other call
   * on the same table gets the same scope and counter back.
   */
  claim(entries: readonly CounterEntry[]): Promise<CounterEntry[]>;
  /** Reserves a block per request in one transaction: value = max(value, from − 1) + size; returns each new value. */
  reserve(requests: readonly CounterReserve[]): Promise<bigint[]>;
  close(): Promise<void>;
}

/** Sorted by scope, then counter: the order claim applies entries in and locks rows in (two claims never wait on each other in a cycle). */
export function byScopeThenCounter(entries: readonly CounterEntry[]): CounterEntry[] {
  return [...entries].sort((a, b) => (a.scope < b.scope ? -1 : a.scope > b.scope ? 1 : a.counter < b.counter ? -1
    : a.counter > b.counter ? 1 : 0));
}
