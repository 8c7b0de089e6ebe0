// The receiver's replay rule (SECURITY.md, payload; security-anchors R11): per (device, direction,
// key id) only a counter strictly above the last accepted one is accepted, and the new value is
// recorded durably before the message is handed on. There is no reordering window: an older
// counter is refused like a replayed one, and nothing switches the check off.
import { SecurityError } from '@phasewire/core';
import type { CounterScope, CounterStore } from './counter-store.ts';

export class ReplayWindow {
  readonly #store: CounterStore;

  constructor(store: CounterStore) {
    this.#store = store;
  }

  /** The last accepted counter of the scope (0n before the first). */
  last(scope: CounterScope): bigint {
    return this.#store.get(scope);
  }

  /** Throws SecurityError PW_ERR_REPLAY when `counter` is not above the last accepted one. */
  check(scope: CounterScope, counter: bigint): void {
    const last = this.#store.get(scope);
    if (counter <= last) {
      throw new SecurityError('PW_ERR_REPLAY',
        `Cannot accept payload envelope for ${scope}: counter ${counter} is not above the last accepted counter ${last}`);
    }
  }

  /**
   * Checks again (the caller may have awaited since its first check) and records `counter` as the
   * last accepted. The check and the in-memory update happen in the same turn, so of two copies of
   * one message only one passes; the promise resolves once the new value is durable (undefined:
   * durable already).
   */
  accept(scope: CounterScope, counter: bigint): Promise<void> | undefined {
    this.check(scope, counter);
    return this.#store.advance(scope, counter);
  }
}
