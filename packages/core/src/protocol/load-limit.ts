// Load limiting: a demand (total active power) or current limit the head-end sets on a meter with a
// load relay, in a sealed `load-limit` command (command.ts). The meter opens its relay by itself once
// the load stays above the limit for the delay, and reconnects only by the reconnect policy
// (docs/protection.md, "Load limiting"). This schema is the limit's one definition; the table in
// docs/protection.md is generated from it (`npm run gen:docs`).
import { Type, type Static } from 'typebox';
import { assertSchema, problemMessage } from '../schema/index.ts';
import { ValidationError } from '../errors.ts';

export const LoadLimitSchema = Type.Object({
  version: Type.Integer({ minimum: 1, maximum: 2 ** 31 - 1, description: 'limit version: a meter takes only a higher one than it has' }),
  current: Type.Optional(Type.Number({
    exclusiveMinimum: 0, maximum: 1e5, description: 'highest line current allowed, A (absent: current not limited)',
  })),
  demand: Type.Optional(Type.Number({
    exclusiveMinimum: 0, maximum: 1e9, description: 'total active power (demand) allowed, W (absent: demand not limited)',
  })),
  delayMs: Type.Optional(Type.Integer({
    minimum: 0, maximum: 86_400_000, default: 60_000, description: 'time the load stays above a limit before the relay opens, ms',
  })),
}, { additionalProperties: false, description: 'load limit: neither current nor demand switches limiting off' });

export type LoadLimitInput = Static<typeof LoadLimitSchema>;

export interface LoadLimit {
  readonly version: number;
  readonly current?: number;
  readonly demand?: number;
  readonly delayMs: number;
}

/** Checks a load limit against the schema (PW_ERR_LOAD_LIMIT naming the field) and fills in the default delay. */
export function parseLoadLimit(value: unknown, what = 'the load limit'): LoadLimit {
  assertSchema(LoadLimitSchema, value, (problem) => {
    throw new ValidationError('PW_ERR_LOAD_LIMIT', `Cannot use ${what}: ${problemMessage(problem)}`);
  });
  const { version, current, demand, delayMs } = value;
  const limits = { ...(current === undefined ? {} : { current }), ...(demand === undefined ? {} : { demand }) };
  return { version, ...limits, delayMs: delayMs ?? 60_000 };
}

/** Whether a limit limits anything. */
export const limitsLoad = (limit: LoadLimit | undefined): limit is LoadLimit => limit?.current !== undefined || limit?.demand !== undefined;
