// The enrollment service on HTTPS under the TLS policy, server-auth only: a device enrolling for
// the first time has no certificate to present, so it authenticates with its one-time token and
// authenticates the server by the CA certificate it was given (pinned).
import { createServer } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EstOutcome, EstService } from '../../enroll/est-service.ts';
import type { TlsIdentity, TlsTrust } from '../tls/tls-options.ts';
import { tlsServerOptions } from '../tls/tls-options.ts';

/** Largest request body read; a base64 CSR is under 1 KiB. */
export const maxEstBodyBytes = 16 * 1024;

export interface EstServerOptions {
  readonly identity: TlsIdentity;
  readonly trust: TlsTrust;
  readonly service: EstService;
  /** Every enrollment outcome, for the security log. */
  readonly onOutcome?: (outcome: EstOutcome, remoteAddress: string | undefined) => void;
}

export interface EstServer {
  readonly port: number;
  /** `https://<host>:<port>` */
  readonly url: string;
  close(): Promise<void>;
}

function readBody(request: IncomingMessage, limit: number): Promise<Uint8Array | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const onData = (chunk: Buffer): void => {
      length += chunk.length;
      if (length > limit) {
        // Stop reading; the caller answers 413 and closes the connection.
        request.off('data', onData);
        request.pause();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    };
    request.on('data', onData);
    request.on('end', () => { resolve(new Uint8Array(Buffer.concat(chunks))); });
    request.on('error', reject);
  });
}

export async function startEstServer(options: EstServerOptions, port = 0, host = '127.0.0.1'): Promise<EstServer> {
  const respond = (response: ServerResponse, status: number, headers: Readonly<Record<string, string>>, body: string): void => {
    response.writeHead(status, { ...headers, 'cache-control': 'no-store' });
    response.end(body);
  };
  const server = createServer(tlsServerOptions(options.identity, options.trust, { clientAuth: 'none' }), (request, response) => {
    void (async () => {
      const body = await readBody(request, maxEstBodyBytes);
      if (body === undefined) {
        response.once('finish', () => { request.socket.destroy(); });
        respond(response, 413, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' },
          `PW_ERR_ENROLL_REQUEST: Cannot enroll: the body exceeds ${maxEstBodyBytes} bytes; expected a base64 CSR\n`);
        options.onOutcome?.({ kind: 'refused', code: 'PW_ERR_ENROLL_REQUEST', reason: 'body too large' }, request.socket.remoteAddress);
        return;
      }
      const headers: Record<string, string | undefined> = {};
      for (const [name, value] of Object.entries(request.headers)) headers[name] = Array.isArray(value) ? value.join(', ') : value;
      const path = (request.url ?? '').split('?')[0] ?? '';
      const result = await options.service.handle({ method: request.method ?? '', path, headers, body });
      options.onOutcome?.(result.outcome, request.socket.remoteAddress);
      respond(response, result.status, result.headers, result.body);
    })().catch((error: unknown) => {
      const reason = error instanceof Error ? error.message : String(error);
      options.onOutcome?.({ kind: 'refused', code: 'PW_ERR_ENROLL_REQUEST', reason }, request.socket.remoteAddress);
      if (!response.headersSent) respond(response, 500, { 'content-type': 'text/plain; charset=utf-8' }, 'Cannot enroll: internal error\n');
    });
  });
  // Slow clients may not hold a connection open (security-anchors R7).
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => { server.off('error', reject); resolve(); });
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    port: bound,
    url: `https://${host.includes(':') ? `[${host}]` : host}:${bound}`,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => { resolve(); });
    }),
  };
}
