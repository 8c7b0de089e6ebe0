// Log lines for events that can come by the thousand (refused TLS handshakes, connections over a
// limit, a full disk): the first of each kind is logged in full, the rest are counted, and one
// summary line per interval says how many more there were. A kind that stays quiet for a whole
// interval starts again with a full line. Pure: the caller gives the time and calls `flush` on a timer.

export interface SampledSummary {
  readonly key: string;
  /** Occurrences counted and not logged since the last line of this kind. */
  readonly count: number;
  /** When the first of them happened. */
  readonly since: number;
}

interface Kind {
  count: number;
  since: number;
}

export class LogSampler {
  readonly intervalMs: number;
  readonly #kinds = new Map<string, Kind>();

  constructor(intervalMs: number) {
    this.intervalMs = intervalMs;
  }

  /** Whether this occurrence of `key` is logged in full; when not, it is counted for the summary. */
  record(key: string, now: number): boolean {
    const kind = this.#kinds.get(key);
    if (kind === undefined) {
      this.#kinds.set(key, { count: 0, since: now });
      return true;
    }
    if (kind.count === 0) kind.since = now;
    kind.count += 1;
    return false;
  }

  /** Whether `key` is being counted (its full line was written and it has not been quiet since). */
  has(key: string): boolean {
    return this.#kinds.has(key);
  }

  /**
   * The counts to log now (one per kind that had occurrences since its last line), reset; a kind
   * with none since the last flush is forgotten, so its next occurrence is logged in full.
   */
  flush(): SampledSummary[] {
    const summaries: SampledSummary[] = [];
    for (const [key, kind] of this.#kinds) {
      if (kind.count === 0) {
        this.#kinds.delete(key);
        continue;
      }
      summaries.push({ key, count: kind.count, since: kind.since });
      kind.count = 0;
    }
    return summaries;
  }
}
