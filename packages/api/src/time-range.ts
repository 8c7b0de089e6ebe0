// Time ranges from query strings: ISO-8601 `from`/`to`, defaulting to the last day, bounded so
// that one request cannot ask for an unbounded amount of data.
import type { TimeRange } from '@phasewire/store';
import { ApiFieldError } from './api-errors.ts';

const parseTime = (field: string, text: string): number => {
  const ms = Date.parse(text);
  if (!Number.isFinite(ms))
    throw new ApiFieldError(`/querystring/${field}`,
      `Cannot accept the request: querystring.${field} ${JSON.stringify(text)} is not an ISO-8601 time`);
  return ms;
};

export interface RangeRules {
  readonly now: number;
  /** Span when `from` is absent. */
  readonly defaultSpanMs: number;
  readonly maxSpanMs: number;
}

export function parseRange(query: { from?: string | undefined; to?: string | undefined }, rules: RangeRules): TimeRange {
  const to = query.to === undefined ? rules.now : parseTime('to', query.to);
  const from = query.from === undefined ? to - rules.defaultSpanMs : parseTime('from', query.from);
  if (to < from)
    throw new ApiFieldError('/querystring/to',
      `Cannot accept the request: querystring.to (${query.to ?? 'now'}) is before querystring.from (${query.from ?? ''})`);
  if (to - from > rules.maxSpanMs) {
    throw new ApiFieldError('/querystring/from',
      `Cannot accept the request: querystring.from gives a range from ${new Date(from).toISOString()} to ${new Date(to).toISOString()} is `
      + `longer than ${Math.round(rules.maxSpanMs / 86_400_000)} days; ask for less`);
  }
  return { from, to };
}
