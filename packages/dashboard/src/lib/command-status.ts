// A command's answer as the operator sees it. The API answers `pending` when the meter has not
// answered within its wait (30 s: a cellular meter asleep, a slow link): that is no failure, the
// head-end records the answer whenever it comes. The page shows it as waiting, in a neutral style,
// and asks `GET /api/v1/meters/{id}/commands/{command}` again, less often as time goes on, until the
// final answer (done, failed, timeout), which it then shows in its own style.
import type { CommandResult } from '@phasewire/api';

export type CommandTone = 'ok' | 'waiting' | 'error';

/** The style of an answer: done is ok, pending is waiting (neutral), failed and timeout are errors. */
export function commandTone(status: CommandResult['status']): CommandTone {
  if (status === 'done') return 'ok';
  return status === 'pending' ? 'waiting' : 'error';
}

/** The words shown with the status. */
export function commandText(result: CommandResult): string {
  const reason = result.reason === undefined ? '' : ` (${result.reason})`;
  if (result.status !== 'pending') return `${result.kind}: ${result.status}${reason}`;
  return `${result.kind}: pending, waiting for the meter's answer (a sleeping meter answers when it wakes)${reason}`;
}

const firstPollMs = 2_000;
const maxPollMs = 30_000;

/** How long to wait before the `attempt`-th look (0-based): 2 s, then half as long again each time, at most 30 s. */
export function pollDelay(attempt: number): number {
  return Math.min(maxPollMs, Math.round(firstPollMs * 1.5 ** attempt));
}

export interface FollowOptions {
  /** GET of the command. */
  readonly get: () => Promise<CommandResult>;
  /** Waits `ms` (setTimeout in the page; a test passes its own). */
  readonly sleep: (ms: number) => Promise<void>;
  /** True once the page no longer shows the command (the view left): the following stops. */
  readonly stopped: () => boolean;
  /** Every answer read, pending ones included. */
  readonly onResult: (result: CommandResult) => void;
}

/**
 * Whether a failed request would fail the same way if asked again: the API refused it (401: the
 * session ended; 403; 404: no such command of this meter), as opposed to the network, a restarted
 * server (5xx), a timeout (408) or a rate limit (429).
 */
export function refusedForGood(error: unknown): boolean {
  const status = typeof error === 'object' && error !== null && 'status' in error ? error.status : undefined;
  return typeof status === 'number' && status >= 400 && status < 500 && status !== 408 && status !== 429;
}

/**
 * Asks for a pending command until its answer is final, and resolves with it; undefined when the
 * following stopped first. A failed request (the network, a restarted server) is asked again at
 * the next delay: the answer is still coming. A request the API refuses for good (refusedForGood)
 * rejects with that refusal: asked every 30 s for as long as the page is open, it showed the
 * command as waiting for ever.
 */
export async function followCommand(first: CommandResult, options: FollowOptions): Promise<CommandResult | undefined> {
  let result = first;
  for (let attempt = 0; result.status === 'pending'; attempt++) {
    await options.sleep(pollDelay(attempt));
    if (options.stopped()) return undefined;
    try {
      result = await options.get();
    } catch (error) {
      if (refusedForGood(error) && !options.stopped()) throw error;
      continue;
    }
    if (options.stopped()) return undefined;
    options.onResult(result);
  }
  return result;
}
