// The schema of the server configuration (data/phasewire.json or `phasewire server --config`): the
// one source of truth for what the file may hold. server-config.ts checks a file against it, then
// checks what a schema cannot say (host names, listeners on one port, fields that go together, URLs,
// times); the reference in docs/configuration.md is generated from it (`npm run gen:docs`). Every
// object is closed: a misspelt field is refused with the fields allowed, not silently ignored.
import { Type, type Static } from 'typebox';
import { defaultMqttListener, defaultReadingTimeWindow } from '@phasewire/headend';
import { defaultSchedule } from '@phasewire/mdm';
import { AlarmConfigSchema } from './alarm-config-schema.ts';

/** IANA "secure-mqtt" (MQTT over TLS), RFC 6335 registry. */
export const defaultMqttPort = 8883;
export const defaultEnrollmentPort = 8443;
export const defaultKeyProvisioningPort = 8444;
/** The API and dashboard: next to the enrollment (8443) and key (8444) listeners, not on either. */
export const defaultApiPort = 8445;
/** The firmware file server (TUF repository over HTTPS), after the API. */
export const defaultFirmwarePort = 8446;

/** MQTT 3.1.1 §2.2.3: the largest remaining length four length bytes can say. */
const mqttMaxRemainingLength = 268_435_455;

/** What the server takes for a field the file leaves out: the schema documents them, the parser applies them. */
export const serverDefaults = {
  hosts: ['localhost', '127.0.0.1'],
  bind: '127.0.0.1',
  brokerBinary: 'mosquitto',
  // Beside the CA directory, where `phasewire pki --dir data/pki` looks for them.
  keystoreFile: 'pki/keystore.json',
  keystoreKeyFile: 'pki/keystore.key',
  pkcs11Module: '/usr/lib/softhsm/libsofthsm2.so',
  pkcs11PinEnv: 'PHASEWIRE_PKCS11_PIN',
  topicPrefix: 'phasewire/alarms',
  firmwareDirectory: 'firmware',
  earliestReading: '2020-01-01T00:00:00Z',
  haDiscoveryPrefix: 'homeassistant',
  haTopicPrefix: 'phasewire',
} as const;

const closed = { additionalProperties: false } as const;

const text = (description: string, fallback?: string) =>
  Type.String({ minLength: 1, expected: 'a non-empty string', description, ...(fallback === undefined ? {} : { default: fallback }) });

// Port 0 lets the system choose (tests); the bound port is in the start-up summary.
const Port = (description: string, fallback: number) =>
  Type.Optional(Type.Integer({ minimum: 0, maximum: 65_535, default: fallback, description: `${description}; 0 lets the system choose` }));

const whole = (min: number, max: number, fallback: number, description: string) =>
  Type.Optional(Type.Integer({ minimum: min, maximum: max, default: fallback, description }));

const Listener = (description: string, fallback: number) =>
  Type.Object({ port: Port(description, fallback) }, { ...closed, description: 'the listener\'s port' });

const Mqtt = Type.Object({
  port: Port('MQTT over mutual TLS 1.3', defaultMqttPort),
  handshakeTimeoutMs: whole(100, 600_000, defaultMqttListener.handshakeTimeoutMs, 'a TLS handshake and MQTT CONNECT must end within this'),
  maxConnections: whole(1, 1_000_000, defaultMqttListener.maxConnections, 'connections at once (lowered to fit the open-file limit)'),
  maxConnectionsPerAddress: whole(1, 1_000_000, defaultMqttListener.maxConnectionsPerAddress, 'connections at once from one IP address'),
  maxPacketBytes: whole(1024, mqttMaxRemainingLength, defaultMqttListener.maxPacketBytes, 'the largest MQTT packet taken'),
  descriptorReserve: whole(64, 1_000_000, defaultMqttListener.descriptorReserve,
    'file descriptors kept from the MQTT listener for the rest of the server'),
}, { ...closed, description: 'the MQTT listener: its port and limits (running.md, "Limits of the MQTT listener")' });

const Broker = Type.Union([
  Type.Object({ kind: Type.Literal('embedded', { description: 'aedes in this process' }) }, closed),
  Type.Object({
    kind: Type.Literal('mosquitto', { description: 'Debian\'s Mosquitto, started and configured by the server' }),
    binary: Type.Optional(text('the Mosquitto executable', serverDefaults.brokerBinary)),
  }, closed),
], { default: 'embedded', description: 'the MQTT broker behind the listener (head-end.md)' });

const Keystore = Type.Union([
  Type.Object({
    kind: Type.Literal('software'),
    file: Type.Optional(text('the software keystore file', serverDefaults.keystoreFile)),
    keyFile: Type.Optional(text('its 32-byte unlock key file, made on first start', serverDefaults.keystoreKeyFile)),
    passphraseEnv: Type.Optional(text('instead of `keyFile`: the environment variable holding a passphrase (scrypt)')),
  }, closed),
  Type.Object({
    kind: Type.Literal('pkcs11'),
    module: Type.Optional(text('the PKCS#11 library', serverDefaults.pkcs11Module)),
    tokenLabel: Type.Optional(text('the token by label (or `slot`: exactly one)')),
    slot: Type.Optional(Type.Integer({ minimum: 0, maximum: 0xffff_ffff, description: 'the token by slot id (or `tokenLabel`)' })),
    pinEnv: Type.Optional(text('the environment variable holding the user PIN', serverDefaults.pkcs11PinEnv)),
    pinFile: Type.Optional(text('instead of `pinEnv`: a file holding the user PIN (never the configuration itself)')),
  }, closed),
], { default: 'software', description: 'where the CA\'s and the listeners\' keys are kept (security-pki.md)' });

const Store = Type.Object({
  kind: Type.Enum(['sqlite', 'postgres'], { description: 'SQLite (`path`) or PostgreSQL (`connectionString`, `schema`, `poolSize`)' }),
}, {
  default: { kind: 'sqlite', path: 'phasewire.db' },
  description: 'the store configuration of store.md, checked there: `{ kind: "sqlite", path, retention }` or '
    + '`{ kind: "postgres", connectionString, schema, poolSize, retention }`',
});

const State = Type.Object({
  kind: Type.Optional(Type.Enum(['local', 'postgres'], { default: 'local', description: 'where the head-end\'s shared state lives: '
    + '`local` (headend.db and pki/tokens.json in the data directory) or `postgres` (schema `phasewire_headend` of the PostgreSQL '
    + 'store\'s database, with its `connectionString`: needs `store.kind` `postgres`); head-end.md, "Where the state lives"' })),
  poolSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 64, default: 4,
    description: 'connections of the state\'s pool (`postgres`)' })),
}, { ...closed, description: 'the head-end\'s state: replay windows, downlink counters, enrollment tokens (head-end.md, '
  + '"Where the state lives")' });

const PemPair = (what: string) => ({
  certificate: Type.Optional(text(`a certificate chain (PEM; relative: in the data directory) ${what}; with \`key\``)),
  key: Type.Optional(text('its private key (PEM), with `certificate`')),
});

const Api = Type.Object({
  enabled: Type.Optional(Type.Boolean({ default: true, description: 'the HTTPS API and the dashboard' })),
  bind: Type.Optional(text('address the API binds to, when it differs from the other listeners\' (default `bind`)')),
  port: Port('the API and dashboard over HTTPS (TLS 1.3, no client certificate)', defaultApiPort),
  ...PemPair('for the API, e.g. one the users\' browsers trust (default: the listeners\' certificate)'),
  metrics: Type.Optional(Type.Object({
    enabled: Type.Optional(Type.Boolean({ default: true, description: '`/metrics` in Prometheus\' text format (operations.md)' })),
    tokenEnv: Type.Optional(text('the environment variable holding the scrape token (at least 16 characters); without it, '
      + '`/metrics` answers loopback clients only')),
  }, { ...closed, description: 'the metrics endpoint on the API listener' })),
}, { ...closed, description: 'the HTTPS API with the dashboard (api.md)' });

const Ingest = Type.Object({
  earliestReading: Type.Optional(text(
    'readings with an earlier time are refused (an ISO-8601 time after 1970)', serverDefaults.earliestReading,
  )),
  maxReadingAgeDays: Type.Optional(Type.Integer({
    minimum: 0, maximum: 36_600, description: 'when set, readings more than this many days before the head-end\'s clock are refused too',
  })),
  maxReadingAheadMinutes: whole(0, 1440, defaultReadingTimeWindow.maxAheadMs / 60_000,
    'readings more than this many minutes after the head-end\'s clock are refused'),
}, { ...closed, description: 'the reading times the head-end stores (head-end.md, "Reading times")' });

const Milliseconds = (fallback: number, description: string) => Type.Optional(Type.Integer({
  minimum: 1, maximum: Number.MAX_SAFE_INTEGER, expected: 'a positive whole number of milliseconds', default: fallback, description,
}));

const Webhook = Type.Object({
  url: text('`https://` (or `http://` to loopback)'),
  secretEnv: text('the environment variable holding the signing secret (at least 32 bytes)'),
  caFile: Type.Optional(text('PEM file of extra trust anchors for the hook\'s HTTPS')),
}, closed);

const MqttNotify = Type.Object({
  url: text('`mqtts://host[:port]` (8883 when omitted): TLS only; no user, password or path '
    + '(the client authenticates with its certificate)'),
  topicPrefix: Type.Optional(text('no wildcards, no leading or trailing `/`; each transition goes to `<prefix>/<meter>/<alarm type>`',
    serverDefaults.topicPrefix)),
  retain: Type.Optional(Type.Boolean({ default: false, description: 'the broker keeps each alarm\'s latest state for later subscribers' })),
  ...PemPair('for the client (default: the server\'s own client certificate `ingest.pem` from its CA)'),
  caFile: Type.Optional(text('PEM file of the CA certificates the broker\'s certificate chains to (default: the phasewire CA)')),
}, { ...closed, description: 'alarm notifications over MQTT at QoS 1; none when absent' });

const Mdm = Type.Object({
  enabled: Type.Optional(Type.Boolean({ default: true, description: 'the MDM service: VEE, analytics, alarms, store maintenance' })),
  schedule: Type.Optional(Type.Object({
    runEveryMs: Milliseconds(defaultSchedule.runEveryMs, 'VEE, analytics and alarms, in the data\'s time'),
    maintainEveryMs: Milliseconds(defaultSchedule.maintainEveryMs, 'store maintenance, in the data\'s time'),
    purgeEveryMs: Milliseconds(defaultSchedule.purgeEveryMs, 'retention, in the data\'s time'),
    pollMs: Milliseconds(defaultSchedule.pollMs, 'how often the service looks, in real time'),
  }, { ...closed, description: 'how often each job runs' })),
  alarms: Type.Optional(AlarmConfigSchema),
  meters: Type.Optional(Type.Object({
    defaults: Type.Optional(Type.Object({}, { description: 'what every meter has unless its own entry says otherwise' })),
    meters: Type.Optional(Type.Record(Type.String(), Type.Object({}), {
      expected: 'an object of meter id → its setup', description: 'each meter\'s own entry, over `defaults`',
    })),
  }, {
    ...closed,
    description: 'each meter\'s `nominalVoltage`, `nominalFrequency`, `ctRatio`, `maxCurrent`, `registerModulus`, `groups`, '
      + '`installedAt` (analytics-and-alarms.md); checked at start (`PW_ERR_MDM_CONFIG`)',
  })),
  webhooks: Type.Optional(Type.Array(Webhook, {
    maxItems: 16, expected: 'a list of at most 16 webhooks', description: 'alarm notifications to HTTPS hooks, signed',
  })),
  mqttNotify: Type.Optional(MqttNotify),
}, { ...closed, description: 'the MDM service on the stored data (analytics-and-alarms.md)' });

const Billing = Type.Object({
  completenessLimit: Type.Optional(Type.Number({ minimum: 0, maximum: 1, default: 0.98, expected: 'a share from 0 to 1',
    description: 'a bill whose share of intervals with a value is below this is held for review, not issued' })),
  cycleDay: Type.Optional(Type.Integer({ minimum: 1, maximum: 28, default: 1, expected: 'a day of the month from 1 to 28',
    description: 'the local day a monthly billing period starts, for accounts created without one' })),
  batchSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, default: 500,
    description: 'service points whose intervals a bill run reads in one query' })),
}, { ...closed, description: 'bill runs (billing.md); the billing store is billing.db beside the store, or schema phasewire_billing' });
const HomeAssistant = Type.Object({
  url: text('`mqtts://host[:port]` of the broker Home Assistant reads (8883 when omitted); `mqtt://` only to a loopback address'),
  discoveryPrefix: Type.Optional(text('Home Assistant\'s discovery prefix (its MQTT integration\'s setting)',
    serverDefaults.haDiscoveryPrefix)),
  topicPrefix: Type.Optional(text('no wildcards, no leading or trailing `/`; states go to `<prefix>/<meter>/state`, availability to '
    + '`<prefix>/<meter>/availability` and `<prefix>/status`', serverDefaults.haTopicPrefix)),
  username: Type.Optional(text('the broker user, with `passwordEnv`')),
  passwordEnv: Type.Optional(text('the environment variable holding the broker password (never the file itself), with `username`')),
  ...PemPair('for the client, when the broker asks for one'),
  caFile: Type.Optional(text('PEM file of the CA certificates the broker\'s certificate chains to (default: the phasewire CA)')),
}, { ...closed, description: 'Home Assistant MQTT discovery: each meter\'s sensors and their states (operations.md, "Home Assistant"); '
  + 'none when absent' });

const Firmware = Type.Object({
  directory: Type.Optional(text('the TUF repository `phasewire firmware --dir` made (relative: in the data directory); served when it '
    + 'holds metadata/1.root.json', serverDefaults.firmwareDirectory)),
  port: Port('the firmware file server over HTTPS (TLS 1.3, no client certificate)', defaultFirmwarePort),
  onlineToken: Type.Optional(text('the PKCS#11 token (label) with the repository\'s online keys: the server renews the timestamp and '
    + 'snapshot with it before they expire; without it they are not renewed')),
  pkcs11Module: Type.Optional(text('the PKCS#11 library of that token', serverDefaults.pkcs11Module)),
  pinEnv: Type.Optional(text('the environment variable holding that token\'s user PIN', serverDefaults.pkcs11PinEnv)),
  renewEveryMinutes: whole(1, 1440, 10, 'how often the metadata is looked at and what is past half its lifetime re-signed'),
}, { ...closed, description: 'the signed firmware repository the devices update from (firmware.md, "The device")' });

export const ServerConfigSchema = Type.Object({
  hosts: Type.Optional(Type.Array(Type.String({ expected: 'a DNS name or an IP address' }), {
    minItems: 1, maxItems: 64, expected: 'a list of 1 to 64 host names or IP addresses', default: serverDefaults.hosts,
    description: 'names in the listeners\' certificate (DNS names and IP addresses); devices connect by one of them',
  })),
  bind: Type.Optional(text('address the listeners bind to (`0.0.0.0` for all)', serverDefaults.bind)),
  mqtt: Type.Optional(Mqtt),
  enrollment: Type.Optional(Listener('EST (RFC 7030) over TLS 1.3, token in the request', defaultEnrollmentPort)),
  keyProvisioning: Type.Optional(Listener('the envelope-key endpoint, TLS 1.3 with a client certificate', defaultKeyProvisioningPort)),
  store: Type.Optional(Store),
  state: Type.Optional(State),
  broker: Type.Optional(Broker),
  keystore: Type.Optional(Keystore),
  api: Type.Optional(Api),
  ingest: Type.Optional(Ingest),
  mdm: Type.Optional(Mdm),
  log: Type.Optional(Type.Object({
    level: Type.Optional(Type.Enum(['debug', 'info', 'warn', 'error'], { default: 'info', description: 'the least severe level written' })),
    format: Type.Optional(Type.Enum(['auto', 'json', 'pretty'], {
      default: 'auto', description: 'one JSON object a line, or one human line an event; `auto`: human on a terminal, else JSON',
    })),
  }, { ...closed, description: 'the server\'s log on standard error (operations.md)' })),
  billing: Type.Optional(Billing),
  homeAssistant: Type.Optional(HomeAssistant),
  firmware: Type.Optional(Firmware),
}, { ...closed, expected: 'an object' });

/** The configuration file as the schema admits it, before defaults and the checks of server-config.ts. */
export type ServerConfigFile = Static<typeof ServerConfigSchema>;
