// `phasewire meter run` (one meter agent) and `phasewire fleet simulate` (many in one process).
// Both enroll on first start (EST with a one-time token, then the envelope key over mutual TLS),
// then read at every --interval of real time and talk to the broker over the --link profile until
// interrupted. The lead wires registerAgent into run.ts after registerMeter.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { parseMeterId, SeededRandom, ValidationError } from '@phasewire/core';
import type { Clock, MeterId } from '@phasewire/core';
import { linkProfiles } from '@phasewire/agent';
import type { LinkProfile } from '@phasewire/agent';
import { createSimulatedMeter, findScenario, simulatedMeterModel } from '@phasewire/meter';
import { AgentFleet, ensureEnrolled, loadAgentIdentity, MeterAgent } from '@phasewire/agent/node';
import type { AgentEvent } from '@phasewire/agent/node';
import type { CliIo } from '../io.ts';
import { parseChoice, parseDuration, parseInteger } from '../options.ts';

interface ConnectionOptions {
  server: string;
  enroll?: string;
  keyServer?: string;
  ca?: string;
  link: string;
  dataDir: string;
  interval: string;
}

interface RunOptions extends ConnectionOptions {
  serial: string;
  token?: string;
  tokenFile?: string;
  scenario: string;
  seed: string;
}

interface FleetOptions extends ConnectionOptions {
  meters: string;
  tokens?: string;
  seed: string;
}

const systemClock: Clock = { now: () => Date.now() };

/** `mqtts://host:port` → host and port. */
export function parseBrokerUrl(text: string): { host: string; port: number } {
  let url: URL;
  try {
    url = new URL(text);
  } catch (error) {
    throw new ValidationError('PW_ERR_INVALID_OPTION', `Invalid --server ${JSON.stringify(text)}: expected mqtts://host:port`, { cause:
      error });
  }
  if (url.protocol !== 'mqtts:' || url.hostname === '') {
    throw new ValidationError('PW_ERR_INVALID_OPTION', `Invalid --server ${JSON.stringify(text)}: the scheme is ${url
      .protocol}, expected mqtts://host:port (TLS only)`);
  }
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port === '' ? 8883 : Number(url.port) };
}

async function enrollmentInputs(options: ConnectionOptions, io: CliIo): Promise<{ estServer: string; trustedCa: string; keyServer?:
  string }> {
  if (options.enroll === undefined || options.ca === undefined) {
    throw new ValidationError('PW_ERR_INVALID_OPTION',
      'Cannot enroll: --enroll <https url> and --ca <pem file> are needed until the data directory holds an enrollment');
  }
  return {
    estServer: options.enroll,
    trustedCa: await readFile(resolve(io.cwd, options.ca), 'utf8'),
    ...(options.keyServer === undefined ? {} : { keyServer: options.keyServer }),
  };
}

function logEvent(io: CliIo, meter: MeterId, event: AgentEvent): void {
  const { kind, ...rest } = event;
  io.err(`${new Date().toISOString()} ${meter} ${kind} ${JSON.stringify(rest)}\n`);
}

/**
 * The one-time token of --token-file (a file, or `-`: standard input) or --token. A token in the
 * arguments is visible to every user of the machine in `ps` while the command runs: it is still
 * taken, with a warning; the file or standard input is not.
 */
export async function enrollmentToken(
  io: CliIo, options: { token?: string | undefined; tokenFile?: string | undefined },
): Promise<string | undefined> {
  if (options.token !== undefined && options.tokenFile !== undefined) {
    throw new ValidationError('PW_ERR_INVALID_OPTION',
      'Invalid options: both --token and --token-file are given; expected one of them (--token-file keeps the token out of `ps`)');
  }
  if (options.token !== undefined) {
    io.err('warning: a token given with --token is visible to other users of this machine (`ps`) while the command runs; '
      + 'use --token-file PATH, or --token-file - to read it from standard input\n');
    return options.token;
  }
  const file = options.tokenFile;
  if (file === undefined) return undefined;
  let text: string;
  try {
    if (file === '-') {
      if (io.readStdin === undefined) throw new Error('there is no standard input to read');
      text = await io.readStdin();
    } else {
      text = await readFile(resolve(io.cwd, file), 'utf8');
    }
  } catch (error) {
    const why = (error as Error).message;
    throw new ValidationError('PW_ERR_INVALID_OPTION',
      `Invalid --token-file ${JSON.stringify(
        file)}: cannot read it (${why}); expected a file holding the one-time token, or - for standard input`, { cause: error });
  }
  const token = text.trim();
  if (token === '' || /\s/.test(token)) {
    const found = token === '' ? 'nothing' : 'more than one word';
    throw new ValidationError('PW_ERR_INVALID_OPTION',
      `Invalid --token-file ${JSON.stringify(
        file)}: it holds ${found}; expected the one-time token alone, as \`phasewire server token\` prints it`);
  }
  return token;
}

/** Reads every `interval` ms of real time until interrupted. */
async function readUntilInterrupted(io: CliIo, interval: number, read: () => Promise<void>): Promise<void> {
  const stopped = (io.interrupted ?? new Promise<void>(() => undefined)).then(() => 'stopped' as const);
  for (;;) {
    let timer: NodeJS.Timeout | undefined;
    const woke = await Promise.race([stopped, new Promise<'tick'>((wake) => { timer = setTimeout(() => { wake('tick'); }, interval); })]);
    clearTimeout(timer);
    if (woke === 'stopped') return;
    await read();
  }
}

function commonOptions(command: Command): Command {
  return command
    .requiredOption('--server <url>', 'MQTT broker of the head-end, mqtts://host:port')
    .option('--enroll <url>', 'EST enrollment server, https://host:port (first start only)')
    .option('--key-server <url>', 'envelope key provisioning endpoint (default: the --enroll server)')
    .option('--ca <file>', 'PEM of the phasewire CA the meter trusts (first start only)')
    .option('--link <profile>', 'link profile: wifi or cellular', 'wifi')
    .option('--interval <time>', 'real time between readings, e.g. 1s, 1m, 15m', '1m');
}

export function registerAgent(program: Command, io: CliIo): void {
  const meter = program.commands.find((command) => command.name() === 'meter') ?? program.command('meter').description(
    'The simulated three-phase meter.');

  commonOptions(meter.command('run'))
    .description('Run one meter agent: enroll once, then publish sealed readings and answer commands until interrupted.')
    .requiredOption('--serial <id>', 'the meter id (as enrolled)')
    .option('--token-file <path>', 'file holding the one-time enrollment token, or - for standard input (first start only)')
    .option('--token <token>', 'one-time enrollment token (first start only); visible in `ps`: prefer --token-file')
    .option('--scenario <name>', 'built-in scenario of the simulated meter', 'balanced-resistive')
    .option('--seed <n>', 'seed of the simulation', '1')
    .option('--data-dir <dir>', 'where the enrollment and the queue live', 'phasewire-meter')
    .action(async (options: RunOptions) => {
      const meterId = parseMeterId(options.serial);
      const broker = parseBrokerUrl(options.server);
      const link = parseChoice('--link', options.link, ['wifi', 'cellular'] as const);
      const interval = parseDuration('--interval', options.interval);
      const seed = parseInteger('--seed', options.seed, 0, 0xffff_ffff);
      const scenario = findScenario(options.scenario);
      const dataDir = resolve(io.cwd, options.dataDir);
      let identity = await loadAgentIdentity(dataDir, meterId);
      if (identity === undefined) {
        const token = await enrollmentToken(io, options);
        if (token === undefined) {
          throw new ValidationError('PW_ERR_INVALID_OPTION',
            `Cannot enroll ${meterId}: no --token-file (or --token) given and ${dataDir} holds no enrollment`);
        }
        identity = (await ensureEnrolled({ dataDir, meter: meterId, token, ...await enrollmentInputs(options, io) })).identity;
        io.out(`${meterId} enrolled; identity stored in ${dataDir}\n`);
      }
      const agent = await MeterAgent.open({
        identity, dataDir, broker, profile: linkProfiles[link], clock: systemClock, random: new SeededRandom(seed),
        meter: createSimulatedMeter({ meter: meterId, scenario, mode: 'phasor', seed, start: Date.now() }),
        onEvent: (event) => { logEvent(io, meterId, event); },
        // The registry shows it as the demo's meters are shown: the simulated meter's model, and its link.
        describe: { model: simulatedMeterModel, link },
      });
      agent.start();
      io.out(`${meterId} running over ${link}: a reading every ${options.interval}, ${agent.pending} message(s) waiting from before\n`);
      await readUntilInterrupted(io, interval, () => agent.takeReading());
      await agent.stop();
      io.out(`${meterId} stopped; ${agent.pending} message(s) and ${agent.staged} interval(s) kept for the next start\n`);
    });

  const fleet = program.commands.find((command) => command.name() === 'fleet') ?? program.command('fleet').description(
    'Many simulated meters.');
  commonOptions(fleet.command('simulate'))
    .description('Run N meter agents in one process (phasor mode), for the demo and load tests.')
    .requiredOption('--meters <n>', 'how many meters')
    .option('--tokens <file>', 'JSON object of meter id → one-time token, for meters not enrolled yet')
    .option('--seed <n>', 'seed of the fleet', '1')
    .option('--data-dir <dir>', 'one sub-directory per meter', 'phasewire-fleet')
    .action(async (options: FleetOptions) => {
      const count = parseInteger('--meters', options.meters, 1, 100_000);
      const broker = parseBrokerUrl(options.server);
      const link = parseChoice('--link', options.link, ['wifi', 'cellular'] as const);
      const interval = parseDuration('--interval', options.interval);
      const seed = parseInteger('--seed', options.seed, 0, 0xffff_ffff);
      const profile: LinkProfile = linkProfiles[link];
      const tokens = options.tokens === undefined ? {} : JSON.parse(await readFile(resolve(io.cwd, options.tokens),
        'utf8')) as Record<string, string>;
      const needs = options.enroll === undefined ? undefined : await enrollmentInputs(options, io);
      const agents = await AgentFleet.start({
        meters: count, seed, start: Date.now(), clock: systemClock, dataDir: resolve(io.cwd, options.dataDir),
        estServer: needs?.estServer ?? '', trustedCa: needs?.trustedCa ?? '', ...(needs?.keyServer === undefined ? {} : { keyServer: needs
          .keyServer }),
        tokenFor: (id) => {
          const token = tokens[id];
          if (token === undefined || needs === undefined) {
            return Promise.reject(new ValidationError('PW_ERR_INVALID_OPTION',
              `Cannot enroll ${id}: it has no enrollment yet and no token in --tokens (with --enroll and --ca)`));
          }
          return Promise.resolve(token);
        },
        broker, profile,
      });
      io.out(`fleet of ${count} meters running over ${link}\n`);
      await readUntilInterrupted(io, interval, async () => {
        await agents.takeReadings();
        io.out(`${new Date().toISOString()} read ${count} meters; ${agents.connected} connected, ${agents
          .pending} message(s) waiting for acks\n`);
      });
      await agents.stop();
    });
}
