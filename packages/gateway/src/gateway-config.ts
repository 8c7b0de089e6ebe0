// The gateway's configuration file (`phasewire gateway run --config gateway.json`), validated as
// data crossing a trust boundary: every field is checked and every error names the field, the
// value found and what was expected (docs/gateway.md has the reference). Pure: reading the file,
// the profiles and the tokens is the caller's.
import { ConfigError, parseMeterId, type MeterId } from '@phasewire/core';
import type { Parity, SerialFraming } from '@phasewire/modbus';

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
}

export interface GatewayConfig {
  readonly transport: { readonly kind: 'bus'; readonly endpoint: BusEndpoint; readonly timeoutMs: number } | { readonly kind: 'simulated'; readonly bus: SimulatedBusConfig };
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

/**
 * Upper bound of transport.maxInFlight: a poll has at most a handful of read blocks (the SDM630's
 * 27 points take 8), and phasewire's own server holds 16 requests per connection.
 */
export const MAX_IN_FLIGHT = 16;

const durationUnits: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000 };

type Json = Readonly<Record<string, unknown>>;

const isRecord = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

class Reader {
  readonly #file: string;
  constructor(file: string) {
    this.#file = file;
  }

  fail(field: string, found: unknown, expected: string): never {
    throw new ConfigError('PW_ERR_GATEWAY_FILE', `Cannot use gateway configuration ${this.#file}: field ${field} is ${found === undefined ? 'missing' : JSON.stringify(found)}, expected ${expected}`);
  }

  record(value: unknown, field: string): Json {
    return isRecord(value) ? value : this.fail(field, value, 'an object');
  }

  string(value: unknown, field: string, fallback?: string): string {
    if (value === undefined && fallback !== undefined) return fallback;
    return typeof value === 'string' && value.length > 0 ? value : this.fail(field, value, 'a non-empty string');
  }

  optionalString(value: unknown, field: string): string | undefined {
    return value === undefined ? undefined : this.string(value, field);
  }

  integer(value: unknown, field: string, min: number, max: number, fallback?: number): number {
    if (value === undefined && fallback !== undefined) return fallback;
    return typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max ? value : this.fail(field, value, `a whole number from ${min} to ${max}`);
  }

  number(value: unknown, field: string, min: number, maxExclusive: number, fallback: number): number {
    if (value === undefined) return fallback;
    return typeof value === 'number' && Number.isFinite(value) && value >= min && value < maxExclusive ? value : this.fail(field, value, `a number from ${min} and below ${maxExclusive}`);
  }

  /** A duration: milliseconds as a number, or text such as 500ms, 10s, 1m, 1h30m. */
  duration(value: unknown, field: string, fallback?: number): number {
    if (value === undefined && fallback !== undefined) return fallback;
    if (typeof value === 'number' && Number.isFinite(value) && value > 0) return value;
    if (typeof value === 'string' && /^(?:\d+(?:\.\d+)?(?:ms|s|min|m|h))+$/.test(value)) {
      let total = 0;
      for (const part of value.match(/\d+(?:\.\d+)?(?:ms|s|min|m|h)/g) ?? []) {
        const [, amount = '0', unit = 'ms'] = /^(\d+(?:\.\d+)?)(ms|s|min|m|h)$/.exec(part) ?? [];
        total += Number(amount) * (durationUnits[unit] ?? 0);
      }
      if (total > 0) return total;
    }
    return this.fail(field, value, 'a positive duration (milliseconds, or text such as 500ms, 10s, 1m)');
  }

  choice<T extends string>(value: unknown, field: string, choices: readonly T[], fallback: T): T {
    if (value === undefined) return fallback;
    const found = choices.find((choice) => choice === value);
    return found ?? this.fail(field, value, `one of ${choices.join(', ')}`);
  }

  framing(value: Json, field: string): SerialFraming {
    return {
      baudRate: this.integer(value['baud'], `${field}.baud`, 300, 1_000_000, 9600),
      dataBits: 8,
      // Modbus over Serial Line V1.02 §2.5.1: even parity is the default.
      parity: this.choice<Parity>(value['parity'], `${field}.parity`, ['even', 'odd', 'none'], 'even'),
      stopBits: this.integer(value['stopBits'], `${field}.stopBits`, 1, 2, 1) as 1 | 2,
    };
  }
}

/** `/dev/ttyUSB0`, `tcp://host:port` or `rtu+tcp://host:port` → the endpoint (errors name `field`, and `file` when given). */
export function parseBusEndpoint(text: string, framing: SerialFraming, field = '--port', file?: string): BusEndpoint {
  const fail = (expected: string): never => {
    throw new ConfigError('PW_ERR_GATEWAY_FILE', `Cannot use ${file === undefined ? '' : `gateway configuration ${file}: field `}${field} ${JSON.stringify(text)}: ${expected}`);
  };
  const scheme = /^([a-z+]+):\/\//.exec(text)?.[1];
  if (scheme === undefined) return text.length > 0 ? { kind: 'serial', path: text, framing } : fail('expected a serial device path, tcp://host:port or rtu+tcp://host:port');
  if (scheme !== 'tcp' && scheme !== 'rtu+tcp') return fail(`the scheme is ${scheme}, expected a serial device path, tcp://host:port or rtu+tcp://host:port`);
  const match = /^[a-z+]+:\/\/(\[[^\]]+\]|[^:/]+)(?::(\d+))?\/?$/.exec(text);
  if (match === null) return fail('expected host and port, as tcp://192.0.2.10:502');
  const host = (match[1] ?? '').replace(/^\[|\]$/g, '');
  const port = match[2] === undefined ? (scheme === 'tcp' ? 502 : 0) : Number(match[2]);
  // Modbus/TCP has a registered port (Modbus Messaging on TCP/IP Implementation Guide V1.0b §4.1.2); RTU over TCP has none.
  if (!(port >= 1 && port <= 65_535)) return fail(`port ${match[2] ?? '(none)'}, expected 1 to 65535${scheme === 'rtu+tcp' ? ' (rtu+tcp has no default port)' : ''}`);
  return { kind: scheme, host, port };
}

/** Validates a parsed gateway.json; `file` names it in errors. */
export function parseGatewayConfig(data: unknown, file: string): GatewayConfig {
  const r = new Reader(file);
  const root = r.record(data, '(root)');
  const transportJson = r.record(root['transport'], 'transport');
  let transport: GatewayConfig['transport'];
  if (transportJson['simulated'] !== undefined) {
    const sim = r.record(transportJson['simulated'], 'transport.simulated');
    transport = { kind: 'simulated', bus: {
      framing: r.framing(sim, 'transport.simulated'),
      bitErrorRate: r.number(sim['bitErrorRate'], 'transport.simulated.bitErrorRate', 0, 1, 0),
      speed: r.number(sim['speed'], 'transport.simulated.speed', 0.001, 1001, 1),
    } };
  } else {
    const port = r.string(transportJson['port'], 'transport.port');
    let endpoint = parseBusEndpoint(port, r.framing(transportJson, 'transport'), 'transport.port', file);
    const maxInFlight = transportJson['maxInFlight'];
    if (maxInFlight !== undefined) {
      // Only Modbus/TCP has transaction ids to match answers by (TCP guide §3.1.3); a serial line and
      // RTU over TCP carry one request at a time (Modbus over Serial Line V1.02 §2.1).
      endpoint = endpoint.kind === 'tcp'
        ? { ...endpoint, maxInFlight: r.integer(maxInFlight, 'transport.maxInFlight', 1, MAX_IN_FLIGHT) }
        : r.fail('transport.maxInFlight', maxInFlight, 'no maxInFlight unless transport.port is tcp://host:port (serial lines and RTU over TCP carry one request at a time)');
    }
    transport = { kind: 'bus', endpoint, timeoutMs: r.duration(transportJson['timeout'], 'transport.timeout', 1000) };
  }
  const metersJson = root['meters'];
  if (!Array.isArray(metersJson) || metersJson.length === 0) return r.fail('meters', metersJson, 'a non-empty list of meters');
  const units = new Set<number>();
  const ids = new Set<string>();
  const meters = metersJson.map((item: unknown, i): GatewayMeterConfig => {
    const field = `meters[${i}]`;
    const m = r.record(item, field);
    const idText = r.string(m['meter'], `${field}.meter`);
    let meter: MeterId;
    try {
      meter = parseMeterId(idText);
    } catch {
      return r.fail(`${field}.meter`, idText, 'a meter id (3 to 64 lower-case letters, digits and -, not starting with -)');
    }
    // Modbus over Serial Line V1.02 §2.2: individual addresses are 1 to 247.
    const unit = r.integer(m['unit'], `${field}.unit`, 1, 247);
    if (units.has(unit)) r.fail(`${field}.unit`, unit, 'a unit id not used by another meter');
    if (ids.has(meter)) r.fail(`${field}.meter`, meter, 'a meter id not used by another meter');
    units.add(unit);
    ids.add(meter);
    const timeout = m['timeout'] === undefined ? undefined : r.duration(m['timeout'], `${field}.timeout`);
    let simulate: SimulatedMeterConfig | undefined;
    if (m['simulate'] !== undefined) {
      if (transport.kind !== 'simulated') r.fail(`${field}.simulate`, m['simulate'], 'no simulate block unless transport.simulated is set');
      const s = r.record(m['simulate'], `${field}.simulate`);
      let deadBetween: [number, number] | undefined;
      if (s['deadBetween'] !== undefined) {
        const pair = s['deadBetween'];
        if (!Array.isArray(pair) || pair.length !== 2) return r.fail(`${field}.simulate.deadBetween`, pair, 'two durations after the start, [from, to]');
        deadBetween = [r.duration(pair[0], `${field}.simulate.deadBetween[0]`), r.duration(pair[1], `${field}.simulate.deadBetween[1]`)];
        if (deadBetween[1] <= deadBetween[0]) r.fail(`${field}.simulate.deadBetween`, pair, 'the end after the start');
      }
      simulate = {
        scenario: r.string(s['scenario'], `${field}.simulate.scenario`, 'balanced-resistive'),
        seed: r.integer(s['seed'], `${field}.simulate.seed`, 0, 0xffff_ffff, unit),
        bitErrorRate: r.number(s['bitErrorRate'], `${field}.simulate.bitErrorRate`, 0, 1, 0),
        ...(deadBetween === undefined ? {} : { deadBetween }),
      };
    }
    return {
      meter, unit,
      profile: r.string(m['profile'], `${field}.profile`, 'auto'),
      periodMs: r.duration(m['period'], `${field}.period`, 60_000),
      ...(timeout === undefined ? {} : { timeoutMs: timeout }),
      ...(simulate === undefined ? {} : { simulate }),
    };
  });
  const head = r.record(root['headEnd'], 'headEnd');
  const server = r.string(head['server'], 'headEnd.server');
  if (!/^mqtts:\/\/[^/]+$/.test(server)) r.fail('headEnd.server', server, 'mqtts://host:port (TLS only)');
  const tokens = head['tokens'];
  if (tokens !== undefined && typeof tokens !== 'string' && !(isRecord(tokens) && Object.values(tokens).every((t) => typeof t === 'string'))) {
    r.fail('headEnd.tokens', tokens, 'a JSON file name, or an object of meter id → token');
  }
  const enroll = r.optionalString(head['enroll'], 'headEnd.enroll');
  const keyServer = r.optionalString(head['keyServer'], 'headEnd.keyServer');
  const ca = r.optionalString(head['ca'], 'headEnd.ca');
  for (const [name, url] of [['enroll', enroll], ['keyServer', keyServer]] as const) {
    if (url !== undefined && !/^https:\/\/[^/]+\/?$/.test(url)) r.fail(`headEnd.${name}`, url, 'https://host:port');
  }
  const profilesDir = r.optionalString(root['profilesDir'], 'profilesDir');
  return {
    transport, meters,
    headEnd: {
      server,
      ...(enroll === undefined ? {} : { enroll }),
      ...(keyServer === undefined ? {} : { keyServer }),
      ...(ca === undefined ? {} : { ca }),
      ...(tokens === undefined ? {} : { tokens: tokens as string | Record<string, string> }),
    },
    link: r.choice(root['link'], 'link', ['wifi', 'cellular'] as const, 'wifi'),
    dataDir: r.string(root['dataDir'], 'dataDir', 'phasewire-gateway'),
    statsEveryMs: r.duration(root['statsEvery'], 'statsEvery', 60_000),
    ...(profilesDir === undefined ? {} : { profilesDir }),
  };
}
