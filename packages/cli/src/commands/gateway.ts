// `phasewire gateway scan|run|simulate-bus`: the RS-485 / Modbus gateway. The CLI is the composition
// root (gateway may not import meter or agent): the gateway's poller reads every meter on the bus by its
// profile, and each meter is uplinked by its own MeterAgent (its own identity, enrolled by the
// gateway on its behalf and kept under the gateway's data directory, its own durable queue) whose
// reading source is the poller. `transport.simulated` puts simulated meters on a simulated bus in
// real time, for a gateway without hardware; `simulate-bus` writes such a configuration.
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { ConfigError, TransportError, ValidationError, type Clock, type MeterId } from '@phasewire/core';
import { GatewayPoller, parseBusEndpoint, parseGatewayConfig, scanBus, type GatewayConfig, type PolledDevice } from '@phasewire/gateway';
import { loadProfiles, openBus, RealTimeBus } from '@phasewire/gateway/node';
import { linkProfiles, type LinkProfile } from '@phasewire/agent';
import { AgentFleet } from '@phasewire/agent/node';
import { createProfileSlave, createSimulatedMeter } from '@phasewire/meter';
import type { DeviceProfile, ModbusClient, Parity, Timers } from '@phasewire/modbus';
import { nodeTimers } from '@phasewire/modbus/node';
import type { CliIo } from '../io.ts';
import { parseChoice, parseDuration, parseInteger } from '../options.ts';

/** `1-247`, `1,3,5-9` → unit ids (Modbus over Serial Line V1.02 §2.2: individual addresses 1 to 247). */
export function parseUnits(text: string): number[] {
  const units = new Set<number>();
  for (const part of text.split(',')) {
    const [from = '', to = from] = part.trim().split('-');
    const a = parseInteger('--units', from, 1, 247);
    const b = parseInteger('--units', to, 1, 247);
    if (b < a) throw new ValidationError('PW_ERR_INVALID_OPTION', `Invalid value ${JSON.stringify(text)} for --units: range ${part} runs backwards, expected from-to with from ≤ to`);
    for (let unit = a; unit <= b; unit++) units.add(unit);
  }
  return [...units].sort((x, y) => x - y);
}

export interface GatewayRunOptions {
  readonly io: CliIo;
  /** Relative paths of the configuration (dataDir, ca, tokens, profilesDir) are resolved against this. */
  readonly baseDir: string;
  /** Overrides the link profile named in the configuration (tests shorten its timeouts). */
  readonly linkProfile?: LinkProfile;
}

export interface RunningGateway {
  readonly poller: GatewayPoller;
  readonly fleet: AgentFleet;
  /** Stops polling, hands every polled snapshot to its agent, stops the agents and closes the bus. */
  stop(): Promise<void>;
}

function statsLines(poller: GatewayPoller): string {
  const at = new Date().toISOString();
  const t = poller.totals();
  let text = `${at} bus: ${t.meters} meters, ${t.quarantined} quarantined, `
    + `${t.polls} polls (${t.failedPolls} failed, ${t.implausible} implausible withheld), `
    + `${t.requests} requests, ${t.crcErrors} CRC errors, ${t.timeouts} timeouts, ${t.exceptions} exceptions\n`;
  for (const [meter, s] of poller.stats()) {
    const implausible = poller.implausible(meter);
    text += `${at}   ${meter}: ${s.quarantined ? 'QUARANTINED ' : ''}${implausible > 0 ? `IMPLAUSIBLE ${implausible} withheld, ` : ''}`
      + `polls ${s.polls}/${s.failedPolls} failed, crc ${s.crcErrors}, timeouts ${s.timeouts}, exceptions ${s.exceptions}, `
      + `latency p50 ${s.latency.p50.toFixed(0)} ms p99 ${s.latency.p99.toFixed(0)} ms\n`;
  }
  return text;
}

async function readJsonFile(path: string, what: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new ConfigError('PW_ERR_GATEWAY_FILE', `Cannot read ${what} ${path}: ${error instanceof Error ? error.message : String(error)}, expected a readable JSON file`, { cause: error });
  }
}

/** The bus of a configuration: a client, its timers, and the clock that stamps the snapshots. */
async function openConfiguredBus(config: GatewayConfig, profiles: readonly DeviceProfile[], io: CliIo): Promise<{
  client: ModbusClient; timers: Timers; clock: Clock; devices: PolledDevice[]; maxInFlight: number;
  start: () => void; close: () => Promise<void>;
}> {
  const byModel = new Map(profiles.map((p) => [p.model, p]));
  const named = (model: string, field: string): DeviceProfile => byModel.get(model)
    ?? (() => { throw new ConfigError('PW_ERR_GATEWAY_FILE', `Cannot use ${field} ${JSON.stringify(model)}: no such profile, expected auto or one of ${[...byModel.keys()].join(', ')}`); })();
  if (config.transport.kind === 'simulated') {
    const epoch = Date.now();
    const holder: { bus?: RealTimeBus } = {};
    const now = (): number => epoch + (holder.bus?.now() ?? 0);
    const devices = config.meters.map((m, i) => ({ meter: m.meter, unit: m.unit, profile: named(m.profile, `meters[${i}].profile (a simulated meter needs its model)`), periodMs: m.periodMs, ...(m.timeoutMs === undefined ? {} : { timeoutMs: m.timeoutMs }) }));
    const bus = new RealTimeBus(config.transport.bus, config.meters.map((m, i) => {
      const simulated = createSimulatedMeter({ meter: m.meter, scenario: m.simulate?.scenario ?? 'balanced-resistive', mode: 'phasor', seed: m.simulate?.seed ?? m.unit, start: epoch });
      return {
        unit: m.unit, handler: createProfileSlave({ profile: devices[i]?.profile ?? named(m.profile, 'profile'), values: () => simulated.advanceTo(now()) }),
        ...(m.simulate === undefined ? {} : { bitErrorRate: m.simulate.bitErrorRate }),
        ...(m.simulate?.deadBetween === undefined ? {} : { deadBetween: m.simulate.deadBetween }),
      };
    }));
    holder.bus = bus;
    return { client: bus.master, timers: bus.scheduler, clock: { now }, devices, maxInFlight: 1, start: () => { bus.start(); }, close: () => bus.close() };
  }
  const client = await openBus(config.transport.endpoint, config.transport.timeoutMs);
  const devices: PolledDevice[] = [];
  try {
    for (const [i, m] of config.meters.entries()) {
      let profile: DeviceProfile;
      if (m.profile === 'auto') {
        const found = (await scanBus(client, profiles, { units: [m.unit], timeoutMs: m.timeoutMs ?? 500 }))[0];
        const model = found?.model;
        if (model === undefined) {
          throw new ConfigError('PW_ERR_GATEWAY_IDENTIFY', `Cannot identify meter ${m.meter} at unit ${m.unit}: `
            + `${found === undefined ? 'it did not answer' : `it answered, but ${found.evidence}`}; `
            + `expected one of ${[...byModel.keys()].join(', ')} (or set meters[${i}].profile); nothing is polled or uploaded`);
        }
        profile = named(model, `meters[${i}].profile`);
        io.out(`meter ${m.meter} at unit ${m.unit}: identified as ${model}: ${found?.evidence ?? ''}\n`);
      } else {
        profile = named(m.profile, `meters[${i}].profile`);
      }
      devices.push({ meter: m.meter, unit: m.unit, profile, periodMs: m.periodMs, ...(m.timeoutMs === undefined ? {} : { timeoutMs: m.timeoutMs }) });
    }
  } catch (error) {
    await client.close();
    throw error;
  }
  // The client and the scheduler take the same depth: the blocks of a poll go out together only
  // when the configuration says the Modbus/TCP server serves concurrent transactions.
  const endpoint = config.transport.endpoint;
  const maxInFlight = endpoint.kind === 'tcp' ? endpoint.maxInFlight ?? 1 : 1;
  return { client, timers: nodeTimers, clock: { now: () => Date.now() }, devices, maxInFlight, start: () => undefined, close: () => client.close() };
}

/** Starts a gateway: enrolls the meters not enrolled yet, starts their agents, then polls. */
export async function startGateway(config: GatewayConfig, options: GatewayRunOptions): Promise<RunningGateway> {
  const { io, baseDir } = options;
  const profiles = [...await loadProfiles(), ...(config.profilesDir === undefined ? [] : await loadProfiles(resolve(baseDir, config.profilesDir)))];
  const head = config.headEnd;
  const trustedCa = head.ca === undefined ? '' : await readFile(resolve(baseDir, head.ca), 'utf8');
  const tokens = typeof head.tokens === 'string' ? await readJsonFile(resolve(baseDir, head.tokens), 'the tokens file') as Record<string, string> : head.tokens ?? {};
  const url = new URL(head.server);
  const bus = await openConfiguredBus(config, profiles, io);
  const chains = new Map<MeterId, Promise<void>>();
  const holder: { fleet?: AgentFleet } = {};
  const feed = (meter: MeterId): void => {
    const agent = holder.fleet?.agentFor(meter);
    if (agent === undefined) return;
    // One chain per meter: every snapshot the poller holds is staged durably, in poll order.
    chains.set(meter, (chains.get(meter) ?? Promise.resolve()).then(async () => { while (await agent.takeAvailableReading()); }).catch((error: unknown) => {
      io.err(`${new Date().toISOString()} ${meter} reading not staged: ${error instanceof Error ? error.message : String(error)}\n`);
    }));
  };
  // The first snapshot of a run of implausible ones is logged, and the first plausible one after it.
  const implausibleRun = new Set<MeterId>();
  const poller = new GatewayPoller({
    client: bus.client, timers: bus.timers, clock: bus.clock, devices: bus.devices, maxInFlight: bus.maxInFlight,
    onSnapshot: (snapshot) => {
      if (implausibleRun.delete(snapshot.meter)) {
        io.err(`${new Date().toISOString()} ${snapshot.meter} reads plausible values again: its readings are uploaded\n`);
      }
      feed(snapshot.meter);
    },
    onImplausible: (snapshot, problems) => {
      if (implausibleRun.has(snapshot.meter)) return;
      implausibleRun.add(snapshot.meter);
      io.err(`${new Date().toISOString()} ${snapshot.meter} reading of ${new Date(snapshot.at).toISOString()} withheld, not uploaded: `
        + `no live meter reads ${problems.join('; ')}; `
        + 'check the meter\'s model and unit id (its intervals are left as gaps for VEE; the statistics count every withheld reading)\n');
    },
    onQuarantine: (meter, on) => { io.err(`${new Date().toISOString()} ${meter} ${on ? 'quarantined: it failed its polls; probed once per period' : 'answers again: back in the schedule'}\n`); },
  });
  let fleet: AgentFleet;
  try {
    fleet = await AgentFleet.start({
      // Each meter says its model and that it sits on the RS-485 bus (the gateway's own uplink is `link`).
      sources: bus.devices.map((device) => ({
        meter: device.meter, source: poller.source(device.meter) ?? { read: () => Promise.resolve(undefined) },
        describe: { model: device.profile.model, link: 'rs485' as const },
      })),
      seed: 1, clock: { now: () => Date.now() }, dataDir: resolve(baseDir, config.dataDir, 'meters'),
      estServer: head.enroll ?? '', trustedCa, ...(head.keyServer === undefined ? {} : { keyServer: head.keyServer }),
      tokenFor: (meter) => {
        const token = tokens[meter];
        if (token === undefined || head.enroll === undefined || head.ca === undefined) {
          return Promise.reject(new ConfigError('PW_ERR_GATEWAY_FILE', `Cannot enroll meter ${meter} for the gateway: it has no enrollment in ${join(resolve(baseDir, config.dataDir), 'meters', meter)} and headEnd.tokens, headEnd.enroll or headEnd.ca is missing for it`));
        }
        return Promise.resolve(token);
      },
      broker: { host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port === '' ? 8883 : Number(url.port) },
      profile: options.linkProfile ?? linkProfiles[config.link],
      onEvent: (meter, event) => { if (event.kind === 'refused' || event.kind === 'disconnected') io.err(`${new Date().toISOString()} ${meter} ${event.kind} ${JSON.stringify(event)}\n`); },
    });
  } catch (error) {
    await bus.close();
    throw error;
  }
  holder.fleet = fleet;
  for (const device of bus.devices) feed(device.meter);
  bus.start();
  const polling = poller.start();
  const statsTimer = setInterval(() => { io.out(statsLines(poller)); }, config.statsEveryMs);
  return {
    poller, fleet,
    async stop() {
      clearInterval(statsTimer);
      await poller.stop();
      await polling;
      for (const device of bus.devices) feed(device.meter);
      await Promise.all(chains.values());
      await fleet.stop();
      await bus.close();
      io.out(statsLines(poller));
    },
  };
}

interface ScanOptions { port: string; baud: string; parity: string; stopBits: string; units: string; timeout: string }
interface SimulateBusOptions {
  meters: string; noisy?: string; dead?: string; baud: string; server: string;
  enroll?: string; keyServer?: string; ca?: string; period: string; speed: string;
}

export function registerGateway(program: Command, io: CliIo): void {
  const gateway = program.command('gateway').description('The RS-485 / Modbus gateway: find meters on a bus, poll them and uplink their readings.');

  gateway.command('scan')
    .description('Find the unit ids that answer on a bus and identify their models by the device profiles.')
    .requiredOption('--port <port>', 'serial device (/dev/ttyUSB0), tcp://host:port (Modbus/TCP) or rtu+tcp://host:port')
    .option('--baud <n>', 'serial baud rate', '9600')
    .option('--parity <p>', 'serial parity: even, odd or none', 'even')
    .option('--stop-bits <n>', 'serial stop bits: 1 or 2', '1')
    .option('--units <list>', 'unit ids to try, e.g. 1-247 or 1,3,10-20', '1-247')
    .option('--timeout <time>', 'wait per probe', '100ms')
    .action(async (options: ScanOptions) => {
      const framing = {
        baudRate: parseInteger('--baud', options.baud, 300, 1_000_000), dataBits: 8 as const,
        parity: parseChoice<Parity>('--parity', options.parity, ['even', 'odd', 'none']),
        stopBits: parseInteger('--stop-bits', options.stopBits, 1, 2) as 1 | 2,
      };
      const endpoint = parseBusEndpoint(options.port, framing);
      const units = parseUnits(options.units);
      const timeoutMs = parseDuration('--timeout', options.timeout);
      const profiles = await loadProfiles();
      const client = await openBus(endpoint, timeoutMs);
      try {
        const found = await scanBus(client, profiles, { units, timeoutMs });
        for (const device of found) {
          io.out(`unit ${device.unit}: ${device.model ?? '(answers, model not recognised)'}: ${device.evidence}\n`);
        }
        io.out(`${found.length} device(s) found on ${options.port} (${units.length} unit id(s) tried)\n`);
      } finally {
        await client.close();
      }
    });

  gateway.command('run')
    .description('Poll every meter of gateway.json and uplink its readings through its own secure agent, until interrupted.')
    .requiredOption('--config <file>', 'the gateway configuration (docs/gateway.md)')
    .action(async (options: { config: string }) => {
      const file = resolve(io.cwd, options.config);
      const config = parseGatewayConfig(await readJsonFile(file, 'the gateway configuration'), file);
      const interrupted = io.interrupted ?? new Promise<void>(() => undefined);
      // Ctrl-C works during the start too (an EST server or a bus that never answers must not hold
      // the gateway up). The start goes on in the background until it ends; a gateway it then
      // completes is stopped at once, and the process ends when the command does.
      const starting = startGateway(config, { io, baseDir: dirname(file) });
      const running = await Promise.race([starting, interrupted.then(() => undefined)]);
      if (running === undefined) {
        starting.then((late) => late.stop(), () => undefined).catch(() => undefined);
        throw new TransportError('PW_ERR_GATEWAY_INTERRUPTED',
          `Gateway ${file} interrupted during its start (identifying and enrolling the meters): nothing was polled; run it again to start`);
      }
      io.out(`gateway polling ${config.meters.length} meter(s) over ${config.transport.kind === 'simulated' ? 'a simulated bus' : config.transport.endpoint.kind}; Ctrl-C stops\n`);
      await interrupted;
      await running.stop();
      io.out(`gateway stopped; ${running.fleet.pending} message(s) kept for the next start\n`);
    });

  gateway.command('simulate-bus')
    .description('Print a gateway.json for a simulated RS-485 bus of meters (one noisy, one that dies and comes back), for `gateway run` without hardware.')
    .requiredOption('--server <url>', 'MQTT broker of the head-end, mqtts://host:port')
    .option('--enroll <url>', 'EST enrollment server, https://host:port')
    .option('--key-server <url>', 'envelope-key endpoint (mutual TLS), https://host:port; needed with --enroll')
    .option('--ca <file>', 'PEM of the phasewire CA')
    .option('--meters <n>', 'meters on the bus', '8')
    .option('--noisy <unit>', 'the unit whose frames take bit errors (1e-4)', '2')
    .option('--dead <unit>', 'the unit that is dead from 1 to 3 minutes after the start', '3')
    .option('--baud <n>', 'baud rate', '9600')
    .option('--period <time>', 'polling period of every meter', '10s')
    .option('--speed <x>', 'simulated time per real time', '1')
    .action(async (options: SimulateBusOptions) => {
      // Enrollment spends each meter's one-time token before the envelope key is fetched: a configuration
      // that can enroll but not fetch the key fails every meter's first start.
      if ((options.enroll === undefined) !== (options.keyServer === undefined)) {
        const given = options.enroll === undefined ? '--key-server' : '--enroll';
        throw new ValidationError('PW_ERR_INVALID_OPTION', `Cannot write a gateway configuration with ${given} `
          + 'alone: a meter is enrolled with its token at the EST server (--enroll) and then fetches its envelope key at the key endpoint '
          + '(--key-server); expected both or neither');
      }
      const count = parseInteger('--meters', options.meters, 1, 247);
      const noisy = options.noisy === undefined ? undefined : parseInteger('--noisy', options.noisy, 1, 247);
      const dead = options.dead === undefined ? undefined : parseInteger('--dead', options.dead, 1, 247);
      const period = parseDuration('--period', options.period);
      const speed = Number(options.speed);
      const profiles = await loadProfiles();
      const config = {
        transport: { simulated: { baud: parseInteger('--baud', options.baud, 300, 1_000_000), speed } },
        headEnd: {
          server: options.server, ...(options.enroll === undefined ? {} : { enroll: options.enroll }),
          ...(options.keyServer === undefined ? {} : { keyServer: options.keyServer }),
          ...(options.ca === undefined ? {} : { ca: options.ca }), tokens: 'tokens.json',
        },
        link: 'wifi', dataDir: 'phasewire-gateway', statsEvery: '1m',
        meters: Array.from({ length: count }, (_, i) => ({
          meter: `gw-meter-${String(i + 1).padStart(3, '0')}`, unit: i + 1, profile: profiles[i % profiles.length]?.model ?? 'sdm630', period,
          simulate: { scenario: 'balanced-resistive', ...(noisy === i + 1 ? { bitErrorRate: 1e-4 } : {}), ...(dead === i + 1 ? { deadBetween: ['1m', '3m'] } : {}) },
        })),
      };
      parseGatewayConfig(config, '(simulate-bus output)');
      io.out(`${JSON.stringify(config, null, 2)}\n`);
    });
}
