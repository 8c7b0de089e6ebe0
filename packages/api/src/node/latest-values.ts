// The latest values of each meter, as the live feed or the ingest's commits bring them, and the
// fleet's VUF figure from them. One implementation for the composition's power-quality port and for
// an API started without one.
import type { Snapshot } from '@phasewire/core';
import { vufPercentOf } from '../latest-power-quality.ts';

/**
 * Each meter's latest stored values, kept from committed readings, with its VUF (%) worked out only
 * when asked (the fleet list): the commit path does a map update per snapshot and nothing more.
 */
export class LatestValues {
  readonly #values = new Map<string, Map<string, number>>();
  readonly #vuf = new Map<string, number | null>();

  /** On the commit path: a map update per snapshot, nothing computed. */
  add(snapshots: readonly Snapshot[]): void {
    for (const snapshot of snapshots) this.set(snapshot.meter, snapshot.values);
  }

  /** Takes the given values of a meter as its latest. */
  set(meter: string, entries: Iterable<readonly [string, number]>): void {
    let values = this.#values.get(meter);
    if (values === undefined) { values = new Map(); this.#values.set(meter, values); }
    for (const [code, value] of entries) values.set(code, value);
    this.#vuf.delete(meter);
  }

  /** The meters with values. */
  meters(): IterableIterator<string> {
    return this.#values.keys();
  }

  values(meter: string): ReadonlyMap<string, number> | undefined {
    return this.#values.get(meter);
  }

  vufPercent(meter: string): number | null {
    const cached = this.#vuf.get(meter);
    if (cached !== undefined) return cached;
    const values = this.#values.get(meter);
    const figure = values === undefined ? null : vufPercentOf(values);
    this.#vuf.set(meter, figure);
    return figure;
  }
}
