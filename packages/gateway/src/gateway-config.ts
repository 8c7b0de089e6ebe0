// The gateway's configuration file (`phasewire gateway run --config gateway.json`), validated as
// data crossing a trust boundary: the schema (gateway-config-schema.ts) checks every field, this
// what a schema cannot say, and every error names the field, the value found and what was expected
// (docs/gateway.md has the reference, generated from the schema). Pure: reading the file, the
// profiles and the tokens is the caller's.
import { ConfigError, parseMeterId, ValidationError, type MeterId } from '@phasewire/core';
import { parseProtectionSettings, type ProtectionSettings } from '@phasewire/core/protocol';
import { assertSchema, expectedOf, problemMessage } from '@phasewire/core/schema';
import type { Parity, SerialFraming } from '@phasewire/modbus';
import { GatewayConfigSchema, gatewayDefaults, type GatewayConfigFile } from './gateway-config-schema.ts';

/** Where the bus is: a serial port, Modbus/TCP, RTU over TCP, or the built-in simulated bus. */
export type BusEndpoint =
  | { readonly kind: 'serial'; readonly path: string; readonly framing: SerialFraming }
  | {
    readonly kind: 'tcp'; readonly host: string; readonly port: number;
    /**
     * Transactions sent at once on the connection (1 when absent): only for a server that serves
     * concurrent transactions (Modbus Messaging on TCP/IP Implementation Guide V1.0b §3.1.3, the
     * transaction identifier; §4.2, NumberMaxOfServerTransaction is a property of each server).
     */
    readonly maxInFlight?: number;
  }
  | { readonly kind: 'rtu+tcp'; readonly host: string; readonly port: number };

export interface SimulatedBusConfig {
  readonly framing: SerialFraming;
  /** The line's bit error rate, for every node (0). */
  readonly bitErrorRate: number;
  /** Simulated time per real time (1: real time). */
  readonly speed: number;
}

/** A simulated meter behind the simulated bus. */
export interface SimulatedMeterConfig {
  readonly scenario: string;
  readonly seed: number;
  /** Bit errors on this meter's own frames. */
  readonly bitErrorRate: number;
  /** Off the line between these times after the start, ms. */
  readonly deadBetween?: readonly [number, number];
}

export interface GatewayMeterConfig {
  readonly meter: MeterId;
  readonly unit: number;
  /** A profile's model, or 'auto': identified at start by the profiles' identify probes. */
  readonly profile: string;
  readonly periodMs: number;
  readonly timeoutMs?: number;
  readonly simulate?: SimulatedMeterConfig;
  /** Local protection on its polls (polled-protection.ts); absent: off. */
  readonly protection?: ProtectionSettings;
}

export interface GatewayConfig {
  readonly transport: { readonly kind: 'bus'; readonly endpoint: BusEndpoint; readonly timeoutMs: number } | { readonly kind:
    'simulated'; readonly bus: SimulatedBusConfig };
  readonly meters: readonly GatewayMeterConfig[];
  readonly headEnd: {
    /** mqtts://host:port */
    readonly server: string;
    /** https://host:port of EST, for meters not enrolled yet. */
    readonly enroll?: string;
    readonly keyServer?: string;
    /** The CA file (PEM) the gateway trusts for enrollment. */
    readonly ca?: string;
    /** Meter id → one-time enrollment token, or a JSON file of them. */
    readonly tokens?: string | Readonly<Record<string, string>>;
  };
  readonly link: 'wifi' | 'cellular';
  readonly dataDir: string;
  /** How often bus statistics are printed, ms. */
  readonly statsEveryMs: number;
  /** A directory of extra device profiles (beside the built-in ones). */
  readonly profilesDir?: string;
}

/** `/dev/ttyUSB0`, `tcp://host:port` or `rtu+tcp://host:port` → the endpoint (errors name `field`, and `file` when given). */
export function parseBusEndpoint(text: string, framing: SerialFraming, field = '--port', file?: string): BusEndpoint {
  const fail = (expected: string): never => {
    throw new ConfigError('PW_ERR_GATEWAY_FILE', `Cannot use ${file === undefined ? '' :
      `gateway configuration ${file}: field `}${field} ${JSON.stringify(text)}: ${expected}`);
  };
  const scheme = /^([a-z+]+):\/\//.exec(text)?.[1];
  if (scheme === undefined) return text.length > 0 ? { kind: 'serial', path: text, framing } : fail(
    'expected a serial device path, tcp://host:port or rtu+tcp://host:port');
  if (scheme !== 'tcp' && scheme !== 'rtu+tcp') return fail(
    `the scheme is ${scheme}, expected a serial device path, tcp://host:port or rtu+tcp://host:port`);
  const match = /^[a-z+]+:\/\/(\[[^\]]+\]|[^:/]+)(?::(\d+))?\/?$/.exec(text);
  if (match === null) return fail('expected host and port, as tcp://192.0.2.10:502');
  const host = (match[1] ?? '').replace(/^\[|\]$/g, '');
  const port = match[2] === undefined ? (scheme === 'tcp' ? 502 : 0) : Number(match[2]);
  // Modbus/TCP has a registered port (Modbus Messaging on TCP/IP Implementation Guide V1.0b §4.1.2); RTU over TCP has none.
  if (!(port >= 1 && port <= 65_535)) return fail(`port ${match[2] ?? '(none)'}, expected 1 to 65535${scheme === 'rtu+tcp' ?
    ' (rtu+tcp has no default port)' : ''}`);
  return { kind: scheme, host, port };
}

type Fail = (path: string, found: unknown, expected: string) => never;

const durationUnits: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000 };

/** Milliseconds of a duration the schema admitted (a positive number, or text such as 10s or 1h30m). */
function durationMs(value: number | string, path: string, fail: Fail): number {
  if (typeof value === 'number') return value;
  let total = 0;
  for (const [, amount = '0', unit = 'ms'] of value.matchAll(/(\d+(?:\.\d+)?)(ms|s|min|m|h)/g)) {
    total += Number(amount) * (durationUnits[unit] ?? 0);
  }
  return total > 0 ? total : fail(path, value, 'a positive duration (milliseconds, or text such as 500ms, 10s, 1m)');
}

function framingOf(raw: { baud?: number; parity?: Parity; stopBits?: 1 | 2 }): SerialFraming {
  return {
    baudRate: raw.baud ?? gatewayDefaults.baud, dataBits: 8,
    parity: raw.parity ?? gatewayDefaults.parity, stopBits: raw.stopBits ?? gatewayDefaults.stopBits,
  };
}

function transportOf(raw: GatewayConfigFile['transport'], file: string, fail: Fail): GatewayConfig['transport'] {
  const { simulated, port, maxInFlight } = raw;
  if (simulated !== undefined) {
    const beside = Object.keys(raw).find((key) => key !== 'simulated');
    if (beside !== undefined) {
      fail(`transport.${beside}`, raw[beside as keyof typeof raw], 'nothing beside transport.simulated (it has its own framing)');
    }
    return {
      kind: 'simulated',
      bus: {
        framing: framingOf(simulated),
        bitErrorRate: simulated.bitErrorRate ?? gatewayDefaults.bitErrorRate,
        speed: simulated.speed ?? gatewayDefaults.speed,
      },
    };
  }
  if (port === undefined) {
    return fail('transport.port', port, 'a serial device path, tcp://host:port or rtu+tcp://host:port (or transport.simulated)');
  }
  let endpoint = parseBusEndpoint(port, framingOf(raw), 'transport.port', file);
  if (maxInFlight !== undefined) {
    // Only Modbus/TCP has transaction ids to match answers by (TCP guide §3.1.3); a serial line and
    // RTU over TCP carry one request at a time (Modbus over Serial Line V1.02 §2.1).
    endpoint = endpoint.kind === 'tcp'
      ? { ...endpoint, maxInFlight }
      : fail('transport.maxInFlight', maxInFlight,
        'no maxInFlight unless transport.port is tcp://host:port (serial lines and RTU over TCP carry one request at a time)');
  }
  return { kind: 'bus', endpoint, timeoutMs: durationMs(raw.timeout ?? gatewayDefaults.timeout, 'transport.timeout', fail) };
}

type SimulateFile = NonNullable<GatewayConfigFile['meters'][number]['simulate']>;

function simulateOf(raw: SimulateFile, unit: number, field: string, fail: Fail): SimulatedMeterConfig {
  let deadBetween: [number, number] | undefined;
  if (raw.deadBetween !== undefined) {
    const [from, to] = raw.deadBetween;
    deadBetween = [durationMs(from, `${field}.deadBetween[0]`, fail), durationMs(to, `${field}.deadBetween[1]`, fail)];
    if (deadBetween[1] <= deadBetween[0]) fail(`${field}.deadBetween`, raw.deadBetween, 'the end after the start');
  }
  return {
    scenario: raw.scenario ?? gatewayDefaults.scenario,
    seed: raw.seed ?? unit,
    bitErrorRate: raw.bitErrorRate ?? gatewayDefaults.bitErrorRate,
    ...(deadBetween === undefined ? {} : { deadBetween }),
  };
}

/** Validates a parsed gateway.json; `file` names it in errors. */
export function parseGatewayConfig(data: unknown, file: string): GatewayConfig {
  const fail: Fail = (path, found, expected) => {
    throw new ConfigError('PW_ERR_GATEWAY_FILE', `Cannot use gateway configuration ${file}: ${problemMessage({ path, found, expected })}`);
  };
  assertSchema(GatewayConfigSchema, data, (problem) => fail(problem.path, problem.found, problem.expected));
  const transport = transportOf(data.transport, file, fail);
  const units = new Set<number>();
  const ids = new Set<string>();
  const meters = data.meters.map((m, i): GatewayMeterConfig => {
    const field = `meters[${i}]`;
    let meter: MeterId;
    try {
      meter = parseMeterId(m.meter);
    } catch {
      return fail(`${field}.meter`, m.meter, expectedOf(GatewayConfigSchema.properties.meters.items.properties.meter));
    }
    if (units.has(m.unit)) fail(`${field}.unit`, m.unit, 'a unit id not used by another meter');
    if (ids.has(meter)) fail(`${field}.meter`, meter, 'a meter id not used by another meter');
    units.add(m.unit);
    ids.add(meter);
    if (m.simulate !== undefined && transport.kind !== 'simulated') {
      fail(`${field}.simulate`, m.simulate, 'no simulate block unless transport.simulated is set');
    }
    return {
      meter, unit: m.unit,
      profile: m.profile ?? gatewayDefaults.profile,
      periodMs: durationMs(m.period ?? gatewayDefaults.period, `${field}.period`, fail),
      ...(m.timeout === undefined ? {} : { timeoutMs: durationMs(m.timeout, `${field}.timeout`, fail) }),
      ...(m.simulate === undefined ? {} : { simulate: simulateOf(m.simulate, m.unit, `${field}.simulate`, fail) }),
      ...(m.protection?.enabled === true
        ? { protection: protectionOf(m.protection.settings, `${field}.protection.settings`, fail) } : {}),
    };
  });
  const { server, enroll, keyServer, ca, tokens } = data.headEnd;
  return {
    transport, meters,
    headEnd: {
      server,
      ...(enroll === undefined ? {} : { enroll }),
      ...(keyServer === undefined ? {} : { keyServer }),
      ...(ca === undefined ? {} : { ca }),
      ...(tokens === undefined ? {} : { tokens }),
    },
    link: data.link ?? gatewayDefaults.link,
    dataDir: data.dataDir ?? gatewayDefaults.dataDir,
    statsEveryMs: durationMs(data.statsEvery ?? gatewayDefaults.statsEvery, 'statsEvery', fail),
    ...(data.profilesDir === undefined ? {} : { profilesDir: data.profilesDir }),
  };
}

/** A polled meter's protection settings: version 1 of the file's settings, checked against their schema. */
function protectionOf(settings: Readonly<Record<string, unknown>> | undefined, field: string, fail: Fail): ProtectionSettings {
  if (settings !== undefined && 'version' in settings) fail(`${field}.version`, settings['version'], 'no version (the file is it)');
  try {
    return parseProtectionSettings({ ...settings, version: 1 });
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return fail(field, settings, error.message.replace(/^Cannot use protection settings: /, ''));
  }
}
