// Errors as the API answers them: `{ error: { code, message, field? } }` with a status from the
// code. A PhasewireError raised deeper down keeps its code; a ValidationError becomes 400, an
// unexpected error 500 with no detail (the cause goes to the log, never to the client).
import { PhasewireError, SecurityError, ValidationError } from '@phasewire/core';
import type { ErrorCode } from '@phasewire/core';
import type { ErrorBody } from './dto.ts';

const statusOfCode: Partial<Record<ErrorCode, number>> = {
  PW_ERR_API_INVALID_REQUEST: 400,
  PW_ERR_API_UNAUTHENTICATED: 401,
  PW_ERR_API_FORBIDDEN: 403,
  PW_ERR_API_CSRF: 403,
  PW_ERR_API_ORIGIN: 403,
  PW_ERR_API_NOT_FOUND: 404,
  PW_ERR_API_CONFLICT: 409,
  PW_ERR_ALARM_TRANSITION: 409,
  PW_ERR_ALARM_NOT_FOUND: 404,
  PW_ERR_API_BODY_TOO_LARGE: 413,
  PW_ERR_BILLING_NOT_FOUND: 404,
  PW_ERR_CAMPAIGN_NOT_FOUND: 404,
  PW_ERR_CAMPAIGN_STATE: 409,
  PW_ERR_BILLING_OVERLAP: 409,
  PW_ERR_BILLING_IMMUTABLE: 409,
  PW_ERR_API_RATE_LIMITED: 429,
};

/**
 * An API refusal that names the request field it is about (a JSON pointer such as /body/serial); a
 * rule deeper down that refused the field keeps its own code.
 */
export class ApiFieldError extends ValidationError {
  readonly field: string;

  constructor(field: string, message: string, code: ErrorCode = 'PW_ERR_API_INVALID_REQUEST', options?: ErrorOptions) {
    super(code, message, options);
    this.field = field;
  }
}

export const notFound = (what: string): ValidationError =>
  new ValidationError('PW_ERR_API_NOT_FOUND', `Cannot find ${what}: it does not exist or belongs to another tenant`);
export const unauthenticated = (why: string): SecurityError => new SecurityError('PW_ERR_API_UNAUTHENTICATED', `Not signed in: ${why}`);
export const forbidden = (why: string): SecurityError => new SecurityError('PW_ERR_API_FORBIDDEN', `Not allowed: ${why}`);
export const conflict = (why: string): ValidationError => new ValidationError('PW_ERR_API_CONFLICT', why);

export interface ApiErrorAnswer {
  readonly status: number;
  readonly body: ErrorBody;
}

/** The status and body for an error thrown while serving a request. */
export function answerFor(error: unknown): ApiErrorAnswer {
  if (error instanceof PhasewireError) {
    const status = statusOfCode[error.code] ?? (error instanceof ValidationError ? 400 : 500);
    if (status === 500) return internal();
    const field = error instanceof ApiFieldError ? { field: error.field } : {};
    return { status, body: { error: { code: error.code, message: error.message, ...field } } };
  }
  return internal();
}

const internal = (): ApiErrorAnswer => ({
  status: 500,
  body: { error: { code: 'PW_ERR_API_INTERNAL', message: 'The request failed inside the server; the server log has the cause' } },
});

/** One schema-validation failure as Fastify (Ajv) reports it. */
export interface SchemaIssue {
  readonly instancePath: string;
  readonly keyword: string;
  readonly message?: string | undefined;
  readonly params: Readonly<Record<string, unknown>>;
}

/** The 400 for a request outside its schema: names the field as `/body/serial`, `/querystring/limit`. */
export function schemaRefusal(context: string, issues: readonly SchemaIssue[]): ApiFieldError {
  const first = issues[0];
  if (first === undefined) return new ApiFieldError(`/${context}`, `Cannot accept the request ${context}: it does not match the schema`);
  const missing = first.params['missingProperty'];
  const extra = first.params['additionalProperty'];
  const path = typeof missing === 'string' ? `${first.instancePath}/${missing}`
    : typeof extra === 'string' ? `${first.instancePath}/${extra}` : first.instancePath;
  const field = `/${context}${path}`;
  const problem = typeof missing === 'string' ? 'is required but missing' : first.message ?? 'is not valid';
  return new ApiFieldError(field, `Cannot accept the request: ${field.slice(1).replaceAll('/', '.')} ${problem}`);
}

/** A 429: too many requests or sign-in attempts; `retryAfterSeconds` goes into Retry-After. */
export class RateLimitedError extends SecurityError {
  readonly retryAfterSeconds: number;

  constructor(what: string, retryAfterSeconds: number) {
    super('PW_ERR_API_RATE_LIMITED', `Too many ${what}: try again in ${retryAfterSeconds} s`);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
