// A discrete-event scheduler in simulated time: the Timers port for code that runs on the
// simulated bus. Events fire in time order (ties in the order they were scheduled); between two
// events the scheduler lets promise continuations run, so async code written against ModbusClient
// (await a read, then issue the next) behaves as it would on a real port, only much faster: time
// jumps from event to event instead of passing.
import { ValidationError } from '@phasewire/core';
import type { TimerHandle, Timers } from '../timers.ts';

interface ScheduledEvent {
  readonly at: number;
  readonly seq: number;
  readonly callback: () => void;
  cancelled: boolean;
}

export interface EventSchedulerOptions {
  /** Simulated start time in ms (0 by default). */
  readonly start?: number;
  /**
   * Lets pending promise continuations run after each event. The default yields to the microtask
   * queue a fixed number of times, which covers await chains this many deep; a Node caller may pass
   * `() => new Promise((resolve) => setImmediate(resolve))` to drain it completely.
   */
  readonly settle?: () => Promise<void>;
}

/** Microtask turns given to promise continuations after each event. */
const SETTLE_TURNS = 16;

const resolved = Promise.resolve();

/** Resolves after SETTLE_TURNS trips through the microtask queue. */
function yieldMicrotasks(): Promise<void> {
  return new Promise((resolve) => {
    let turns = SETTLE_TURNS;
    const step = (): void => {
      turns -= 1;
      if (turns <= 0) resolve();
      else void resolved.then(step);
    };
    void resolved.then(step);
  });
}

export class EventScheduler implements Timers {
  #now: number;
  #seq = 0;
  readonly #heap: ScheduledEvent[] = [];
  readonly #settle: () => Promise<void>;
  #running = false;
  #fired = 0;

  constructor(options: EventSchedulerOptions = {}) {
    this.#now = options.start ?? 0;
    this.#settle = options.settle ?? yieldMicrotasks;
  }

  now(): number {
    return this.#now;
  }

  /** Events fired so far. */
  get fired(): number {
    return this.#fired;
  }

  /** Events waiting (cancelled ones included until they reach the top). */
  get pending(): number {
    return this.#heap.length;
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    const event: ScheduledEvent = { at: this.#now + Math.max(0, Number.isFinite(delayMs) ? delayMs : 0), seq: this.#seq++, callback,
      cancelled: false };
    this.#push(event);
    return { cancel: () => { event.cancelled = true; } };
  }

  /** Runs every event up to and including time `until`, then sets the clock to `until`. */
  async runUntil(until: number): Promise<void> {
    if (this.#running) throw new ValidationError('PW_ERR_INVALID_ARGUMENT', 'Cannot run the event scheduler: it is already running');
    this.#running = true;
    try {
      await this.#settle();
      for (;;) {
        const next = this.#heap[0];
        if (next === undefined || next.at > until) break;
        this.#pop();
        if (next.cancelled) continue;
        this.#now = next.at;
        this.#fired++;
        next.callback();
        await this.#settle();
      }
      this.#now = Math.max(this.#now, until);
    } finally {
      this.#running = false;
    }
  }

  runFor(durationMs: number): Promise<void> {
    return this.runUntil(this.#now + durationMs);
  }

  /** Runs until `promise` settles (or `limitMs` of simulated time pass), and returns its outcome. */
  async runUntilSettled<T>(promise: Promise<T>, limitMs = 3_600_000): Promise<T> {
    const state = { done: false };
    const watched = promise.finally(() => { state.done = true; });
    watched.catch(() => undefined);
    const deadline = this.#now + limitMs;
    while (!state.done && this.#now < deadline) {
      const next = this.#heap[0];
      await this.runUntil(next === undefined ? deadline : Math.min(next.at, deadline));
    }
    return watched;
  }

  #push(event: ScheduledEvent): void {
    const heap = this.#heap;
    heap.push(event);
    let index = heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const above = heap[parent];
      if (above === undefined || !before(event, above)) break;
      heap[index] = above;
      index = parent;
    }
    heap[index] = event;
  }

  #pop(): void {
    const heap = this.#heap;
    const last = heap.pop();
    if (last === undefined || heap.length === 0) return;
    let index = 0;
    for (;;) {
      const left = index * 2 + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const leftEvent = heap[left];
      const rightEvent = heap[right];
      if (leftEvent === undefined) break;
      const child = rightEvent !== undefined && before(rightEvent, leftEvent) ? right : left;
      const childEvent = heap[child];
      if (childEvent === undefined || !before(childEvent, last)) break;
      heap[index] = childEvent;
      index = child;
    }
    heap[index] = last;
  }
}

function before(a: ScheduledEvent, b: ScheduledEvent): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
