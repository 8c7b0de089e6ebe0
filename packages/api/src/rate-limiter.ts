// A fixed-window rate limiter over the Clock port: at most `limit` hits per key per window. Memory
// is bounded: past `maxKeys` keys, windows that have ended are dropped, and when every key is still
// live the oldest window goes (a flood of fresh keys cannot grow the map without bound).
import type { Clock } from '@phasewire/core';

export interface RateLimit {
  readonly limit: number;
  readonly windowMs: number;
}

export interface RateDecision {
  readonly allowed: boolean;
  /** Seconds until the window ends (for Retry-After, RFC 9110 §10.2.3). */
  readonly retryAfterSeconds: number;
}

export class FixedWindowLimiter {
  readonly #windows = new Map<string, { start: number; hits: number }>();
  readonly #rule: RateLimit;
  readonly #clock: Clock;
  readonly #maxKeys: number;

  constructor(rule: RateLimit, clock: Clock, maxKeys = 100_000) {
    this.#rule = rule;
    this.#clock = clock;
    this.#maxKeys = maxKeys;
  }

  /** Counts a hit for `key` and says whether it is within the limit. */
  hit(key: string): RateDecision {
    const now = this.#clock.now();
    let window = this.#windows.get(key);
    if (window === undefined || now - window.start >= this.#rule.windowMs) {
      if (window === undefined && this.#windows.size >= this.#maxKeys) this.#prune(now);
      window = { start: now, hits: 0 };
      this.#windows.delete(key);
      this.#windows.set(key, window);
    }
    window.hits += 1;
    const retryAfterSeconds = Math.max(1, Math.ceil((window.start + this.#rule.windowMs - now) / 1000));
    return { allowed: window.hits <= this.#rule.limit, retryAfterSeconds };
  }

  /** Whether `key` is over the limit now, without counting a hit. */
  blocked(key: string): RateDecision {
    const now = this.#clock.now();
    const window = this.#windows.get(key);
    if (window === undefined || now - window.start >= this.#rule.windowMs) return { allowed: true, retryAfterSeconds: 0 };
    return { allowed: window.hits < this.#rule.limit,
      retryAfterSeconds: Math.max(1, Math.ceil((window.start + this.#rule.windowMs - now) / 1000)) };
  }

  /** Forgets the key's hits (a successful sign-in clears its user name's failures). */
  reset(key: string): void {
    this.#windows.delete(key);
  }

  get size(): number {
    return this.#windows.size;
  }

  #prune(now: number): void {
    for (const [key, window] of this.#windows) if (now - window.start >= this.#rule.windowMs) this.#windows.delete(key);
    // Insertion order is window start order: the first key is the oldest window.
    while (this.#windows.size >= this.#maxKeys) {
      const oldest = this.#windows.keys().next();
      if (oldest.done === true) break;
      this.#windows.delete(oldest.value);
    }
  }
}
