// A running gateway: the poller reads every meter on the bus by its profile, and each meter is
// uplinked by its own agent (its own identity, enrolled by the gateway on its behalf and kept under
// the gateway's data directory, its own durable queue) whose reading source is the poller. The
// parts are built in the order the readings flow, so none needs one built after it: the bus, the
// poller (every meter's reading source), the agents on those sources; then polling starts with the
// agents as the takers of each snapshot the poller holds.
import { defaultProtectionSettings } from '@phasewire/core/protocol';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { LinkProfile } from '@phasewire/agent';
import { linkProfiles } from '@phasewire/agent';
import { AgentFleet } from '@phasewire/agent/node';
import type { MeterId } from '@phasewire/core';
import { ConfigError } from '@phasewire/core';
import { loadProfiles } from '@phasewire/modbus/node';
import type { GatewayConfig } from '../gateway-config.ts';
import { parseGatewayConfig } from '../gateway-config.ts';
import { GatewayPoller } from '../gateway-poller.ts';
import { PolledProtection } from '../polled-protection.ts';
import { openConfiguredBus } from './configured-bus.ts';

/** Where a gateway reports: progress and statistics to `out`, trouble to `err` (each text ends its own lines). */
export interface GatewayOutput {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

export interface GatewayRunOptions {
  readonly output: GatewayOutput;
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
    const found = error instanceof Error ? error.message : String(error);
    throw new ConfigError('PW_ERR_GATEWAY_FILE', `Cannot read ${what} ${path}: ${found}, expected a readable JSON file`, { cause: error });
  }
}

/** Reads and checks a gateway configuration file (docs/gateway.md). */
export async function loadGatewayConfig(file: string): Promise<GatewayConfig> {
  return parseGatewayConfig(await readJsonFile(file, 'the gateway configuration'), file);
}

/** Starts a gateway: enrolls the meters not enrolled yet, starts their agents, then polls. */
export async function startGateway(config: GatewayConfig, options: GatewayRunOptions): Promise<RunningGateway> {
  const { output, baseDir } = options;
  const own = config.profilesDir === undefined ? [] : await loadProfiles(resolve(baseDir, config.profilesDir));
  const profiles = [...await loadProfiles(), ...own];
  const head = config.headEnd;
  const trustedCa = head.ca === undefined ? '' : await readFile(resolve(baseDir, head.ca), 'utf8');
  const tokens = typeof head.tokens === 'string'
    ? await readJsonFile(resolve(baseDir, head.tokens), 'the tokens file') as Record<string, string>
    : head.tokens ?? {};
  const url = new URL(head.server);
  const bus = await openConfiguredBus(config, profiles, output.out);
  // The first snapshot of a run of implausible ones is logged, and the first plausible one after it.
  const implausibleRun = new Set<MeterId>();
  // Protection on the polls of the meters gateway.json switches it on for, each with its settings.
  const guarded = config.meters.filter((m) => m.protection !== undefined);
  const protection = guarded.length === 0 ? undefined
    : new PolledProtection(guarded.map((m) => m.meter),
      (meter) => guarded.find((m) => m.meter === meter)?.protection ?? defaultProtectionSettings);
  const poller = new GatewayPoller({
    ...(protection === undefined ? {} : { protection }),
    client: bus.client, timers: bus.timers, clock: bus.clock, devices: bus.devices, maxInFlight: bus.maxInFlight,
    onImplausible: (snapshot, problems) => {
      if (implausibleRun.has(snapshot.meter)) return;
      implausibleRun.add(snapshot.meter);
      output.err(`${new Date().toISOString()} ${snapshot.meter} reading of ${new Date(snapshot.at).toISOString()} withheld, not uploaded: `
        + `no live meter reads ${problems.join('; ')}; `
        + 'check the meter\'s model and unit id (its intervals are left as gaps for VEE; the statistics count every withheld reading)\n');
    },
    onQuarantine: (meter, on) => {
      const what = on ? 'quarantined: it failed its polls; probed once per period' : 'answers again: back in the schedule';
      output.err(`${new Date().toISOString()} ${meter} ${what}\n`);
    },
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
          return Promise.reject(new ConfigError('PW_ERR_GATEWAY_FILE', `Cannot enroll meter ${meter} for the gateway: it has no `
            + `enrollment in ${join(resolve(baseDir, config.dataDir), 'meters', meter)} and headEnd.tokens, headEnd.enroll `
            + 'or headEnd.ca is missing for it'));
        }
        return Promise.resolve(token);
      },
      broker: { host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port === '' ? 8883 : Number(url.port) },
      profile: options.linkProfile ?? linkProfiles[config.link],
      onEvent: (meter, event) => {
        if (event.kind !== 'refused' && event.kind !== 'readings-refused' && event.kind !== 'disconnected') return;
        output.err(`${new Date().toISOString()} ${meter} ${event.kind} ${JSON.stringify(event)}\n`);
      },
    });
  } catch (error) {
    await bus.close();
    throw error;
  }
  const chains = new Map<MeterId, Promise<void>>();
  const feed = (meter: MeterId): void => {
    const agent = fleet.agentFor(meter);
    if (agent === undefined) return;
    // One chain per meter: every snapshot the poller holds is staged durably, in poll order.
    const staged = (chains.get(meter) ?? Promise.resolve()).then(async () => { while (await agent.takeAvailableReading()); });
    chains.set(meter, staged.catch((error: unknown) => {
      output.err(`${new Date().toISOString()} ${meter} reading not staged: ${error instanceof Error ? error.message : String(error)}\n`);
    }));
  };
  bus.start();
  const polling = poller.start((snapshot) => {
    if (implausibleRun.delete(snapshot.meter)) {
      output.err(`${new Date().toISOString()} ${snapshot.meter} reads plausible values again: its readings are uploaded\n`);
    }
    feed(snapshot.meter);
  });
  const statsTimer = setInterval(() => { output.out(statsLines(poller)); }, config.statsEveryMs);
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
      output.out(statsLines(poller));
    },
  };
}
