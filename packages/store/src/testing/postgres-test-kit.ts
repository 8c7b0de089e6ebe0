// A throwaway PostgreSQL server for tests and benchmarks: Debian's PostgreSQL 15 binaries, a fresh
// cluster in a temporary directory, listening on 127.0.0.1 and a socket in that directory only. As
// root, the binaries run as the `postgres` user (initdb refuses root) and the directory is handed to
// it. Start one per test file (a start takes a second or two) and stop it at the end.
import { execFile } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { StoreError } from '@phasewire/core';

const run = promisify(execFile);

export const postgresBinaries = '/usr/lib/postgresql/15/bin';

export interface PostgresServer {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  /** `postgres://postgres@127.0.0.1:<port>/<database>` */
  connectionString(database?: string): string;
  /** Creates a database owned by the superuser. */
  createDatabase(name: string): Promise<void>;
  /** Stops the server, runs `whileStopped` (a benchmark drops the OS page cache of `dataDirectory` there), and starts it again. */
  restart(whileStopped?: () => Promise<void>): Promise<void>;
  /** The cluster's files. */
  readonly dataDirectory: string;
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
}

export interface PostgresServerOptions {
  /**
   * Turn off fsync and synchronous commit: fine for tests, whose data does not outlive them. A
   * benchmark of the durable write path keeps them on (the default).
   */
  readonly fast?: boolean;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => { resolve(port); });
    });
  });
}

/** Ids of the `postgres` user when running as root, so the binaries run as that user. */
async function postgresUser(): Promise<{ uid: number; gid: number } | undefined> {
  if (userInfo().uid !== 0) return undefined;
  const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

export async function startPostgres(options: PostgresServerOptions = {}): Promise<PostgresServer> {
  const dir = mkdtempSync(join(tmpdir(), 'phasewire-pg-'));
  const data = join(dir, 'data');
  const owner = await postgresUser();
  const as = (binary: string, args: string[]): Promise<unknown> =>
    owner === undefined ? run(join(postgresBinaries, binary), args)
      : run('runuser', ['-u', 'postgres', '--', join(postgresBinaries, binary), ...args]);
  try {
    if (owner !== undefined) {
      chownSync(dir, owner.uid, owner.gid);
      chmodSync(dir, 0o700);
    }
    await as('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync', '--no-instructions']);
    const port = await freePort();
    const settings = [`-p ${port}`, `-k ${dir}`, '-c listen_addresses=127.0.0.1', '-c max_connections=50', '-c shared_buffers=128MB'];
    if (options.fast === true) settings.push('-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off');
    const start = (): Promise<unknown> =>
      as('pg_ctl', ['-D', data, '-o', settings.join(' '), '-l', join(dir, 'server.log'), '-w', '-t', '30', 'start']);
    await start();
    const connectionString = (database = 'postgres'): string => `postgres://postgres@127.0.0.1:${port}/${database}`;
    return {
      host: '127.0.0.1',
      port,
      user: 'postgres',
      connectionString,
      dataDirectory: data,
      async restart(whileStopped?: () => Promise<void>): Promise<void> {
        await as('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
        await whileStopped?.();
        await start();
      },
      async createDatabase(name: string): Promise<void> {
        if (!/^[a-z_][a-z0-9_]*$/.test(name))
          throw new StoreError('PW_ERR_STORE_UNAVAILABLE',
            `Cannot create test database ${JSON.stringify(name)}: expected a lower-case identifier`);
        await run(join(postgresBinaries, 'createdb'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', name]);
      },
      async stop(): Promise<void> {
        try {
          await as('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new StoreError('PW_ERR_STORE_UNAVAILABLE',
      `Cannot start a test PostgreSQL server from ${postgresBinaries} in ${dir}: ${(error as Error).message}`, { cause: error });
  }
}
