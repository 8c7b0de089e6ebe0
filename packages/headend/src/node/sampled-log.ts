// The head-end log for events that come in floods (headend/log-sampler.ts): the first of each kind
// in full, then one line per interval with the count of the rest. The timer does not keep the
// process alive; `close` writes what is still counted.
import type { Clock } from '@phasewire/core';
import { LogSampler } from '../log-sampler.ts';
import type { HeadEndEvent, HeadEndLog } from '../head-end-log.ts';

/** Summary lines are written this often (docs/head-end.md, "Logs under attack"). */
export const defaultSampleIntervalMs = 60_000;

export interface SampledLog {
  /** Logs `event` if it is the first of its kind (`key`) for a while, else counts it. */
  (key: string, event: HeadEndEvent): void;
  /** Writes the pending counts and stops the timer. */
  close(): void;
}

export function sampledLog(log: HeadEndLog, clock: Clock, intervalMs = defaultSampleIntervalMs): SampledLog {
  const sampler = new LogSampler(intervalMs);
  const firsts = new Map<string, HeadEndEvent>();
  const flush = (): void => {
    for (const summary of sampler.flush()) {
      const first = firsts.get(summary.key);
      if (first === undefined) continue;
      log({
        ...first,
        msg: `${summary.count} more since ${new Date(summary.since).toISOString()} like: ${first.msg}`,
        count: summary.count,
      });
    }
    for (const key of firsts.keys()) if (!sampler.has(key)) firsts.delete(key);
  };
  const timer = setInterval(flush, intervalMs);
  timer.unref();
  const write = (key: string, event: HeadEndEvent): void => {
    if (!sampler.record(key, clock.now())) return;
    firsts.set(key, event);
    log(event);
  };
  return Object.assign(write, {
    close(): void {
      clearInterval(timer);
      flush();
    },
  });
}
