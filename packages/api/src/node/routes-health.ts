// The operations endpoints, outside /api and outside its sessions (docs/operations.md): /healthz
// (the process answers), /readyz (each readiness check, 503 while one fails) and /metrics (the
// Prometheus text, for a scrape token or, without one, for loopback clients only). Probes send no
// credentials, so what /readyz says must not help an attacker: the checks' names and states and a
// detail that names no secret.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { constantTimeEqual } from '@phasewire/secure';
import type { ApiInstance } from './api-context.ts';
import type { OperationsPort } from '../ports.ts';

export const operationsPaths = ['/healthz', '/readyz', '/metrics'] as const;

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6. */
export function isLoopback(address: string): boolean {
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4.startsWith('127.') || address === '::1';
}

const refuse = (reply: FastifyReply, status: number, code: string, message: string): FastifyReply =>
  reply.code(status).header('cache-control', 'no-store').send({ error: { code, message } });

function mayScrape(request: FastifyRequest, token: string | undefined): string | undefined {
  if (token === undefined) {
    return isLoopback(request.socket.remoteAddress ?? '') ? undefined
      : 'Not allowed: /metrics answers loopback clients only when no scrape token is configured (api.metrics.tokenEnv)';
  }
  const header = request.headers.authorization ?? '';
  const given = header.startsWith('Bearer ') ? header.slice(7) : '';
  return given !== '' && constantTimeEqual(given, token) ? undefined
    : 'Not allowed: /metrics needs the header Authorization: Bearer <scrape token>';
}

export function healthRoutes(app: ApiInstance, operations: OperationsPort | undefined, startedAt: number): void {
  const hidden = { schema: { hide: true } };
  app.get('/healthz', hidden, (_request, reply) => reply.header('cache-control', 'no-store')
    .send({ status: 'alive', uptimeSeconds: Math.round((performance.now() - startedAt) / 1000) }));
  app.get('/readyz', hidden, async (_request, reply) => {
    const readiness = operations === undefined ? { ready: true, checks: [] } : await operations.readiness();
    return reply.code(readiness.ready ? 200 : 503).header('cache-control', 'no-store')
      .send({ status: readiness.ready ? 'ready' : 'not-ready', checks: readiness.checks });
  });
  app.get('/metrics', hidden, async (request, reply) => {
    const metrics = operations?.metrics;
    if (metrics === undefined) return refuse(reply, 404, 'PW_ERR_API_NOT_FOUND', 'Cannot find GET /metrics: metrics are off');
    const refused = mayScrape(request, metrics.token);
    if (refused !== undefined) return refuse(reply, 403, 'PW_ERR_API_FORBIDDEN', refused);
    return reply.header('content-type', metrics.contentType).header('cache-control', 'no-store').send(await metrics.text());
  });
}
