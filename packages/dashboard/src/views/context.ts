// What every view gets from the app shell.
import type { ApiClient } from '../api/client.ts';
import type { LiveFeed } from '../api/live.ts';
import type { Session } from '@phasewire/api';
import type { LiveBus } from '../live-bus.ts';

export interface AppContext {
  readonly api: ApiClient;
  readonly bus: LiveBus;
  readonly feed: LiveFeed;
  readonly session: Session;
  /** Says something to screen-reader users through the page's polite live region. */
  readonly announce: (text: string) => void;
}

/** The message of an error for display. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A text field of a submitted form ('' when absent or a file). */
export function fieldText(form: FormData, name: string): string {
  const value = form.get(name);
  return typeof value === 'string' ? value : '';
}
