// The API's answers to errors, the framework's own included: a URL that is not valid percent-
// encoding, a body that does not parse or is too large, a content type the API does not take, a
// request that is not well-formed HTTP. Each gets the project's `{ error: { code, message, field? } }`
// and the security headers, like every other answer; a 500 says nothing to the client and logs its
// cause (method, path without the query, the error's stack and causes: never headers or body, which
// may carry passwords, cookies or tokens).
import type { Socket } from 'node:net';
import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { PhasewireError } from '@phasewire/core';
import { answerFor } from '../api-errors.ts';
import type { ApiErrorAnswer } from '../api-errors.ts';
import { securityHeaders, securityHeadersOf } from '../security-headers.ts';

/** Where the API's failures go (the server's log; HeadEndLog and pino fit it). */
export type ApiLog = (event: { readonly level: 'warn' | 'error'; readonly msg: string }) => void;

/** By default a failure goes to standard error: a 500 is never silent. */
export const stderrApiLog: ApiLog = (event) => { process.stderr.write(`${new Date().toISOString()} ${event.level} ${event.msg}\n`); };

const refusal = (
  status: number,
  code: 'PW_ERR_API_INVALID_REQUEST' | 'PW_ERR_API_BODY_TOO_LARGE',
  field: string,
  message: string,
): ApiErrorAnswer =>
  ({ status, body: { error: { code, message, field } } });

/**
 * The answer to a 4xx the framework raised itself (parsing, routing, limits); undefined for any
 * other error, which `answerFor` answers.
 */
export function frameworkAnswer(error: FastifyError, bodyLimitBytes: number): ApiErrorAnswer | undefined {
  const status = error.statusCode;
  if (error instanceof PhasewireError || typeof status !== 'number' || status < 400 || status >= 500) return undefined;
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return refusal(413, 'PW_ERR_API_BODY_TOO_LARGE', '/body',
        `Cannot accept the request: the body is larger than ${bodyLimitBytes} bytes`);
    case 'FST_ERR_BAD_URL':
      return refusal(400, 'PW_ERR_API_INVALID_REQUEST', '/url',
        'Cannot read the request: its URL path is not valid percent-encoding; expected %XX with two hex digits (RFC 3986 §2.1)');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return refusal(415, 'PW_ERR_API_INVALID_REQUEST', '/headers/content-type',
        'Cannot accept the request: the API does not take its content type; expected application/json');
    default:
      return refusal(status, 'PW_ERR_API_INVALID_REQUEST', '/body', `Cannot accept the request: ${error.message}`);
  }
}

/** The error and its causes, with their stacks, as log text. */
function describeFailure(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== undefined; depth++) {
    parts.push(current instanceof Error ? current.stack ?? `${current.name}: ${current.message}` : `a thrown ${typeof current}`);
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join('\ncaused by: ');
}

/** Logs a request that failed inside the server (a 500), with its cause. */
export function logFailure(log: ApiLog, request: Pick<FastifyRequest, 'method' | 'url'>, error: unknown): void {
  const path = request.url.split('?', 1)[0] ?? '';
  log({ level: 'error', msg: `API: ${request.method} ${path} answered 500: ${describeFailure(error)}` });
}

/** Sends an error answer with the security headers, also where the framework runs no onSend hook. */
export function sendError(reply: FastifyReply, url: string, answer: ApiErrorAnswer): FastifyReply {
  return reply.headers({ ...securityHeaders(url), 'cache-control': 'no-store' }).code(answer.status).type('application/json; charset=utf-8')
    .send(answer.body);
}

/**
 * Fastify's `frameworkErrors`: the errors met before a route is found (a bad URL, a path parameter
 * too long, a failing route constraint), which no hook of the server sees.
 */
export function frameworkErrors(bodyLimitBytes: number, log: ApiLog) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    const answer = frameworkAnswer(error, bodyLimitBytes) ?? answerFor(error);
    if (answer.status >= 500) logFailure(log, request, error);
    void sendError(reply, request.url, answer);
  };
}

/**
 * Fastify's `clientErrorHandler`: bytes that are not an HTTP/1.1 request (or arrive too slowly, or
 * with too many headers) get a JSON answer with the security headers, then the connection closes.
 */
export function clientErrorAnswer(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, message] = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'Cannot read the request: it did not arrive in time']
    : error.code === 'HPE_HEADER_OVERFLOW' ? [431, 'Cannot read the request: its headers are larger than the server takes']
      : [400, 'Cannot read the request: it is not well-formed HTTP/1.1 (RFC 9112)'];
  const body = JSON.stringify({ error: { code: 'PW_ERR_API_INVALID_REQUEST', message } });
  const headers = { ...securityHeadersOf('api'), 'cache-control': 'no-store', 'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)), connection: 'close' };
  if (!socket.writable) { socket.destroy(); return; }
  // end, not destroy: a TLS socket destroyed at once may drop the answer still queued in it.
  socket.end(`HTTP/1.1 ${status} `
    + `${STATUS_CODES[status] ?? ''}\r\n${Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('')}\r\n${body}`);
}
