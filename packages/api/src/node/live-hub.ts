// The in-process live source: the composition publishes events into it (after each ingest commit,
// on each alarm transition, when a meter connects or goes silent) and the API's WebSocket feed
// subscribes. Listeners run synchronously; one that throws is reported and does not stop the others.
import type { Snapshot } from '@phasewire/core';
import type { LiveEvent, LiveSource } from '../ports.ts';

export class LiveHub implements LiveSource {
  readonly #listeners = new Set<(event: LiveEvent) => void>();
  readonly #onError: (error: unknown) => void;

  constructor(onError: (error: unknown) => void = () => undefined) {
    this.#onError = onError;
  }

  publish(event: LiveEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        this.#onError(error);
      }
    }
  }

  /** Publishes the latest values of each snapshot (call it once the snapshots are committed). */
  publishSnapshots(snapshots: readonly Snapshot[]): void {
    // On the commit path: no event is built when no one listens.
    if (this.#listeners.size === 0) return;
    for (const snapshot of snapshots)
      this.publish({ type: 'reading', meter: snapshot.meter, at: snapshot.at, values: Object.fromEntries(snapshot.values) });
  }

  subscribe(listener: (event: LiveEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get listeners(): number {
    return this.#listeners.size;
  }
}
