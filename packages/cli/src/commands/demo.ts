// `phasewire demo` (what `npm start` runs): `phasewire server` on its embedded defaults in ./data,
// and in the same process a demo fleet of real meter agents: Wi-Fi and cellular meters with varied
// loads, each enrolled once through the server's EST endpoint (tokens issued in-process) and talking
// MQTT over mutual TLS through a link emulator of its profile. One meter develops a phase imbalance;
// one drops off (its link goes down for half an hour of simulated time in every two hours), comes
// back and backfills; the imbalance trips its local protection, and the demo disconnects another meter
// remotely (demo-protection.ts). Simulated time runs --speed times real time. The live table is built
// from what the head-end has stored, plus each meter's link, status, queue, last contact and relay.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { lvur, parseMeterId, pvur, Q, SeededRandom, vufFromLineMagnitudes } from '@phasewire/core';
import type { Clock, MeterId, ObisCode, Reading } from '@phasewire/core';
import { linkProfiles } from '@phasewire/agent';
import type { LinkProfileName } from '@phasewire/agent';
import type { SimulatedMeter } from '@phasewire/meter';
import { ensureEnrolled, LinkEmulator, loadAgentIdentity, MeterAgent } from '@phasewire/agent/node';
import { deviceIdentity } from '@phasewire/secure';
import { defaultLoginLimits, defaultSessionPolicy } from '@phasewire/api/node';
import type { PhasewireServer } from '@phasewire/server/node';
import type { MeterSetup } from '@phasewire/mdm';
import type { ServerConfig } from '@phasewire/server';
import type { CliIo } from '../io.ts';
import { parseDuration, parseInteger } from '../options.ts';
import { setUpDemoBilling } from './demo-billing.ts';
import { demoAgentFirmware, demoLabModel, demoModel, firmwareSummary, setUpDemoFirmware } from './demo-firmware.ts';
import { carriedFromStore, readCarriedOver, writeCarriedOver, type CarriedOver } from './demo-carry-over.ts';
import { demoMeterSource, disconnectRemotely, relayColumn, remoteDisconnectAfterMs } from './demo-protection.ts';
import { cliServices, loadServerConfig, serverFlags, startServerFromCli, startupSummary } from './server.ts';
import type { ServerFlags } from './server.ts';

interface DemoOptions extends ServerFlags {
  meters: string;
  seed: string;
  speed: string;
  duration?: string;
}

interface DemoMeterPlan {
  readonly scenario: string;
  readonly link: LinkProfileName;
  /** The meter whose link goes down for a while and comes back. */
  readonly dropsOff?: boolean;
  /** What the MDM must know of the site (its nominal system, CTs) when it is not the 230 V direct default. */
  readonly setup?: MeterSetup;
  /** Local protection, armed with a trip level the scenario reaches (demo-protection.ts). */
  readonly protection?: boolean;
  /** The meter the demo disconnects remotely. */
  readonly disconnected?: boolean;
  /** The lab model: the one meter a campaign of the bad build reaches (demo-firmware.ts). */
  readonly lab?: boolean;
}

/** One meter per kind of site the demo should show; the fourth is the one that drops off. */
const plan: readonly DemoMeterPlan[] = [
  { scenario: 'balanced-motor', link: 'wifi' },
  { scenario: 'nonlinear', link: 'wifi', disconnected: true },
  { scenario: 'developing-imbalance', link: 'wifi', protection: true },
  { scenario: 'daily-profile', link: 'wifi', dropsOff: true },
  // 200/5 A and 400/5 A CTs (packages/meter/src/scenarios.ts), 5 A on the meter's side.
  { scenario: 'unbalanced', link: 'cellular', setup: { ctRatio: 40, maxCurrent: 5 } },
  { scenario: 'us-480', link: 'cellular', setup: { nominalVoltage: 277, nominalFrequency: 60, ctRatio: 80, maxCurrent: 5 } },
  { scenario: 'single-phase-l2', link: 'cellular', lab: true },
];

const tickMs = 1000;
const minute = 60_000;
/** The MDM's interval (the store's 15-minute load profile). */
const quarterHourMs = 15 * minute;
/** The dropping meter's link is down from minute 20 to minute 50 of every two simulated hours. */
const outageCycleMs = 120 * minute;
const outage = { from: 20 * minute, to: 50 * minute };

interface DemoMeter {
  readonly id: MeterId;
  readonly plan: DemoMeterPlan;
  readonly agent: MeterAgent;
  readonly link: LinkEmulator;
  readonly simulated: SimulatedMeter;
  readonly dataDir: string;
  /** The remote disconnect was sent (or not needed). */
  disconnectSent: boolean;
}

export function registerDemo(program: Command, io: CliIo): void {
  serverFlags(program.command('demo')
    .description('Run the server on its embedded defaults in --data-dir (./data) with a demo fleet of Wi-Fi and cellular meter agents, and '
      + 'show what it stores (what `npm start` runs).'))
    .option('--meters <n>', 'number of meters', String(plan.length))
    .option('--seed <n>', 'seed of the fleet', '1')
    .option('--speed <factor>',
      'simulated seconds per real second, so that slow changes such as a developing imbalance show within minutes', '60')
    .option('--duration <time>', 'stop after this long in real time (default: run until Ctrl-C)')
    .action(async (options: DemoOptions) => {
      const count = parseInteger('--meters', options.meters, 1, 1000);
      const seed = parseInteger('--seed', options.seed, 0, 0xffff_ffff);
      const speed = parseInteger('--speed', options.speed, 1, 3600);
      const duration = options.duration === undefined ? Number.POSITIVE_INFINITY : parseDuration('--duration', options.duration);
      const loaded = await loadServerConfig(io, options);
      const { dataDir, file } = loaded;
      const config = withDemoSetups(loaded.config, count);
      await setUpDemoFirmware(dataDir, config);
      // Simulated time: the meters' clock, and the MDM's and the API's, so that VEE judges the
      // readings on the time they were taken in (not as future-dated) and the API's "now" and
      // "online" agree with them. It is the real time until the fleet starts, then runs `speed`
      // times faster from the later of now and the last stored reading: it never runs back.
      const sim = { realStart: Date.now(), simStart: Date.now(), speed: 1 };
      const clock: Clock = { now: () => sim.simStart + (Date.now() - sim.realStart) * sim.speed };
      // The API's windows are in its (simulated) time: scaled so that they last as long in real time.
      const scaled = (ms: number): number => ms * speed;
      const services = cliServices(io, {
        clock,
        // The head-end records last seen on the real clock: mapped onto the simulated one.
        fromServerTime: (ms) => sim.simStart + (ms - sim.realStart) * sim.speed,
        api: {
          session: { lifetimeMs: scaled(defaultSessionPolicy.lifetimeMs), idleMs: scaled(defaultSessionPolicy.idleMs) },
          loginLimits: {
            ...defaultLoginLimits, windowMs: scaled(defaultLoginLimits.windowMs), backoffMs: scaled(defaultLoginLimits.backoffMs),
            maxBackoffMs: scaled(defaultLoginLimits.maxBackoffMs), forgetMs: scaled(defaultLoginLimits.forgetMs),
          },
          rateLimit: { limit: 1200, windowMs: scaled(60_000) },
        },
      });
      // Only errors go to the log here: the demo's own link drops and resends are expected warnings.
      const server = await startServerFromCli(io, dataDir, config, {
        services,
        // The meters read on the simulated clock: the ingest judges their reading times on it too.
        readingClock: clock,
        // Commands expire on the meters' clock, which is the simulated one (headend/commands.ts).
        deviceTime: { clock, get rate() { return sim.speed; } },
        log: (event) => { if (event.level === 'error') io.err(`${new Date().toISOString()} ${event.msg}\n`); },
      });
      const fleet: DemoMeter[] = [];
      const stopping = { now: false };
      try {
        const ids = Array.from({ length: count }, (_, i) => parseMeterId(demoMeterId(i)));
        // A second start goes on from each meter's last reading, its clock and its registers
        // (demo-carry-over.ts): the meters' clocks never run back, nor do their registers.
        const carried = await Promise.all(ids.map((id) => carriedOverOf(server, id)));
        const realStart = Date.now();
        const simStart = Math.max(realStart, ...carried.map((c) => c.at + minute));
        Object.assign(sim, { realStart, simStart, speed });
        io.out(startupSummary(server, file));
        // The meters on the sample tariffs (each meter's running charges: the billing page of the dashboard).
        if (services.billing !== undefined) {
          const added = await setUpDemoBilling(services.billing, ids, config.billing.cycleDay, clock.now());
          io.out(`demo billing: ${count} meters on the sample tariffs (${added} set up now); `
            + 'running charges on the dashboard\'s billing page\n');
        }
        if (services.apiUrl !== undefined) {
          io.out(`open the dashboard: ${services.apiUrl}/  (the browser warns about the demo's own CA: ${server.endpoints.caFile})\n`);
          if (server.endpoints.firmware !== undefined) io.out(firmwareSummary(services.apiUrl));
        }
        // The meters read on the minute grid of simulated time, and on every quarter hour: the MDM
        // judges each 15-minute interval on the readings stamped at its end (fleet-snapshots.ts), so
        // a tick that passed a quarter hour reads at that mark. Between ticks the meters' clock is
        // the simulated one.
        const held: { at: number | undefined; lastRead: number } = { at: undefined, lastRead: clock.now() };
        const meterClock: Clock = { now: () => held.at ?? clock.now() };
        const enrolled = await startFleet(io, server, ids.map((id, i) => ({ id, carried: carried[i] ?? { at: 0, registers: {} } })),
          meterClock, speed, seed, fleet, stopping);
        // The simulated meters start at their creation: the first mark read is after the last of them.
        held.lastRead = clock.now();
        const fleetStart = held.lastRead;
        io.out(`demo fleet: ${count} meter agents (${enrolled} enrolled now, ${count - enrolled} from before), a reading every ${speed} `
          + `simulated seconds (one per real second); simulated time runs ${speed}× real time. Ctrl-C stops.\n`);
        await runTicks(io, duration, async () => {
          const now = clock.now();
          const phase = (now - simStart) % outageCycleMs;
          for (const meter of fleet) {
            if (meter.plan.disconnected === true && now - fleetStart >= remoteDisconnectAfterMs && !meter.disconnectSent) {
              meter.disconnectSent = true;
              disconnectRemotely(server, meter.id, meter.agent.relayState, (line) => { io.out(line); });
            }
            if (meter.plan.dropsOff !== true) continue;
            const down = phase >= outage.from && phase < outage.to;
            if (down && !meter.link.isDown) meter.link.cut();
            if (!down && meter.link.isDown) meter.link.restore();
          }
          // One reading per meter per tick: at the default speed, one a simulated minute.
          const quarter = Math.floor(now / quarterHourMs) * quarterHourMs;
          held.at = quarter > held.lastRead ? quarter : Math.max(held.lastRead + 1, Math.floor(now / minute) * minute);
          held.lastRead = held.at;
          try {
            await Promise.all(fleet.map((meter) => meter.agent.takeReading()));
          } finally {
            held.at = undefined;
          }
          const rows = await Promise.all(fleet.map(async (meter) => formatRow(meter, await server.store.latest(meter.id), server)));
          const table = [header, ...rows].join('\n');
          const title = `simulated time ${new Date(now).toISOString()}; ${server.headEnd.ingest.stored} readings stored since start`;
          io.out(io.interactive === true ? `\u001b[H\u001b[2J${title}\n${table}\n` : `${title}\n${table}\n`);
        });
      } finally {
        stopping.now = true;
        // The links go down first: an agent's goodbye over a cellular link would wait out seconds of
        // latency, and one sent as its connection closes is never answered. The head-end records
        // each meter offline from its will; the agents keep their queues on disk for the next start.
        for (const meter of fleet) meter.link.cut();
        await new Promise((resolve) => setTimeout(resolve, 100));
        await Promise.all(fleet.map(async (meter) => {
          await meter.agent.stop();
          await meter.link.close();
          await writeCarriedOver(meter.dataDir, meter.simulated);
        }));
        await server.close();
      }
      io.out(`demo stopped; ${dataDir} keeps the CA, the enrollments and the readings for the next start\n`);
    });
}

/** The demo meters' sites for the MDM, under what the configuration file says of the same meters. */
function withDemoSetups(config: ServerConfig, count: number): ServerConfig {
  const setups: Record<string, MeterSetup> = {};
  for (let i = 0; i < count; i++) {
    const setup = plan[i % plan.length]?.setup;
    if (setup !== undefined) setups[demoMeterId(i)] = setup;
  }
  const meters = config.mdm.meters;
  return { ...config, mdm: { ...config.mdm, meters: { ...meters, meters: { ...setups, ...meters.meters } } } };
}

const demoMeterId = (i: number): string => `demo-meter-${String(i + 1).padStart(3, '0')}`;

/** Where a meter stopped: what the demo wrote at its last stop, or its latest stored readings, whichever is later. */
async function carriedOverOf(server: PhasewireServer, id: MeterId): Promise<CarriedOver> {
  const stored = carriedFromStore(await server.store.latest(id));
  const written = await readCarriedOver(join(server.dataDir, 'demo', id));
  return written !== undefined && written.at >= stored.at ? written : stored;
}

/** Enrolls the meters that are not yet (tokens issued in-process), and starts every agent behind its link. */
async function startFleet(
  io: CliIo,
  server: PhasewireServer,
  meters: readonly { readonly id: MeterId; readonly carried: CarriedOver }[],
  clock: Clock,
  speed: number,
  seed: number,
  fleet: DemoMeter[],
  stopping: { readonly now: boolean },
): Promise<number> {
  const trustedCa = await readFile(server.endpoints.caFile, 'utf8');
  let enrolled = 0;
  const started = await Promise.allSettled(meters.map(async ({ id, carried }, i): Promise<DemoMeter> => {
    const meterPlan = plan[i % plan.length] ?? { scenario: 'balanced-motor', link: 'wifi' };
    const dataDir = join(server.dataDir, 'demo', id);
    // Model and link profile for the API's fleet view (a meter already registered keeps its entry).
    const model = meterPlan.lab === true ? demoLabModel : demoModel;
    server.headEnd.registry.enrol({ id, kind: 'meter', model, linkProfile: meterPlan.link });
    let identity = await loadAgentIdentity(dataDir, id);
    if (identity === undefined) {
      const token = await server.issueToken(deviceIdentity('meter', id));
      identity = (await ensureEnrolled({ dataDir, meter: id, token: token.token, estServer: server.endpoints.enrollment,
        keyServer: server.endpoints.keyProvisioning, trustedCa })).identity;
      enrolled++;
    }
    const real = linkProfiles[meterPlan.link];
    // Backoff runs in real time while the meters' time runs `speed` times faster: its ceiling is
    // scaled down with it, so a meter whose link comes back reconnects within the demo's minutes.
    const profile = { ...real,
      reconnect: { initialMs: Math.min(real.reconnect.initialMs, 500), maxMs: Math.max(1000, Math.round(real.reconnect.maxMs / speed)) } };
    const link = await LinkEmulator.start({ target: { host: '127.0.0.1', port: server.endpoints.mqttPort }, conditions: real.emulated,
      random: new SeededRandom(seed + i) });
    // A second start carries each meter's energy on instead of starting its registers at zero,
    // which the MDM reads as a meter exchange.
    const { simulated, source } = demoMeterSource({ meter: id, scenario: meterPlan.scenario, mode: 'phasor', seed: seed + i,
      start: clock.now(), registers: carried.registers }, meterPlan.protection === true);
    const agent = await MeterAgent.open({
      identity, dataDir, broker: { host: '127.0.0.1', port: link.port, servername: 'localhost' }, profile, clock,
      random: new SeededRandom(seed + 1000 + i),
      ...(source === undefined ? { meter: simulated } : { source }),
      // A clock-sync's time may be a round trip old (bounded by the meter's own last message): 30 s of
      // real time, as for a real meter, which is `speed` times longer on the meters' clock.
      clockSyncMaxAgeMs: 30_000 * speed,
      ...(server.endpoints.firmware === undefined ? {} : { firmware: demoAgentFirmware(server.dataDir, server.endpoints.firmware, trustedCa,
        model) }),
      // What an agent refuses is worth seeing, except the work cut short by the demo's own stop.
      onEvent: (event) => { if (event.kind === 'refused' && !stopping.now) io.err(`${id}: ${event.code} ${event.message}\n`); },
    });
    agent.start();
    return { id, plan: meterPlan, agent, link, simulated, dataDir, disconnectSent: false };
  }));
  // Every agent that started is stopped by the caller, also when another one failed to start.
  for (const outcome of started) if (outcome.status === 'fulfilled') fleet.push(outcome.value);
  const failed = started.find((outcome) => outcome.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  return enrolled;
}

async function runTicks(io: CliIo, duration: number, tick: () => Promise<void>): Promise<void> {
  const until = Date.now() + duration;
  const stopped = io.interrupted ?? new Promise<void>(() => undefined);
  let interrupted = false;
  void stopped.then(() => { interrupted = true; });
  // Read through a function: the flag changes in a callback, which type narrowing does not see.
  const isInterrupted = (): boolean => interrupted;
  while (!isInterrupted() && Date.now() < until) {
    await Promise.race([new Promise((resolve) => setTimeout(resolve, Math.min(tickMs, Math.max(0, until - Date.now())))), stopped]);
    if (!isInterrupted()) await tick();
  }
}

const header = [
  'meter'.padEnd(16), 'scenario'.padEnd(20),
  'U1 V'.padStart(7), 'U2 V'.padStart(7), 'U3 V'.padStart(7),
  'I1 A'.padStart(7), 'I2 A'.padStart(7), 'I3 A'.padStart(7), 'IN A'.padStart(7),
  'P kW'.padStart(8), 'PF'.padStart(6), 'VUF %'.padStart(6), 'LVUR %'.padStart(7), 'PVUR %'.padStart(7), 'A+ kWh'.padStart(10),
  'link'.padEnd(13), 'status'.padEnd(7), 'queued'.padStart(6), 'last seen'.padStart(9), 'relay',
].join(' ');

function formatRow(meter: DemoMeter, latest: readonly Reading[], server: PhasewireServer): string {
  const values = new Map<ObisCode, number>(latest.map((reading) => [reading.quantity, reading.value]));
  const v = (code: ObisCode): number => values.get(code) ?? Number.NaN;
  const fixed = (x: number, digits: number, width: number): string => (Number.isFinite(x) ? x.toFixed(digits) : '-').padStart(width);
  const lineVoltages = [v(Q.voltageL1L2), v(Q.voltageL2L3), v(Q.voltageL3L1)] as const;
  const phaseVoltages = [v(Q.voltageL1), v(Q.voltageL2), v(Q.voltageL3)] as const;
  const unbalance = (compute: () => number): number =>
    (lineVoltages.every(Number.isFinite) && phaseVoltages.every(Number.isFinite) ? compute() * 100 : Number.NaN);
  const status = server.headEnd.activity.get(meter.id);
  const seen = server.headEnd.activity.lastSeen(meter.id);
  const ago = seen === undefined ? '-' : `${Math.max(0, Math.round((Date.now() - seen) / 1000))} s ago`;
  const link = `${meter.plan.link}${meter.link.isDown ? ' DOWN' : ''}`;
  return [
    meter.id.padEnd(16), meter.plan.scenario.padEnd(20),
    fixed(phaseVoltages[0], 1, 7), fixed(phaseVoltages[1], 1, 7), fixed(phaseVoltages[2], 1, 7),
    fixed(v(Q.currentL1), 2, 7), fixed(v(Q.currentL2), 2, 7), fixed(v(Q.currentL3), 2, 7), fixed(v(Q.currentNeutral), 2, 7),
    fixed(v(Q.activePower) / 1000, 2, 8), fixed(v(Q.powerFactor), 3, 6),
    fixed(unbalance(() => vufFromLineMagnitudes(lineVoltages).value), 2, 6),
    fixed(unbalance(() => lvur(lineVoltages).value), 2, 7), fixed(unbalance(() => pvur(phaseVoltages).value), 2, 7),
    fixed(v(Q.activeEnergyImport) / 1000, 3, 10),
    link.padEnd(13), (status === undefined ? '-' : status.online ? 'online' : 'offline').padEnd(7),
    String(meter.agent.pending + meter.agent.staged).padStart(6), ago.padStart(9), relayColumn(server, meter.id),
  ].join(' ');
}
