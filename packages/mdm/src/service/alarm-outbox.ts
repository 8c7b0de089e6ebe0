// Delivery of alarm transitions after they are committed: at once to in-process subscribers (the
// API's live feed), and to the notifiers (webhook, MQTT) from the store's transition log. Each
// notifier has its own queue (notifier-queue.ts): its own durable cursor and its own retry backoff,
// so one that fails neither holds back nor repeats to the others. A transition is marked notified
// once every notifier has it. Delivery is at least once and in order per notifier, across restarts.
import type { MeterStore } from '@phasewire/store';
import type { AlarmTransitionRecord } from '@phasewire/store';
import type { AlarmNotifier } from '../alarms/notification.ts';
import { alarmView, type AlarmView } from './alarm-records.ts';
import { defaultRetryBackoff, NotifierQueue, type RetryBackoff, type Schedule } from './notifier-queue.ts';

export interface AlarmFeedEvent {
  readonly alarm: AlarmView;
  /** The state the alarm left. */
  readonly from: string;
  /** ISO 8601 UTC time of the transition. */
  readonly at: string;
  readonly reason: string;
}

export type AlarmListener = (event: AlarmFeedEvent) => void;

export interface AlarmOutboxOptions {
  /** A failure that stops nothing (a subscriber, a notifier's try), with what was being done. */
  readonly onError: (error: unknown, context: string) => void;
  /** The real-time timer a notifier's retry waits on. */
  readonly schedule: Schedule;
  readonly backoff?: RetryBackoff;
}

export class AlarmOutbox {
  readonly #store: MeterStore;
  readonly #queues: readonly NotifierQueue[];
  readonly #listeners = new Set<AlarmListener>();
  readonly #onError: (error: unknown, context: string) => void;
  readonly #abort = new AbortController();
  readonly #rounds = new Set<Promise<number>>();

  constructor(store: MeterStore, notifiers: readonly AlarmNotifier[], options: AlarmOutboxOptions) {
    const names = new Set<string>();
    for (const notifier of notifiers) {
      if (names.has(notifier.name)) {
        throw new Error(`Cannot start the alarm outbox: two notifiers are named ${JSON.stringify(notifier.name)}; each needs its own `
          + `name (it keys its queue)`);
      }
      names.add(notifier.name);
    }
    this.#store = store;
    this.#onError = options.onError;
    const queues: NotifierQueue[] = [];
    for (const notifier of notifiers) {
      const queue: NotifierQueue = new NotifierQueue(notifier, {
        store, schedule: options.schedule, backoff: options.backoff ?? defaultRetryBackoff,
        signal: this.#abort.signal, onError: options.onError,
        retry: () => { void this.#runQueue(queue); },
      });
      queues.push(queue);
    }
    this.#queues = queues;
  }

  /** Each notifier's queue (its name, cursor, failures), for status and tests. */
  get queues(): readonly NotifierQueue[] {
    return this.#queues;
  }

  subscribe(listener: AlarmListener): () => void {
    this.#listeners.add(listener);
    return () => { this.#listeners.delete(listener); };
  }

  /** Tells the subscribers about committed transitions (a failing subscriber is reported, never stops the others). */
  publish(transitions: readonly AlarmTransitionRecord[]): void {
    for (const t of transitions) {
      const event: AlarmFeedEvent = { alarm: alarmView(t.alarm), from: t.from, at: new Date(t.at).toISOString(), reason: t.reason };
      for (const listener of this.#listeners) {
        try {
          listener(event);
        } catch (error) {
          this.#onError(error, 'a live alarm listener');
        }
      }
    }
  }

  /**
   * Runs every notifier's queue that is not waiting out a backoff; resolves to how many deliveries
   * were made in all. Without notifiers, the transitions are marked notified at once.
   */
  async flush(): Promise<number> {
    if (this.#abort.signal.aborted) return 0;
    if (this.#queues.length === 0) {
      await this.#track(this.#markEveryoneHad(Number.POSITIVE_INFINITY).then(() => 0), 'marking alarm transitions notified');
      return 0;
    }
    const counts = await Promise.all(this.#queues.map((queue) => this.#runQueue(queue)));
    return counts.reduce((a, b) => a + b, 0);
  }

  /**
   * Stops every queue at once: tries under way are aborted, retries cancelled. Nothing is lost: a
   * transition a notifier has not taken stays in its queue for the next start.
   */
  async close(): Promise<void> {
    this.#abort.abort(new Error('the alarm outbox is closing'));
    await Promise.all(this.#queues.map((queue) => queue.close()));
    await Promise.all(this.#rounds);
  }

  #runQueue(queue: NotifierQueue): Promise<number> {
    return this.#track((async () => {
      const delivered = await queue.run();
      if (delivered > 0) await this.#markEveryoneHad(Math.min(...this.#queues.map((q) => q.cursor ?? 0)));
      return delivered;
    })(), `delivering alarm notifications through ${queue.name}`);
  }

  /** Work that close() waits for; a failure (the store's) is reported, never thrown at a caller that did not wait. */
  #track(work: Promise<number>, what: string): Promise<number> {
    const round: Promise<number> = work.catch((error: unknown) => {
      this.#onError(error, what);
      return 0;
    }).finally(() => { this.#rounds.delete(round); });
    this.#rounds.add(round);
    return round;
  }

  /** Marks notified the transitions up to `upTo` (the lowest cursor): every notifier has them. */
  async #markEveryoneHad(upTo: number): Promise<void> {
    for (;;) {
      const pending = await this.#store.alarmTransitions({ unnotifiedOnly: true, limit: 100 });
      const had = pending.filter((t) => t.seq <= upTo).map((t) => t.seq);
      if (had.length > 0) await this.#store.markAlarmTransitionsNotified(had);
      if (had.length < 100) return;
    }
  }
}
