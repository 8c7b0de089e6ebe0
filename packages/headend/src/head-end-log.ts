// A small logging port for the head-end (pino fits it: `(event) => logger[event.level](event, event.msg)`).
// Refusals under attack come by the thousand per second, so they are sampled: the first ten of each
// (device, reason) and then every power of two, with the running count in the event.
export interface HeadEndEvent {
  readonly level: 'info' | 'warn' | 'error';
  readonly msg: string;
  readonly device?: string;
  readonly reason?: string;
  readonly code?: string;
  readonly count?: number;
}

export type HeadEndLog = (event: HeadEndEvent) => void;

export const silentLog: HeadEndLog = () => undefined;

/** Whether the n-th refusal of a kind is logged. */
export function sampled(n: number): boolean {
  return n <= 10 || (n & (n - 1)) === 0;
}
