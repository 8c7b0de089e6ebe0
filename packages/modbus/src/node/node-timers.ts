// The Timers port on Node's clock and timers, and a settle function that lets the simulated bus's
// scheduler drain every pending promise continuation between events.
import type { Timers } from '../timers.ts';

export const nodeTimers: Timers = {
  now: () => performance.now(),
  setTimeout: (callback, delayMs) => {
    const timer = setTimeout(callback, Math.max(0, delayMs));
    return { cancel: () => { clearTimeout(timer); } };
  },
};

/** For EventScheduler's `settle` option: resolves after the microtask queue has run dry. */
export function settleOnImmediate(): Promise<void> {
  return new Promise((resolve) => { setImmediate(resolve); });
}
