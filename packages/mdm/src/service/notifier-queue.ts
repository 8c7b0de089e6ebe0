// One notifier's queue in the outbox: its own cursor in the store's transition log (the last seq it
// delivered), its own retry state. It delivers oldest first and moves its cursor only after the
// notifier took a transition, so delivery is at least once and in order, across restarts too. When
// the notifier fails, the queue waits out a backoff (in real time, on the injected scheduler) and
// ignores the rounds asked for meanwhile: a notifier that is down is tried, and reported, ever less
// often, and never holds back the others.
import type { MeterStore } from '@phasewire/store';
import type { AlarmNotifier } from '../alarms/notification.ts';
import { notificationOfRecord } from './alarm-records.ts';

export interface RetryBackoff {
  /** Wait after the first failure, ms. */
  readonly initialMs: number;
  readonly factor: number;
  readonly maxMs: number;
}

/** 1 s, 2 s, 4 s … at most 5 min between tries of a notifier that keeps failing. */
export const defaultRetryBackoff: RetryBackoff = { initialMs: 1_000, factor: 2, maxMs: 300_000 };

/** Runs `task` once after `ms` of real time; returns what cancels it. */
export type Schedule = (ms: number, task: () => void) => () => void;

export interface NotifierQueueDeps {
  readonly store: MeterStore;
  readonly schedule: Schedule;
  readonly backoff: RetryBackoff;
  readonly signal: AbortSignal;
  /** A failed try, with what was being done and when the next one is. */
  readonly onError: (error: unknown, context: string) => void;
  /** Called when the backoff is over: the owner runs the queue again. */
  readonly retry: () => void;
}

export class NotifierQueue {
  readonly #notifier: AlarmNotifier;
  readonly #deps: NotifierQueueDeps;
  #cursor: number | undefined;
  #running: Promise<number> | undefined;
  #again = false;
  #failures = 0;
  #cancelRetry: (() => void) | undefined;
  #closed = false;

  constructor(notifier: AlarmNotifier, deps: NotifierQueueDeps) {
    this.#notifier = notifier;
    this.#deps = deps;
  }

  get name(): string {
    return this.#notifier.name;
  }

  /** The seq of the last transition delivered; undefined before the first round read it. */
  get cursor(): number | undefined {
    return this.#cursor;
  }

  /** Failed tries since the last delivery. */
  get failures(): number {
    return this.#failures;
  }

  /** Whether the queue waits out a backoff (rounds asked for now deliver nothing). */
  get waiting(): boolean {
    return this.#cancelRetry !== undefined;
  }

  /** Delivers what the notifier has not had yet; resolves to how many it took. */
  run(): Promise<number> {
    if (this.#closed || this.waiting) return Promise.resolve(0);
    if (this.#running !== undefined) {
      this.#again = true;
      return this.#running;
    }
    this.#running = this.#deliver().finally(() => { this.#running = undefined; });
    return this.#running;
  }

  /** Stops: no more rounds or retries; resolves when the round under way (aborted by the owner's signal) has ended. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#cancelRetry?.();
    this.#cancelRetry = undefined;
    await this.#running?.catch(() => 0);
  }

  /** Read through a method: the flags change across awaits, which type narrowing does not see. */
  #stopped(): boolean {
    return this.#closed;
  }

  #askedAgain(): boolean {
    return this.#again && !this.#closed;
  }

  async #deliver(): Promise<number> {
    const { store } = this.#deps;
    let delivered = 0;
    do {
      this.#again = false;
      this.#cursor ??= await store.notifierCursor(this.name);
      for (;;) {
        const pending = await store.alarmTransitions({ afterSeq: this.#cursor, limit: 100 });
        if (pending.length === 0) break;
        for (const t of pending) {
          if (this.#stopped()) return delivered;
          try {
            await this.#notifier.notify(notificationOfRecord(t), { seq: t.seq, signal: this.#deps.signal });
          } catch (error) {
            if (!this.#stopped()) this.#retryLater(error, t.seq);
            return delivered;
          }
          this.#failures = 0;
          await store.advanceNotifierCursor(this.name, t.seq);
          this.#cursor = t.seq;
          delivered++;
        }
      }
    } while (this.#askedAgain());
    return delivered;
  }

  #retryLater(error: unknown, seq: number): void {
    this.#failures++;
    const { initialMs, factor, maxMs } = this.#deps.backoff;
    const delay = Math.min(maxMs, initialMs * factor ** (this.#failures - 1));
    this.#cancelRetry = this.#deps.schedule(delay, () => {
      this.#cancelRetry = undefined;
      this.#deps.retry();
    });
    const next = `failure ${this.#failures} in a row; next try in ${delay / 1000} s, the other notifiers go on`;
    this.#deps.onError(error, `delivering alarm transition ${seq} through ${this.name} (${next})`);
  }
}
