// The uplink state machine's decisions, per link profile, apart from the sockets that carry them out:
//
//   asleep ──(work: a sealed message waits)──► connecting ──ok──► online ──(done)──► asleep
//      ▲                                          │ fail              │ lost
//      └───────────── backoff (full jitter) ◄─────┴───────────────────┘
//
// `persistent` (wifi) has no asleep state: it connects at start and after every loss. `per-window`
// (cellular) connects only with work to do and goes to sleep when the window's work is done: the
// queue is empty (every message acknowledged) and no command is still being answered.
import type { LinkProfile } from './link-profile.ts';

export interface UplinkWork {
  /** Sealed messages waiting for the head-end's ack. */
  readonly queued: number;
  /** Commands received and not answered yet. */
  readonly commandsInProgress: number;
}

export class UplinkPolicy {
  readonly #persistent: boolean;

  constructor(profile: Pick<LinkProfile, 'connection'>) {
    this.#persistent = profile.connection === 'persistent';
  }

  /** Whether to connect now (at start, when a message is sealed, when a backoff delay ends). */
  shouldConnect(work: UplinkWork): boolean {
    return this.#persistent || work.queued > 0;
  }

  /** Whether an online link has finished its window and should say goodbye and sleep. */
  shouldSleep(work: UplinkWork): boolean {
    return !this.#persistent && work.queued === 0 && work.commandsInProgress === 0;
  }

  /** After a connection closed: retry with backoff, or it was asleep-by-design. */
  afterClose(work: UplinkWork): 'retry' | 'asleep' {
    return !this.#persistent && work.queued === 0 ? 'asleep' : 'retry';
  }
}
