// Failed sign-ins, throttled per (user name, client address) with exponential backoff: after a few
// free failures, each further one doubles the wait before that address may try that name again.
// An attacker slows only their own address; the account's owner signing in from anywhere else is
// not held up (OWASP Authentication Cheat Sheet, "Account Lockout": a lockout per account lets
// anyone lock the owner out). Guessing many names from one address is bounded by the per-address
// limit beside this one. Memory is bounded as FixedWindowLimiter's is.
import type { Clock } from '@phasewire/core';
import type { RateDecision } from './rate-limiter.ts';

export interface BackoffPolicy {
  /** Failures of one name from one address before any wait (default 5). */
  readonly freeFailures: number;
  /** The wait after the first failure beyond the free ones; each further failure doubles it (default 1 s). */
  readonly backoffMs: number;
  /** The longest wait (default 15 min). */
  readonly maxBackoffMs: number;
  /** A pair's failures are forgotten this long after its wait ends with no new failure (default 5 min). */
  readonly forgetMs: number;
}

export const defaultBackoffPolicy: BackoffPolicy = { freeFailures: 5, backoffMs: 1000, maxBackoffMs: 15 * 60_000, forgetMs: 5 * 60_000 };

interface PairState {
  failures: number;
  /** No attempt of this pair is checked before this time. */
  notBefore: number;
}

export class LoginThrottle {
  readonly #pairs = new Map<string, PairState>();
  readonly #policy: BackoffPolicy;
  readonly #clock: Clock;
  readonly #maxKeys: number;

  constructor(policy: BackoffPolicy, clock: Clock, maxKeys = 100_000) {
    this.#policy = policy;
    this.#clock = clock;
    this.#maxKeys = maxKeys;
  }

  /** Whether `address` may try `username` now; when not, how long it must wait. */
  check(username: string, address: string): RateDecision {
    const now = this.#clock.now();
    const state = this.#live(pairKey(username, address), now);
    if (state === undefined || now >= state.notBefore) return { allowed: true, retryAfterSeconds: 0 };
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((state.notBefore - now) / 1000)) };
  }

  /** Counts a failed sign-in of `username` from `address`; returns the wait it now has, in ms. */
  failed(username: string, address: string): number {
    const now = this.#clock.now();
    const key = pairKey(username, address);
    let state = this.#live(key, now);
    if (state === undefined) {
      if (this.#pairs.size >= this.#maxKeys) this.#prune(now);
      state = { failures: 0, notBefore: now };
      this.#pairs.set(key, state);
    }
    state.failures += 1;
    const beyond = state.failures - this.#policy.freeFailures;
    const wait = beyond <= 0 ? 0 : Math.min(this.#policy.maxBackoffMs, this.#policy.backoffMs * 2 ** Math.min(beyond - 1, 40));
    state.notBefore = now + wait;
    return wait;
  }

  /** A successful sign-in clears the pair's failures. */
  succeeded(username: string, address: string): void {
    this.#pairs.delete(pairKey(username, address));
  }

  get size(): number {
    return this.#pairs.size;
  }

  #live(key: string, now: number): PairState | undefined {
    const state = this.#pairs.get(key);
    if (state !== undefined && now - state.notBefore >= this.#policy.forgetMs) {
      this.#pairs.delete(key);
      return undefined;
    }
    return state;
  }

  #prune(now: number): void {
    for (const [key, state] of this.#pairs) if (now - state.notBefore >= this.#policy.forgetMs) this.#pairs.delete(key);
    // Past the bound with every pair live: drop the oldest inserted (an attacker's fresh pairs go first in turn).
    while (this.#pairs.size >= this.#maxKeys) {
      const oldest = this.#pairs.keys().next();
      if (oldest.done === true) break;
      this.#pairs.delete(oldest.value);
    }
  }
}

// Unambiguous whatever characters the name holds.
const pairKey = (username: string, address: string): string => JSON.stringify([username, address]);
