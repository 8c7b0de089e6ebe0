// The time port of the transports: a monotonic clock and one-shot timers. Pure code takes time
// only through it, so the same RTU master runs on a real serial port (Node timers, src/node/) and
// on the simulated bus (the discrete-event scheduler of ./sim/), where an hour passes in seconds.

export interface TimerHandle {
  cancel(): void;
}

export interface Timers {
  /** Monotonic milliseconds (fractions allowed: a character at 115200 baud is 0.095 ms). */
  now(): number;
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
}
