// The look-up of a redelivered message's readings in the store (ingest.ts): whether its first
// delivery was committed.
import type { MeterId, ObisCode, Snapshot } from '@phasewire/core';
import type { MeterStore } from '@phasewire/store';

/**
 * How many of the snapshots' readings the store does not hold (0: all stored). A message's readings
 * are committed in one transaction, all or none, so one quantity of each snapshot tells (one query
 * per quantity, usually one in all, where checking all of them cost about 35 ms a message on SQLite);
 * a value stored from another message at the same time differs, unless it is the same reading.
 */
export async function readingsMissing(store: MeterStore, meter: MeterId, snapshots: readonly Snapshot[]): Promise<number> {
  const wanted = new Map<ObisCode, Map<number, number>>();
  /** The readings of each snapshot, by the quantity and time it is looked up by. */
  const sizes = new Map<string, number>();
  for (const snapshot of snapshots) {
    const first = snapshot.values.entries().next();
    if (first.done === true) continue;
    const [quantity, value] = first.value;
    let byTime = wanted.get(quantity);
    if (byTime === undefined) { byTime = new Map(); wanted.set(quantity, byTime); }
    byTime.set(snapshot.at, value);
    sizes.set(`${quantity} ${snapshot.at}`, snapshot.values.size);
  }
  let missing = 0;
  for (const [quantity, byTime] of wanted) {
    let from = Number.POSITIVE_INFINITY;
    let to = Number.NEGATIVE_INFINITY;
    for (const at of byTime.keys()) { from = Math.min(from, at); to = Math.max(to, at + 1); }
    const found = await store.readings(meter, quantity, { from, to });
    const stored = new Map(found.map((reading) => [reading.at, reading.value]));
    for (const [at, value] of byTime) if (stored.get(at) !== value) missing += sizes.get(`${quantity} ${at}`) ?? 1;
  }
  return missing;
}
