// `phasewire server status`: the server's readiness for a shell (docs/operations.md). It asks the
// running server's /readyz over HTTPS, trusting the data directory's CA (or --ca), prints each check
// with its state and detail, and exits 0 when ready, 1 when not ready or not reachable.
import { readFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { TransportError } from '@phasewire/core';
import { dataFiles, inData } from '@phasewire/server/node';
import { caFiles } from '@phasewire/secure/node';
import type { CliIo } from '../io.ts';
import type { ServerFlags } from './server.ts';
import { loadServerConfig } from './server.ts';

interface ReadyAnswer {
  readonly status: string;
  readonly checks: readonly { readonly name: string; readonly state: string; readonly detail: string }[];
}

function getJson(url: string, ca: string, timeoutMs: number): Promise<{ status: number; body: unknown }> {
  return new Promise((done, fail) => {
    const req = request(url, { ca, method: 'GET', headers: { accept: 'application/json' }, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => { chunks.push(chunk); });
      res.on('end', () => {
        try {
          done({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown });
        } catch (error) {
          fail(new Error(`the answer (HTTP ${res.statusCode ?? 0}) is not JSON`, { cause: error }));
        }
      });
    });
    req.on('timeout', () => { req.destroy(new Error(`no answer within ${timeoutMs} ms`)); });
    req.on('error', fail);
    req.end();
  });
}

function isReadyAnswer(body: unknown): body is ReadyAnswer {
  return typeof body === 'object' && body !== null && Array.isArray((body as ReadyAnswer).checks);
}

export function registerServerStatus(server: Command, io: CliIo): void {
  server.command('status').description(
    'Ask the running server whether it is ready (store, broker, MDM runs, keystore); exits non-zero when it is not.')
    .option('--url <url>', 'the API\'s base URL (default from the configuration: https://<host>:<api port>)')
    .option('--ca <file>', 'CA certificates to trust for the API (default the data directory\'s CA chain)')
    .option('--timeout <ms>', 'how long to wait for the answer', '10000')
    .action(async (own: { url?: string; ca?: string; timeout: string }, command: Command) => {
      const flags = command.optsWithGlobals<ServerFlags>();
      const { dataDir, config } = await loadServerConfig(io, flags);
      const bound = config.api.bind ?? config.bind;
      const host = bound === '0.0.0.0' || bound === '::' ? (config.hosts[0] ?? 'localhost') : bound;
      const base = own.url ?? `https://${host.includes(':') ? `[${host}]` : host}:${config.api.port}`;
      const caFile = own.ca === undefined ? join(inData(dataDir, dataFiles.pki), caFiles.chain) : resolve(io.cwd, own.ca);
      const ca = await readFile(caFile, 'utf8');
      const url = new URL('/readyz', base).toString();
      let answer: { status: number; body: unknown };
      try {
        answer = await getJson(url, ca, Number(own.timeout));
      } catch (error) {
        throw new TransportError('PW_ERR_SERVER_NOT_READY', `Cannot reach ${url}: ${(error as Error).message}; expected a running server`,
          { cause: error });
      }
      if (!isReadyAnswer(answer.body))
        throw new TransportError('PW_ERR_SERVER_NOT_READY', `Cannot read ${url}: HTTP ${answer.status} without the checks`);
      const { checks } = answer.body;
      const width = Math.max(...checks.map((c) => c.name.length), 5);
      const ready = answer.status === 200 && answer.body.status === 'ready';
      io.out(`${base}: ${ready ? 'ready' : 'NOT READY'}\n`);
      for (const check of checks) {
        io.out(`  ${check.name.padEnd(width)}  ${check.state === 'ok' ? 'ok     ' : 'FAILING'}  ${check.detail}\n`);
      }
      if (!ready) {
        const failing = checks.filter((c) => c.state !== 'ok').map((c) => c.name);
        throw new TransportError('PW_ERR_SERVER_NOT_READY', `The server is not ready: ${failing.join(', ') || 'no check'} failing`);
      }
    });
}
