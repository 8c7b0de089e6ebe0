// Serves the firmware repository's directory (metadata/, targets/: docs/firmware.md) to devices
// over HTTPS under the TLS 1.3 policy. It only reads files: the repository (mdm) writes them, and
// their security is in the TUF signatures, not here (TUF §1.5.2: a hostile mirror gains nothing), so
// the listener authenticates itself but asks devices for no certificate by default, and any
// standard TUF client can fetch. GET and HEAD only, paths confined to the two folders, and byte
// ranges (RFC 9110 §14) so a device resumes an image where its link dropped it.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:https';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { resolve, sep } from 'node:path';
import { tlsServerOptions } from '@phasewire/secure/node';
import type { ServerPolicyOptions, TlsIdentity, TlsTrust } from '@phasewire/secure/node';

export interface FirmwareFileServerOptions {
  /** The repository directory (the one the repository writes). */
  readonly directory: string;
  readonly identity: TlsIdentity;
  readonly trust: TlsTrust;
  /** 'none' by default (see above); 'required' makes it a mutual-TLS listener for the fleet's own devices. */
  readonly clientAuth?: ServerPolicyOptions['clientAuth'];
  /**
   * A connection on which nothing moves for this long is closed (default 120 s, the device's own
   * request timeout): a client that asks for an image and stops reading would otherwise hold its
   * socket and open file for ever (slow read).
   */
  readonly idleTimeoutMs?: number;
}

export interface FirmwareFileServer {
  readonly server: Server;
  /** Listens (port 0: the OS picks) and resolves with the port. */
  listen(port?: number, host?: string): Promise<number>;
  close(): Promise<void>;
}

/** `/metadata/<name>.json` or `/targets/<segments>`: names of the repository's layout, nothing else. */
const servedPath = /^\/(?:metadata\/[A-Za-z0-9._-]+\.json|targets(?:\/[A-Za-z0-9][A-Za-z0-9._-]*)+)$/;

/** A `Range: bytes=first-[last]` header (one range; RFC 9110 §14.1.2) against a file of `size` bytes. */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d+)-(\d*)$/.exec(header.trim());
  if (match === null) return undefined;
  const start = Number(match[1]);
  const end = match[2] === '' || match[2] === undefined ? size - 1 : Math.min(Number(match[2]), size - 1);
  return start >= size || end < start ? 'unsatisfiable' : { start, end };
}

async function answer(directory: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
  let path: string;
  try {
    path = decodeURIComponent(new URL(request.url ?? '/', 'https://repository').pathname);
  } catch {
    // A malformed %-escape names no file of the repository.
    response.writeHead(400).end();
    return;
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  const file = resolve(directory, `.${path}`);
  if (!servedPath.test(path) || !file.startsWith(directory + sep)) {
    response.writeHead(404).end();
    return;
  }
  let size: number;
  try {
    const stats = await stat(file);
    if (!stats.isFile()) throw new Error('not a file');
    size = stats.size;
  } catch {
    response.writeHead(404).end();
    return;
  }
  // timestamp.json is the one file that changes; every other name is written once (TUF §6.2).
  const headers = {
    'content-type': path.endsWith('.json') ? 'application/json' : 'application/octet-stream',
    'cache-control': path === '/metadata/timestamp.json' ? 'no-store' : 'public, max-age=31536000, immutable',
    'accept-ranges': 'bytes',
  };
  const range = parseRange(request.headers.range, size);
  if (range === 'unsatisfiable') {
    response.writeHead(416, { ...headers, 'content-range': `bytes */${size}` }).end();
    return;
  }
  const { start, end } = range ?? { start: 0, end: size - 1 };
  response.writeHead(range === undefined ? 200 : 206, {
    ...headers, 'content-length': String(end - start + 1),
    ...(range === undefined ? {} : { 'content-range': `bytes ${start}-${end}/${size}` }),
  });
  if (request.method === 'HEAD' || size === 0) {
    response.end();
    return;
  }
  createReadStream(file, { start, end }).on('error', () => response.destroy()).pipe(response);
}

export function createFirmwareFileServer(options: FirmwareFileServerOptions): FirmwareFileServer {
  const directory = resolve(options.directory);
  const server = createServer(tlsServerOptions(options.identity, options.trust, { clientAuth: options.clientAuth ?? 'none' }),
    (request, response) => {
      answer(directory, request, response).catch(() => { response.destroy(); });
    });
  server.setTimeout(options.idleTimeoutMs ?? 120_000, (socket: Socket) => { socket.destroy(); });
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  return {
    server,
    listen: (port = 0, host = '127.0.0.1') => new Promise((done, fail) => {
      server.once('error', fail);
      server.listen(port, host, () => {
        server.off('error', fail);
        done((server.address() as AddressInfo).port);
      });
    }),
    close: () => new Promise((done) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => { done(); });
    }),
  };
}
