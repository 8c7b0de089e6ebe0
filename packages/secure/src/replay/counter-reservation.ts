// The sender's counter rule (security-anchors R12): counters are reserved in blocks and the
// block's high-water mark is written durably before any counter of it is used, so a crash at any
// point skips counters but never repeats one (NIST SP 800-38D §8.3: the invocation field must not
// repeat under one key). It refuses to go past the limit and says when rotation is due.
import { SecurityError, StoreError, ValidationError } from '@phasewire/core';
import { maxInvocationCounter } from '../envelope/envelope-format.ts';
import type { CounterScope, CounterStore } from './counter-store.ts';

export interface CounterReservationOptions {
  readonly store: CounterStore;
  /** Counters reserved per durable write; a crash skips at most this many. Default 1024. */
  readonly blockSize?: number;
  /** The largest counter that may be used under one key id. Default 2^64 − 1. */
  readonly limit?: bigint;
  /** From this counter on, rotation is due. Default: 15/16 of the limit. */
  readonly rotateAt?: bigint;
  /** Called once per scope and process when a counter at or above `rotateAt` is handed out. */
  readonly onRotationDue?: (scope: CounterScope, counter: bigint) => void;
}

interface ScopeState {
  /** The next counter to hand out. */
  next: bigint;
  /** The highest counter durably reserved in this run (0n: none yet). */
  reserved: bigint;
  pending: Promise<void> | undefined;
  rotationSignalled: boolean;
}

const defaultBlockSize = 1024;
const maxBlockSize = 1 << 20;

export class CounterReservation {
  readonly #store: CounterStore;
  readonly #blockSize: bigint;
  readonly #limit: bigint;
  readonly #rotateAt: bigint;
  readonly #onRotationDue: ((scope: CounterScope, counter: bigint) => void) | undefined;
  readonly #scopes = new Map<CounterScope, ScopeState>();

  constructor(options: CounterReservationOptions) {
    const blockSize = options.blockSize ?? defaultBlockSize;
    if (!Number.isInteger(blockSize) || blockSize < 1 || blockSize > maxBlockSize) {
      throw new ValidationError('PW_ERR_INVALID_ARGUMENT', `Cannot reserve counters in blocks of ${blockSize}: `
        + `expected an integer from 1 to ${maxBlockSize}`);
    }
    const limit = options.limit ?? maxInvocationCounter;
    if (limit < 1n || limit > maxInvocationCounter) {
      throw new ValidationError('PW_ERR_INVALID_ARGUMENT', `Cannot use counter limit ${limit}: expected 1 to ${maxInvocationCounter}`);
    }
    const rotateAt = options.rotateAt ?? limit - limit / 16n;
    if (rotateAt < 1n || rotateAt > limit) {
      throw new ValidationError('PW_ERR_INVALID_ARGUMENT', `Cannot signal rotation at counter ${rotateAt}: `
        + `expected 1 to the limit ${limit}`);
    }
    this.#store = options.store;
    this.#blockSize = BigInt(blockSize);
    this.#limit = limit;
    this.#rotateAt = rotateAt;
    this.#onRotationDue = options.onRotationDue;
  }

  /**
   * The next counter of `scope`: synchronous while the reserved block lasts, a promise when a new
   * block must be written first. Throws SecurityError PW_ERR_COUNTER_EXHAUSTED past the limit.
   */
  next(scope: CounterScope): bigint | Promise<bigint> {
    const state = this.#state(scope);
    if (state.next > this.#limit) {
      throw new SecurityError('PW_ERR_COUNTER_EXHAUSTED',
        `Cannot seal for ${scope}: the invocation counter reached its limit ${this.#limit}; rotate to a new key id`);
    }
    if (state.next <= state.reserved) return this.#take(scope, state);
    return this.#reserveThenTake(scope, state);
  }

  #state(scope: CounterScope): ScopeState {
    let state = this.#scopes.get(scope);
    if (state === undefined) {
      // Everything up to the stored high-water mark may have been used before a restart.
      state = { next: this.#store.get(scope) + 1n, reserved: 0n, pending: undefined, rotationSignalled: false };
      this.#scopes.set(scope, state);
    }
    return state;
  }

  #take(scope: CounterScope, state: ScopeState): bigint {
    const counter = state.next;
    state.next = counter + 1n;
    if (counter >= this.#rotateAt && !state.rotationSignalled) {
      state.rotationSignalled = true;
      this.#onRotationDue?.(scope, counter);
    }
    return counter;
  }

  async #reserveThenTake(scope: CounterScope, state: ScopeState): Promise<bigint> {
    for (;;) {
      if (state.next > this.#limit) {
        throw new SecurityError('PW_ERR_COUNTER_EXHAUSTED',
          `Cannot seal for ${scope}: the invocation counter reached its limit ${this.#limit}; rotate to a new key id`);
      }
      if (state.next <= state.reserved) return this.#take(scope, state);
      state.pending ??= this.#reserve(scope, state);
      await state.pending;
    }
  }

  async #reserve(scope: CounterScope, state: ScopeState): Promise<void> {
    const end = state.next + this.#blockSize - 1n;
    const high = end > this.#limit ? this.#limit : end;
    try {
      if (this.#store.reserve === undefined) {
        await this.#store.advance(scope, high);
        state.reserved = high;
      } else {
        // Shared by other senders: the store says which block is ours (it may start past state.next).
        const last = await this.#store.reserve(scope, state.next, this.#blockSize);
        const first = last - this.#blockSize + 1n;
        if (first > state.next) state.next = first;
        state.reserved = last > this.#limit ? this.#limit : last;
      }
    } catch (error) {
      throw error instanceof StoreError ? error
        : new StoreError('PW_ERR_COUNTER_STORE', `Cannot reserve counters up to ${high} for ${scope}: the counter store failed`,
          { cause: error });
    } finally {
      state.pending = undefined;
    }
  }
}
