// The schema of gateway.json (`phasewire gateway run --config`): the one source of truth for what
// the file may hold. gateway-config.ts checks a file against it, then checks what a schema cannot
// say (a bus endpoint's address, unique units and meter ids, which fields go together); the table
// in docs/gateway.md is generated from it (`npm run gen:docs`).
import { Type, type Static } from 'typebox';

/**
 * Upper bound of transport.maxInFlight: a poll has at most a handful of read blocks (the SDM630's
 * 27 points take 8), and phasewire's own server holds 16 requests per connection.
 */
export const MAX_IN_FLIGHT = 16;

/** What the gateway takes for a field the file leaves out: the schema documents them, the parser applies them. */
export const gatewayDefaults = {
  baud: 9600,
  // Modbus over Serial Line V1.02 §2.5.1: even parity is the default.
  parity: 'even',
  stopBits: 1,
  timeout: '1s',
  bitErrorRate: 0,
  speed: 1,
  profile: 'auto',
  period: '1m',
  scenario: 'balanced-resistive',
  link: 'wifi',
  dataDir: 'phasewire-gateway',
  statsEvery: '1m',
} as const;

const closed = { additionalProperties: false } as const;

/** A duration: milliseconds as a number, or text such as 500ms, 10s, 1m, 1h30m. */
const durationPattern = /^(?:\d+(?:\.\d+)?(?:ms|s|min|m|h))+$/;

const Duration = (description: string, fallback?: string) => Type.Union([
  Type.Number({ exclusiveMinimum: 0 }),
  Type.String({ pattern: durationPattern.source }),
], {
  expected: 'a positive duration (milliseconds, or text such as 500ms, 10s, 1m)', description,
  ...(fallback === undefined ? {} : { default: fallback }),
});

const text = (description: string, fallback?: string) =>
  Type.String({ minLength: 1, expected: 'a non-empty string', description, ...(fallback === undefined ? {} : { default: fallback }) });

const framing = (what: string) => ({
  baud: Type.Optional(Type.Integer({ minimum: 300, maximum: 1_000_000, default: gatewayDefaults.baud, description: `${what}: baud rate` })),
  parity: Type.Optional(Type.Enum(['even', 'odd', 'none'], {
    default: gatewayDefaults.parity, description: `${what}: parity (Modbus over Serial Line V1.02 §2.5.1: even is the default)`,
  })),
  stopBits: Type.Optional(Type.Union([Type.Literal(1), Type.Literal(2)], {
    default: gatewayDefaults.stopBits, description: `${what}: stop bits`,
  })),
});

const ErrorRate = (description: string) =>
  Type.Optional(Type.Number({ minimum: 0, exclusiveMaximum: 1, default: gatewayDefaults.bitErrorRate, description }));

const Transport = Type.Object({
  port: Type.Optional(Type.String({
    minLength: 1, expected: 'a serial device path, tcp://host:port or rtu+tcp://host:port',
    description: '`/dev/ttyUSB0`, `tcp://host:port` (Modbus/TCP, port 502 by default) or `rtu+tcp://host:port`',
  })),
  ...framing('serial framing'),
  timeout: Type.Optional(Duration('the client\'s default response timeout', gatewayDefaults.timeout)),
  maxInFlight: Type.Optional(Type.Integer({
    minimum: 1, maximum: MAX_IN_FLIGHT, default: 1,
    description: '`tcp://` only: read blocks of a poll sent together on the connection. Raise it only for a server that serves '
      + 'concurrent transactions (TCP guide V1.0b §3.1.3, §4.2: NumberMaxOfServerTransaction is per server; most meters serve one)',
  })),
  simulated: Type.Optional(Type.Object({
    ...framing('the simulated line'),
    bitErrorRate: ErrorRate('the line\'s bit error rate, for every node'),
    speed: Type.Optional(Type.Number({
      minimum: 0.001, exclusiveMaximum: 1001, default: gatewayDefaults.speed, description: 'simulated time per real time',
    })),
  }, { ...closed, description: 'instead of `port`: a simulated bus in real time, with the simulated meters of `meters[].simulate`' })),
}, { ...closed, description: 'the bus: `port` and its framing, or `simulated`' });

const Simulate = Type.Object({
  scenario: Type.Optional(text('the simulated meter\'s scenario (docs/sensing.md)', gatewayDefaults.scenario)),
  seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 0xffff_ffff, description: 'its random seed (the unit id by default)' })),
  bitErrorRate: ErrorRate('bit errors on this meter\'s own frames'),
  deadBetween: Type.Optional(Type.Tuple([Duration('from'), Duration('to')], {
    expected: 'two durations after the start, [from, to]', description: 'off the line between these times after the start',
  })),
}, { ...closed, description: '`transport.simulated` only: the simulated meter at this unit' });

const Meter = Type.Object({
  meter: Type.String({
    minLength: 1, expected: 'a meter id (3 to 64 lower-case letters, digits and -, not starting with -)',
    description: 'the meter id (its device identity at the head-end)',
  }),
  // Modbus over Serial Line V1.02 §2.2: individual addresses are 1 to 247.
  unit: Type.Integer({ minimum: 1, maximum: 247, description: 'Modbus unit id, once per bus' }),
  profile: Type.Optional(text('a profile\'s model (`sdm630`, …), or `auto` to identify it at start', gatewayDefaults.profile)),
  period: Type.Optional(Duration('polling period', gatewayDefaults.period)),
  timeout: Type.Optional(Duration('response timeout for this meter (the profile\'s by default)')),
  simulate: Type.Optional(Simulate),
  protection: Type.Optional(Type.Object({
    enabled: Type.Boolean({ description: 'whether the gateway judges this meter\'s polls with the protection functions' }),
    settings: Type.Optional(Type.Record(Type.String(), Type.Unknown(), {
      expected: 'protection settings (docs/protection.md) without their version',
      description: 'the protection settings as in docs/protection.md\'s table, without `version` (the defaults where absent)',
    })),
  }, { ...closed, description: 'local protection on this meter\'s polls, within the limits polling sets (docs/protection.md)' })),
}, closed);

const HttpsUrl = (description: string) =>
  Type.Optional(Type.String({ pattern: '^https://[^/]+/?$', expected: 'https://host:port', description }));

const HeadEnd = Type.Object({
  server: Type.String({
    pattern: '^mqtts://[^/]+$', expected: 'mqtts://host:port (TLS only)', description: 'the head-end\'s MQTT broker',
  }),
  enroll: HttpsUrl('the EST server, needed while some meter is not enrolled'),
  keyServer: HttpsUrl('the envelope-key endpoint, needed with `enroll`'),
  ca: Type.Optional(text('the PEM file of the CA the gateway trusts for enrollment')),
  tokens: Type.Optional(Type.Union([Type.String({ minLength: 1 }), Type.Record(Type.String(), Type.String())], {
    expected: 'a JSON file name, or an object of meter id → token',
    description: 'each meter\'s one-time enrollment token: a JSON file of them, or the object inline',
  })),
}, { ...closed, description: 'where the meters\' readings go' });

export const GatewayConfigSchema = Type.Object({
  transport: Transport,
  meters: Type.Array(Meter, { minItems: 1, expected: 'a non-empty list of meters', description: 'the meters on the bus' }),
  headEnd: HeadEnd,
  link: Type.Optional(Type.Enum(['wifi', 'cellular'], { default: gatewayDefaults.link, description: 'the agents\' link profile' })),
  dataDir: Type.Optional(text('where the meters\' identities and queues live', gatewayDefaults.dataDir)),
  statsEvery: Type.Optional(Duration('how often bus statistics are printed', gatewayDefaults.statsEvery)),
  profilesDir: Type.Optional(text('a directory of extra device profiles, beside the built-in ones')),
}, closed);

/** gateway.json as the schema admits it, before defaults and durations. */
export type GatewayConfigFile = Static<typeof GatewayConfigSchema>;
