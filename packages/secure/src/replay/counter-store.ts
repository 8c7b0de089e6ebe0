// The durable counter port, used twice: the receiver keeps the last accepted invocation counter
// per (device, direction, key id) — its replay window — and the sender keeps the high-water mark of
// the counters it has reserved, so a restart never reuses a nonce. One implementation serves both:
// in memory here (tests, simulations), file-backed in src/node/envelope/file-counter-store.ts.
import type { DeviceId } from '../envelope/device-binding.ts';
import type { Direction } from '../envelope/envelope-format.ts';

/**
 * The key of one counter sequence: `device/direction/keyId`. Device ids never contain '/'
 * (core ids.ts), so the key is unambiguous and safe as a line in a text file.
 */
export type CounterScope = string & { readonly __counterScope: true };

export function counterScope(device: DeviceId, direction: Direction, keyId: number): CounterScope {
  return `${device}/${direction}/${keyId}` as CounterScope;
}

const scopePattern = /^[a-z0-9][a-z0-9-]{2,63}\/(?:uplink|downlink)\/[1-9][0-9]{0,9}$/;

/** True when `text` has the shape of a scope key (used by stores that read scopes back from disk). */
export function isCounterScope(text: string): text is CounterScope {
  return scopePattern.test(text);
}

export interface CounterStore {
  /** The stored value of the scope, 0n when none was stored. Synchronous: stores keep values in memory. */
  get(scope: CounterScope): bigint;
  /**
   * Raises the scope's value to `value`. The new value is visible to get() at once, so that two
   * concurrent callers cannot both pass a check; the promise resolves when it is durable, and a
   * store whose values are durable at once (in memory) returns undefined instead, sparing the
   * receiver a promise per message. A value not above the stored one leaves the store as it is.
   */
  advance(scope: CounterScope, value: bigint): Promise<void> | undefined;
  /**
   * Optional, for a store that several processes seal from (the head-end's workers on one database):
   * raises the scope's value to max(value, from − 1) + size in one atomic step and resolves with the
   * new value once durable, so that two senders never reserve the same counters (counter-reservation.ts).
   */
  reserve?(scope: CounterScope, from: bigint, size: bigint): Promise<bigint>;
  close(): Promise<void>;
}

const done: Promise<void> = Promise.resolve();

/** A CounterStore in memory: durable for as long as the object lives (tests, simulations). */
export class MemoryCounterStore implements CounterStore {
  readonly #values = new Map<CounterScope, bigint>();

  get(scope: CounterScope): bigint {
    return this.#values.get(scope) ?? 0n;
  }

  advance(scope: CounterScope, value: bigint): Promise<void> | undefined {
    if (value > this.get(scope)) this.#values.set(scope, value);
    return undefined;
  }

  close(): Promise<void> {
    return done;
  }
}
