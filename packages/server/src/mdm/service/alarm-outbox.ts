// Delivery of alarm transitions after they are committed: at once to in-process subscribers (the
// API's live feed), and to the notifiers (webhook, MQTT) from the store's outbox, oldest first, each
// marked notified only when every notifier took it. A notifier that fails stops the round; the
// next round (after the next run or acknowledgement) starts again from the oldest undelivered one,
// so delivery is at least once and in order, across restarts too.
import type { MeterStore } from '../../store/meter-store.ts';
import type { AlarmTransitionRecord } from '../../store/mdm-state.ts';
import type { AlarmNotifier } from '../alarms/notification.ts';
import { alarmView, notificationOfRecord, type AlarmView } from './alarm-records.ts';

export interface AlarmFeedEvent {
  readonly alarm: AlarmView;
  /** The state the alarm left. */
  readonly from: string;
  /** ISO 8601 UTC time of the transition. */
  readonly at: string;
  readonly reason: string;
}

export type AlarmListener = (event: AlarmFeedEvent) => void;

export class AlarmOutbox {
  readonly #store: MeterStore;
  readonly #notifiers: readonly AlarmNotifier[];
  readonly #listeners = new Set<AlarmListener>();
  readonly #onError: (error: unknown) => void;
  #flushing: Promise<number> | undefined;
  #again = false;

  constructor(store: MeterStore, notifiers: readonly AlarmNotifier[], onError: (error: unknown) => void) {
    this.#store = store;
    this.#notifiers = notifiers;
    this.#onError = onError;
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
          this.#onError(error);
        }
      }
    }
  }

  /** Delivers the undelivered transitions to the notifiers; resolves to how many were delivered. */
  flush(): Promise<number> {
    if (this.#flushing !== undefined) {
      this.#again = true;
      return this.#flushing;
    }
    this.#flushing = this.#deliver().finally(() => { this.#flushing = undefined; });
    return this.#flushing;
  }

  /** Whether a flush was asked for while this one ran (read through a method: the loop changes it across awaits). */
  #askedAgain(): boolean {
    return this.#again;
  }

  async #deliver(): Promise<number> {
    let delivered = 0;
    do {
      this.#again = false;
      for (;;) {
        const pending = await this.#store.alarmTransitions({ unnotifiedOnly: true, limit: 100 });
        if (pending.length === 0) break;
        for (const t of pending) {
          try {
            for (const notifier of this.#notifiers) await notifier.notify(notificationOfRecord(t));
          } catch (error) {
            this.#onError(error);
            return delivered;
          }
          await this.#store.markAlarmTransitionsNotified([t.seq]);
          delivered++;
        }
      }
    } while (this.#askedAgain());
    return delivered;
  }
}
