// `phasewire server`: the head-end as one process (startPhasewireServer) until Ctrl-C or SIGTERM,
// with a start-up summary of what runs where and the command lines that enroll a meter.
// `phasewire server token --serial <id>`: a one-time enrollment token against the same data
// directory, also while the server runs (the token file is shared under the CA directory's lock).
// `phasewire server reset-password --user <name>`: a new one-time password for an API user, in
// api.db, also while the server runs (docs/api.md).
//
// Configuration: <data-dir>/phasewire.json (or --config), flags laid over it (docs/running.md).
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { parseMeterId, ValidationError } from '@phasewire/core';
import { createToken, deviceIdentity } from '@phasewire/secure';
import type { TokenRecord } from '@phasewire/secure';
import { PostgresTokenStore } from '@phasewire/headend/node';
import { caFiles, TokenFileStore } from '@phasewire/secure/node';
import { mergeServerConfigInput, parseServerConfig } from '@phasewire/server';
import type { ServerConfig } from '@phasewire/server';
import { defaultScryptCost, hashPassword, SqliteAccountStore } from '@phasewire/api/node';
import {
  createServerLog, dataFiles, inData, readConfigFile, standardServices, startPhasewireServer, withCaLock,
} from '@phasewire/server/node';
import type { ServerLog } from '@phasewire/server/node';
import type { PhasewireServer, PhasewireServerOptions, StandardServicesOptions } from '@phasewire/server/node';
import type { CliIo } from '../io.ts';
import { parseChoice, parseDuration, parseInteger } from '../options.ts';
import { registerServerStatus } from './server-status.ts';

export interface ServerFlags {
  dataDir: string;
  config?: string;
  host?: string[];
  bind?: string;
  mqttPort?: string;
  enrollPort?: string;
  keyPort?: string;
  apiPort?: string;
  firmwarePort?: string;
  broker?: string;
}

const systemClock = { now: () => Date.now() };

/** The options `server` and `demo` share. */
export function serverFlags(command: Command): Command {
  return command
    .option('--data-dir <dir>', 'the data directory (CA, keys, store); made on first start', './data')
    .option('--config <file>', 'configuration file (default <data-dir>/phasewire.json when it exists)')
    .option('--host <name>', 'a host name or IP address meters use (repeat for several; default localhost and 127.0.0.1)', (value: string,
    list: string[] | undefined) => [...(list ?? []), value])
    .option('--bind <address>', 'address the listeners bind to (default 127.0.0.1)')
    .option('--mqtt-port <n>', 'MQTT over mutual TLS (default 8883; 0: any free port)')
    .option('--enroll-port <n>', 'EST enrollment over HTTPS (default 8443)')
    .option('--key-port <n>', 'envelope-key endpoint over mutual TLS (default 8444)')
    .option('--api-port <n>', 'HTTPS API and dashboard (default 8445)')
    .option('--firmware-port <n>', 'firmware repository over HTTPS, when the data directory holds one (default 8446)')
    .option('--broker <kind>', 'embedded (default) or mosquitto');
}

async function addTokenOnPostgres(connectionString: string, record: TokenRecord): Promise<void> {
  const tokens = await PostgresTokenStore.open({ connectionString, poolSize: 1 });
  try {
    await tokens.add(record);
  } finally {
    await tokens.close();
  }
}

/** The data directory and the configuration: file first, flags over it. */
export async function loadServerConfig(io: CliIo, flags: ServerFlags): Promise<{ dataDir: string; config: ServerConfig; file: string |
  undefined }> {
  const dataDir = resolve(io.cwd, flags.dataDir);
  const path = flags.config === undefined ? join(dataDir, dataFiles.config) : resolve(io.cwd, flags.config);
  const raw = await readConfigFile(path);
  if (raw === undefined && flags.config !== undefined) throw new ValidationError('PW_ERR_INVALID_OPTION', `Invalid --config ${JSON
    .stringify(flags.config)}: ${path} does not exist`);
  const overrides: Record<string, unknown> = {};
  const port = (option: string, text: string | undefined): { port: number } | undefined => (text === undefined ? undefined : { port:
    parseInteger(option, text, 0, 65_535) });
  if (flags.host !== undefined) overrides['hosts'] = flags.host;
  if (flags.bind !== undefined) overrides['bind'] = flags.bind;
  const ports = { mqtt: port('--mqtt-port', flags.mqttPort), enrollment: port('--enroll-port', flags.enrollPort), keyProvisioning: port(
    '--key-port', flags.keyPort) };
  for (const [key, value] of Object.entries(ports)) if (value !== undefined) overrides[key] = value;
  if (flags.apiPort !== undefined) overrides['api'] = { port: parseInteger('--api-port', flags.apiPort, 0, 65_535) };
  if (flags.firmwarePort !== undefined) overrides['firmware'] = { port: parseInteger('--firmware-port', flags.firmwarePort, 0, 65_535) };
  if (flags.broker !== undefined) overrides['broker'] = { kind: parseChoice('--broker', flags.broker, ['embedded', 'mosquitto'] as const) };
  return { dataDir, config: parseServerConfig(mergeServerConfigInput(raw, overrides)), file: raw === undefined ? undefined : path };
}

/** The dashboard's build (`npm run build -w @phasewire/dashboard`; `npm start` runs it first). */
export const dashboardDist = resolve(dirname(fileURLToPath(import.meta.url)), '../../../dashboard/dist');

/**
 * The MDM service and the API with the dashboard, as `server` and `demo` start them; the dashboard
 * is served when it has been built (a warning says how otherwise).
 */
export function cliServices(io: CliIo, extra: Partial<StandardServicesOptions> = {}): ReturnType<typeof standardServices> {
  const built = existsSync(join(dashboardDist, 'index.html'));
  if (!built) io.err(
    `warning: the dashboard is not built (${dashboardDist}); the API runs without it. ` +
    'Build it with: npm run build -w @phasewire/dashboard\n');
  return standardServices({
    env: io.env,
    onError: (error, what) => { io.err(`${new Date().toISOString()} warn MDM: ${what} failed: ${(error as Error).message}\n`); },
    ...(built ? { staticDir: dashboardDist } : {}),
    ...extra,
  });
}

/** Starts the server with the CLI's warnings and log on standard error. */
export function startServerFromCli(io: CliIo, dataDir: string, config: ServerConfig, extra: Partial<PhasewireServerOptions> = {}):
  Promise<PhasewireServer> {
  return startPhasewireServer({
    config, dataDir, env: io.env,
    warn: (message) => { io.err(`warning: ${message}\n`); },
    log: (event) => { if (event.level !== 'info') io.err(`${new Date().toISOString()} ${event.level} ${event.msg}\n`); },
    ...extra,
  });
}

/** The server's log on standard error as the configuration says: human lines on a terminal, else one JSON object a line. */
export function cliServerLog(io: CliIo, config: ServerConfig): ServerLog {
  const format = config.log.format === 'auto' ? (io.errInteractive === true ? 'pretty' : 'json') : config.log.format;
  return createServerLog({ level: config.log.level, format, write: io.err });
}

const quote = (text: string): string => (/^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`);

/** What runs where, and how to enroll a meter. */
export function startupSummary(server: PhasewireServer, file: string | undefined): string {
  const { endpoints, config, dataDir } = server;
  const store = config.store.kind === 'sqlite' ? `SQLite ${inData(dataDir, config.store.path)}` : `PostgreSQL (schema ${config.store
    .schema})`;
  const keystore = config.keystore.kind === 'software'
    ? `software keystore ${inData(dataDir, config.keystore.file)} (NOT an HSM: use PKCS#11 in production)`
    : `PKCS#11 ${config.keystore.module}`;
  const broker = config.broker.kind === 'embedded' ? 'embedded broker' : `Mosquitto (${config.broker
    .binary}), ingest on a shared subscription`;
  const lines = [
    `phasewire server: data in ${dataDir}${file === undefined ? '' : `, configuration ${file}`}`,
    `  MQTT, mutual TLS 1.3    ${endpoints.mqtt}  (${broker})`,
    `  EST enrollment          ${endpoints.enrollment}`,
    `  envelope keys, mTLS     ${endpoints.keyProvisioning}`,
    `  store                   ${store}`,
    `  keystore                ${keystore}`,
    `  CA chain for meters     ${endpoints.caFile}`,
    ...server.services.map((service) => `  ${service.summary}`),
    ...(server.created.length === 0 ? [] : ['first start, made:', ...server.created.map((item) => `  ${item}`)]),
    'enroll a meter (the token is shown once; kept in a file of your own, it never shows in `ps`):',
    `  (umask 077; npx phasewire server token --serial meter-0001 --data-dir ${quote(dataDir)} > meter-0001.token)`,
    `  npx phasewire meter run --serial meter-0001 --token-file meter-0001.token --server ${endpoints.mqtt} --enroll ${endpoints
      .enrollment} --key-server ${endpoints.keyProvisioning} --ca ${quote(endpoints.caFile)}`,
  ];
  return `${lines.join('\n')}\n`;
}

export function registerServer(program: Command, io: CliIo): void {
  const server = serverFlags(program.command('server')
    .description(
    'Run the head-end: MQTT over mutual TLS, EST enrollment, envelope keys, ingest into the store, the MDM, the HTTPS API and dashboard ' +
      '(until Ctrl-C).'))
    .action(async (flags: ServerFlags) => {
      const { dataDir, config, file } = await loadServerConfig(io, flags);
      const log = cliServerLog(io, config);
      const services = cliServices(io, {
        onError: (error, what) => { log.logger.warn({ err: error }, `MDM: ${what} failed`); },
        api: { loggerInstance: log.logger.child({ component: 'api' }) },
      });
      const running = await startServerFromCli(io, dataDir, config, {
        services, log: log.headEnd, warn: (message) => { log.logger.warn(message); },
      });
      try {
        io.out(startupSummary(running, file));
        io.out('Ctrl-C stops.\n');
        await (io.interrupted ?? new Promise<void>(() => undefined));
        io.out('stopping: the ingest finishes what it has, then the listeners close\n');
      } finally {
        await running.close();
      }
      io.out('stopped\n');
    });

  server.command('token').description(
    'Create a one-time enrollment token for a meter (shown once; stored hashed), also while the server runs.')
    .requiredOption('--serial <id>', 'the meter id')
    .option('--expires <time>', 'lifetime, e.g. 24h, 7d', '7d')
    // Also the server command's own option (before `token`); listed here so that --help shows it.
    .option('--data-dir <dir>', 'the data directory the server runs on (default ./data)')
    .action(async (own: { dataDir?: string }, command: Command) => {
      const options = command.optsWithGlobals<{ serial: string; dataDir: string; expires: string; config?: string }>();
      const dataDir = own.dataDir ?? command.parent?.opts<{ dataDir: string }>().dataDir ?? './data';
      const device = deviceIdentity('meter', parseMeterId(options.serial));
      const lifetime = parseDuration('--expires', options.expires);
      const caPath = join(resolve(io.cwd, dataDir), dataFiles.pki);
      // Where the server keeps its tokens: pki/tokens.json, or PostgreSQL with `state.kind` postgres.
      const flags = { dataDir, ...(options.config === undefined ? {} : { config: options.config }) };
      const { state } = (await loadServerConfig(io, flags)).config;
      const created = await withCaLock(caPath, async (directory) => {
        if (await directory.readState() === undefined) throw new ValidationError('PW_ERR_INVALID_OPTION',
          `Cannot create a token: ${caPath} holds no CA; expected a data directory a \`phasewire server\` has started on`);
        const token = await createToken(device, lifetime, systemClock, (length) => new Uint8Array(randomBytes(length)));
        if (state.kind === 'local') await new TokenFileStore(join(caPath, caFiles.tokens)).add(token.record);
        else await addTokenOnPostgres(state.connectionString, token.record);
        return token;
      });
      io.out(`${created.token}\n`);
      io.err(`token ${created.record.id} for meter ${options.serial}, valid until ${new Date(created.record.expiresAt)
        .toISOString()}; it is shown only now\n`);
    });

  registerServerStatus(server, io);

  // The operator's way in on the machine: sign-in throttling is per (user name, address), so no one
  // elsewhere can lock an account out; this covers a forgotten or compromised password.
  server.command('reset-password').description(
    'Give a user of the API a new random password (shown once) and end their sessions, also while the server runs.')
    .requiredOption('--user <name>', 'the user name, e.g. admin')
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<{ user: string; dataDir: string }>();
      const path = join(resolve(io.cwd, options.dataDir), 'api.db');
      if (!existsSync(path)) throw new ValidationError('PW_ERR_INVALID_OPTION',
        `Cannot reset a password: ${path} does not exist; expected a data directory a \`phasewire server\` with the API has started on`);
      const accounts = new SqliteAccountStore(path);
      try {
        const user = accounts.userByName(options.user);
        if (user === undefined) throw new ValidationError('PW_ERR_INVALID_OPTION', `Invalid --user ${JSON.stringify(options
          .user)}: ${path} has no such user`);
        const password = randomBytes(18).toString('base64url');
        accounts.updateUser(user.id, { passwordHash: await hashPassword(password, defaultScryptCost) });
        accounts.removeSessionsOf(user.id);
        accounts.appendAudit({ at: systemClock.now(), tenant: user.tenant, actor: 'cli:server reset-password', action:
          'user.password-reset', object: `user:${user.id}`, detail: {} });
        io.out(`${password}\n`);
        io.err(`new password for ${user.username} (shown only now); their sessions have ended${user.disabled ?
          '; the user is disabled: an admin must enable it' : ''}\n`);
      } finally {
        accounts.close();
      }
    });
}
