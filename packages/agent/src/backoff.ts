// Reconnect backoff with "full jitter": the delay before attempt n is uniform in
// [0, min(max, initial·2^n)) (M. Brooker, "Exponential Backoff And Jitter", AWS Architecture Blog,
// 2015). Jitter spreads a fleet that lost the head-end at the same instant over the whole window,
// so a restart does not meet every meter at once (the reconnect storm of T5).
import { ValidationError, type Random } from '@phasewire/core';

export interface BackoffPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
}

export class Backoff {
  readonly #policy: BackoffPolicy;
  readonly #random: Random;
  #attempt = 0;

  constructor(policy: BackoffPolicy, random: Random) {
    if (!(policy.initialMs > 0 && policy.maxMs >= policy.initialMs)) {
      throw new ValidationError('PW_ERR_INVALID_ARGUMENT',
        `Cannot use a backoff from ${policy.initialMs} ms to ${policy.maxMs} ms: expected 0 < initial ≤ max`);
    }
    this.#policy = policy;
    this.#random = random;
  }

  /** The delay before the next attempt, ms; each call is one more failed attempt. */
  next(): number {
    const ceiling = Math.min(this.#policy.maxMs, this.#policy.initialMs * 2 ** Math.min(this.#attempt, 52));
    this.#attempt++;
    return Math.floor(this.#random.next() * ceiling);
  }

  /** After a success the next failure starts from the initial delay again. */
  reset(): void {
    this.#attempt = 0;
  }

  get attempts(): number {
    return this.#attempt;
  }
}
