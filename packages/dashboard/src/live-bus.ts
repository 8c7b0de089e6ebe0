// Fans the one live connection out to the views on screen, with its connection state.
import type { LiveMessage } from '@phasewire/api';

export type LiveListener = (message: LiveMessage) => void;
export type StatusListener = (connected: boolean) => void;

export class LiveBus {
  readonly #listeners = new Set<LiveListener>();
  readonly #status = new Set<StatusListener>();
  readonly #ended = new Set<(reason: string) => void>();
  #connected = false;

  get connected(): boolean {
    return this.#connected;
  }

  on(listener: LiveListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  onStatus(listener: StatusListener): () => void {
    this.#status.add(listener);
    return () => {
      this.#status.delete(listener);
    };
  }

  /** Called when the server ends the feed because the session ended (the shell signs out). */
  onSessionEnded(listener: (reason: string) => void): () => void {
    this.#ended.add(listener);
    return () => {
      this.#ended.delete(listener);
    };
  }

  sessionEnded(reason: string): void {
    for (const listener of this.#ended) listener(reason);
  }

  emit(message: LiveMessage): void {
    for (const listener of this.#listeners) listener(message);
  }

  setStatus(connected: boolean): void {
    this.#connected = connected;
    for (const listener of this.#status) listener(connected);
  }
}
