// The ingest's side of the replay window (ingest.ts): what it does with the counters of a group
// whose readings the store has committed. On the head-end's own table (SQLite) they are written
// afterwards, at most every `flushMs`, in one transaction for many groups; the in-memory window of
// the one process is exact, and the durable one may lag it (head-end-counters.ts). On a table other
// workers share (PostgreSQL) they are claimed at once, before any ack: a compare-and-set whose
// losers are counters another worker accepted first.
import type { CounterScope } from '@phasewire/secure';
import type { HeadEndEvent } from '../head-end-log.ts';
import type { HeadEndCounters, WindowEntry } from './head-end-counters.ts';

export class IngestWindow {
  /** Highest committed counter per scope since start: a redelivery at or below it is re-acked. */
  readonly committed = new Map<CounterScope, bigint>();
  readonly #window: HeadEndCounters;
  readonly #flushMs: number;
  readonly #floodLog: (key: string, event: HeadEndEvent) => void;
  /** Counters whose readings are committed but not yet written to the durable window. */
  #unflushed: WindowEntry[] = [];
  #flushTimer: ReturnType<typeof setTimeout> | undefined;
  /** The window writes, one after another. */
  #flushing: Promise<void> = Promise.resolve();

  constructor(window: HeadEndCounters, flushMs: number, floodLog: (key: string, event: HeadEndEvent) => void) {
    this.#window = window;
    this.#flushMs = flushMs;
    this.#floodLog = floodLog;
  }

  /**
   * The entries of a committed group: resolves with the keys (`scope counter`) of those another
   * worker had claimed first (none on an unshared table). Rejects when the claim failed: then nothing
   * of the group may be acknowledged (the device sends it again; the store stores nothing twice).
   */
  async committedGroup(entries: readonly WindowEntry[]): Promise<Set<string>> {
    let replayed = new Set<string>();
    if (this.#window.shared) {
      try {
        const won = new Set((await this.#window.persist(entries)).map((entry) => `${entry.scope} ${entry.counter}`));
        replayed = new Set(entries.map((entry) => `${entry.scope} ${entry.counter}`).filter((key) => !won.has(key)));
      } catch (error) {
        this.#window.revert(entries.map((entry) => entry.scope));
        throw error;
      }
    } else {
      for (const entry of entries) this.#unflushed.push(entry);
    }
    for (const { scope, counter } of entries) if (counter > (this.committed.get(scope) ?? 0n)) this.committed.set(scope, counter);
    if (!this.#window.shared) {
      if (this.#flushMs === 0) await this.flush();
      else this.#flushTimer ??= setTimeout(() => { void this.flush(); }, this.#flushMs);
    }
    return replayed;
  }

  /** Writes the window of every committed group (one transaction); a failure is logged and retried. */
  flush(): Promise<void> {
    if (this.#flushTimer !== undefined) clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    this.#flushing = this.#flushing.then(() => this.#write());
    return this.#flushing;
  }

  async #write(): Promise<void> {
    const entries = this.#unflushed;
    if (entries.length === 0) return;
    this.#unflushed = [];
    try {
      await this.#window.persist(entries);
      // What the durable window now covers needs no entry here: the map stays as small as the lag.
      for (const { scope } of entries) {
        const committed = this.committed.get(scope);
        if (committed !== undefined && committed <= this.#window.durable(scope)) this.committed.delete(scope);
      }
    } catch (error) {
      // The readings are committed; only the window lags. Keep the entries for the next flush.
      this.#unflushed = entries.concat(this.#unflushed);
      const msg = `Cannot write the replay window of ${entries.length} committed messages: ${(error as Error).message}`;
      this.#floodLog('replay-window', { level: 'error', msg });
      this.#flushTimer ??= setTimeout(() => { void this.flush(); }, Math.max(this.#flushMs, 100));
    }
  }
}
