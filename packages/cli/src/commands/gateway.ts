// `phasewire gateway scan|run|simulate-bus`: the RS-485 / Modbus gateway. The gateway package runs
// it (the poller, and each meter's own agent uplinking what the poller reads: start-gateway.ts);
// this command parses the options, starts and stops it, and prints. `transport.simulated` puts
// simulated meters on a simulated bus in real time, for a gateway without hardware; `simulate-bus`
// writes such a configuration.
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { TransportError, ValidationError } from '@phasewire/core';
import { parseBusEndpoint, parseGatewayConfig, scanBus } from '@phasewire/gateway';
import { loadGatewayConfig, openBus, startGateway } from '@phasewire/gateway/node';
import type { Parity } from '@phasewire/modbus';
import { loadProfiles } from '@phasewire/modbus/node';
import type { CliIo } from '../io.ts';
import { parseChoice, parseDuration, parseInteger } from '../options.ts';

/** `1-247`, `1,3,5-9` → unit ids (Modbus over Serial Line V1.02 §2.2: individual addresses 1 to 247). */
export function parseUnits(text: string): number[] {
  const units = new Set<number>();
  for (const part of text.split(',')) {
    const [from = '', to = from] = part.trim().split('-');
    const a = parseInteger('--units', from, 1, 247);
    const b = parseInteger('--units', to, 1, 247);
    if (b < a) throw new ValidationError('PW_ERR_INVALID_OPTION', `Invalid value ${JSON.stringify(
      text)} for --units: range ${part} runs backwards, expected from-to with from ≤ to`);
    for (let unit = a; unit <= b; unit++) units.add(unit);
  }
  return [...units].sort((x, y) => x - y);
}

interface ScanOptions { port: string; baud: string; parity: string; stopBits: string; units: string; timeout: string }
interface SimulateBusOptions {
  meters: string; noisy?: string; dead?: string; baud: string; server: string;
  enroll?: string; keyServer?: string; ca?: string; period: string; speed: string;
}

export function registerGateway(program: Command, io: CliIo): void {
  const gateway = program.command('gateway').description(
    'The RS-485 / Modbus gateway: find meters on a bus, poll them and uplink their readings.');

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
      const config = await loadGatewayConfig(file);
      const interrupted = io.interrupted ?? new Promise<void>(() => undefined);
      // Ctrl-C works during the start too (an EST server or a bus that never answers must not hold
      // the gateway up). The start goes on in the background until it ends; a gateway it then
      // completes is stopped at once, and the process ends when the command does.
      const starting = startGateway(config, { output: io, baseDir: dirname(file) });
      const running = await Promise.race([starting, interrupted.then(() => undefined)]);
      if (running === undefined) {
        starting.then((late) => late.stop(), () => undefined).catch(() => undefined);
        throw new TransportError('PW_ERR_GATEWAY_INTERRUPTED',
          `Gateway ${file} interrupted during its start (identifying and enrolling the meters): nothing was polled; run it again to start`);
      }
      io.out(`gateway polling ${config.meters.length} meter(s) over ${config.transport.kind === 'simulated' ? 'a simulated bus' : config
        .transport.endpoint.kind}; Ctrl-C stops\n`);
      await interrupted;
      await running.stop();
      io.out(`gateway stopped; ${running.fleet.pending} message(s) kept for the next start\n`);
    });

  gateway.command('simulate-bus')
    .description(
    'Print a gateway.json for a simulated RS-485 bus of meters (one noisy, one that dies and comes back), for `gateway run` without ' +
      'hardware.')
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
          meter: `gw-meter-${String(i + 1).padStart(3, '0')}`, unit: i + 1, profile: profiles[i % profiles.length]?.model ?? 'sdm630',
            period,
          simulate: { scenario: 'balanced-resistive', ...(noisy === i + 1 ? { bitErrorRate: 1e-4 } : {}), ...(dead === i + 1 ? {
            deadBetween: ['1m', '3m'] } : {}) },
        })),
      };
      parseGatewayConfig(config, '(simulate-bus output)');
      io.out(`${JSON.stringify(config, null, 2)}\n`);
    });
}
