// The configuration of `phasewire server`: one JSON object (data/phasewire.json or --config), with
// command-line flags laid over it (mergeServerConfigInput), checked here into a typed value: first
// against its schema (server-config-schema.ts, the source of truth), then for what a schema cannot
// say. Every refusal names the field, what was found and what was expected. Paths are kept as
// written; the Node side resolves relative ones against the data directory. Reference:
// docs/configuration.md, generated from the schema.
//
//   { "hosts": ["meters.example.net"], "bind": "0.0.0.0",
//     "mqtt": { "port": 8883 }, "enrollment": { "port": 8443 }, "keyProvisioning": { "port": 8444 },
//     "store": { "kind": "sqlite", "path": "phasewire.db" },
//     "broker": { "kind": "embedded" },
//     "keystore": { "kind": "software", "file": "pki/keystore.json", "keyFile": "pki/keystore.key" },
//     "api": { "port": 8445 },
//     "ingest": { "earliestReading": "2020-01-01T00:00:00Z", "maxReadingAgeDays": 400, "maxReadingAheadMinutes": 15 },
//     "mdm": { "schedule": { "runEveryMs": 60000 }, "alarms": { "defaults": { … } }, "meters": { … },
//              "webhooks": [{ "url": "https://ops.example.net/hook", "secretEnv": "PW_WEBHOOK_SECRET" }],
//              "mqttNotify": { "url": "mqtts://broker.example.net:8883", "topicPrefix": "phasewire/alarms" } } }
import { ConfigError, isTopicPrefix } from '@phasewire/core';
import { assertSchema, problemMessage } from '@phasewire/core/schema';
import { parseStoreConfig } from '@phasewire/store';
import type { StoreConfig } from '@phasewire/store';
import type { AlarmConfig } from '@phasewire/mdm';
import type { MeterSetupConfig } from '@phasewire/mdm';
import type { MdmSchedule } from '@phasewire/mdm';
import { defaultIngestConfig, ingestConfigOf } from './ingest-config.ts';
import type { IngestConfig } from './ingest-config.ts';
export type { IngestConfig } from './ingest-config.ts';
import type { MqttListenerConfig } from '@phasewire/headend';
import { mqttListenerOf } from './mqtt-listener-config.ts';
import { toEngineAlarmConfig } from './alarm-config-schema.ts';
import { homeAssistantConfigOf, type HomeAssistantConfig } from './home-assistant-config.ts';
export type { HomeAssistantConfig } from './home-assistant-config.ts';
import {
  defaultApiPort, defaultEnrollmentPort, defaultFirmwarePort, defaultKeyProvisioningPort, serverDefaults, ServerConfigSchema,
  type ServerConfigFile,
} from './server-config-schema.ts';
export {
  defaultApiPort, defaultEnrollmentPort, defaultFirmwarePort, defaultKeyProvisioningPort, defaultMqttPort, ServerConfigSchema,
} from './server-config-schema.ts';
export type { ServerConfigFile } from './server-config-schema.ts';
export { AlarmConfigSchema, AlarmRuleSchema, percentFloors } from './alarm-config-schema.ts';

export type BrokerConfig =
  | { readonly kind: 'embedded' }
  /** Debian's Mosquitto, started and configured by the server (docs/head-end.md, external-broker mode). */
  | { readonly kind: 'mosquitto'; readonly binary: string };

export type KeystoreConfig =
  | {
    readonly kind: 'software';
    readonly file: string;
    /** A 32-byte key file (created on first start when missing), or a passphrase in an environment variable. */
    readonly unlock: { readonly keyFile: string } | { readonly passphraseEnv: string };
  }
  | {
    readonly kind: 'pkcs11';
    readonly module: string;
    readonly token: { readonly label: string } | { readonly slotId: number };
    readonly pin: { readonly env: string } | { readonly file: string };
  };

/** The HTTPS API with the dashboard (docs/api.md). */
export interface ApiConfig {
  readonly enabled: boolean;
  /** Address the API binds to (default the server's `bind`). */
  readonly bind: string | undefined;
  readonly port: number;
  /**
   * A certificate chain and key (PEM files; relative paths are in the data directory) the operator
   * supplies for the API, e.g. one a browser already trusts; by default the listeners' certificate
   * of the phasewire CA.
   */
  readonly certificate: string | undefined;
  readonly key: string | undefined;
  /** `/metrics` (docs/operations.md): on by default; a scrape token from `tokenEnv`, else loopback clients only. */
  readonly metrics: { readonly enabled: boolean; readonly tokenEnv: string | undefined };
}

/** A webhook the MDM's alarm notifications go to; the signing secret is read from an environment variable. */
export interface WebhookConfig {
  readonly url: string;
  readonly secretEnv: string;
  /** PEM file of extra trust anchors for the hook's HTTPS (relative: in the data directory). */
  readonly caFile: string | undefined;
}

/**
 * Alarm notifications over MQTT (docs/running.md): each transition published at QoS 1 to
 * `<topicPrefix>/<meter>/<alarm type>`, over TLS 1.3 with a client certificate.
 */
export interface MqttNotifyConfig {
  /** `mqtts://host[:port]` (port 8883 when omitted): TLS only, as every phasewire connection. */
  readonly url: string;
  readonly topicPrefix: string;
  /** Whether the broker keeps each alarm's latest state for later subscribers. */
  readonly retain: boolean;
  /**
   * The client certificate chain and key (PEM files; relative paths are in the data directory);
   * by default the server's own client certificate from its CA (`ingest.pem`, made when missing).
   */
  readonly certificate: string | undefined;
  readonly key: string | undefined;
  /** PEM file of the CA certificates the broker's certificate chains to; by default the phasewire CA. */
  readonly caFile: string | undefined;
}

/** The MDM service: VEE, analytics and alarms on the stored data (docs/analytics-and-alarms.md). */
export interface MdmConfig {
  readonly enabled: boolean;
  readonly schedule: Partial<MdmSchedule>;
  /**
   * Alarm thresholds per meter and group, as mdm/alarms/alarm-config.ts (checked by the service at start),
   * in the engine's ratios: the file gives percent alarms in percent (alarm-config-schema.ts).
   */
  readonly alarms: AlarmConfig;
  /** Metadata per meter (Udin, CT ratio, Imax, groups), as mdm/service/meter-setup.ts. */
  readonly meters: MeterSetupConfig;
  readonly webhooks: readonly WebhookConfig[];
  /** Alarm notifications to an MQTT broker; none when absent. */
  readonly mqttNotify?: MqttNotifyConfig;
}

/** Bill runs (docs/billing.md). */
export interface BillingConfig {
  /** A bill below this completeness (0..1) is held for review. */
  readonly completenessLimit: number;
  /** The cycle day of accounts created without one. */
  readonly cycleDay: number;
  /** Service points read per interval query in a run. */
  readonly batchSize: number;
}

/**
 * Where the head-end's shared state (replay windows, downlink counters, enrollment tokens) lives: headend.db
 * and pki/tokens.json, or the schema phasewire_headend of the PostgreSQL store's database (docs/head-end.md,
 * "Where the state lives").
 */
export type StateConfig =
  | { readonly kind: 'local' }
  | { readonly kind: 'postgres'; readonly connectionString: string; readonly poolSize: number };

export interface ServerConfig {
  /** Names in the server certificate's SAN (DNS names and IP addresses); devices connect by one of them. */
  readonly hosts: readonly string[];
  /** Address the listeners bind to. */
  readonly bind: string;
  /** The MQTT listener: its port and limits (mqtt-listener-config.ts). */
  readonly mqtt: MqttListenerConfig;
  readonly enrollment: { readonly port: number };
  readonly keyProvisioning: { readonly port: number };
  readonly store: StoreConfig;
  readonly state: StateConfig;
  readonly broker: BrokerConfig;
  readonly keystore: KeystoreConfig;
  readonly api: ApiConfig;
  readonly mdm: MdmConfig;
  readonly ingest: IngestConfig;
  /** The log on standard error (docs/operations.md, "Logs"). */
  readonly log: { readonly level: 'debug' | 'info' | 'warn' | 'error'; readonly format: 'auto' | 'json' | 'pretty' };
  readonly billing: BillingConfig;
  /** Home Assistant MQTT discovery and states (home-assistant-config.ts); none when absent. */
  readonly homeAssistant?: HomeAssistantConfig;
  /** The firmware repository served to devices, and who renews its metadata (docs/firmware.md). */
  readonly firmware: FirmwareServerConfig;
}

export interface FirmwareServerConfig {
  /** The repository directory (relative: in the data directory). */
  readonly directory: string;
  readonly port: number;
  /** The PKCS#11 token with the online keys; none: the metadata is not renewed. */
  readonly onlineToken: { readonly label: string; readonly module: string; readonly pinEnv: string } | undefined;
  readonly renewEveryMinutes: number;
}

export const defaultServerConfig: ServerConfig = {
  hosts: serverDefaults.hosts,
  bind: serverDefaults.bind,
  mqtt: mqttListenerOf(undefined),
  enrollment: { port: defaultEnrollmentPort },
  keyProvisioning: { port: defaultKeyProvisioningPort },
  store: { kind: 'sqlite', path: 'phasewire.db', retention: parseStoreConfig({ kind: 'sqlite', path: 'x' }).retention },
  state: { kind: 'local' },
  broker: { kind: 'embedded' },
  keystore: { kind: 'software', file: serverDefaults.keystoreFile, unlock: { keyFile: serverDefaults.keystoreKeyFile } },
  api: { enabled: true, bind: undefined, port: defaultApiPort, certificate: undefined, key: undefined,
    metrics: { enabled: true, tokenEnv: undefined } },
  mdm: { enabled: true, schedule: {}, alarms: {}, meters: {}, webhooks: [] },
  ingest: defaultIngestConfig,
  log: { level: 'info', format: 'auto' },
  billing: { completenessLimit: 0.98, cycleDay: 1, batchSize: 500 },
  firmware: { directory: serverDefaults.firmwareDirectory, port: defaultFirmwarePort, onlineToken: undefined, renewEveryMinutes: 10 },
};

type Json = Record<string, unknown>;
type Fail = (path: string, found: unknown, expected: string) => never;

const fail: Fail = (path, found, expected) => {
  throw new ConfigError('PW_ERR_SERVER_CONFIG', `Cannot use the server configuration: ${problemMessage({ path, found, expected })}`);
};

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

const dnsLabel = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/i;
const ipv4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** A DNS name (RFC 1123 §2.1 labels), an IPv4 address or an IPv6 address (hex groups and colons). */
export function isHostName(value: string): boolean {
  if (ipv4.test(value)) return true;
  if (value.includes(':')) return /^[0-9a-f:.]+$/i.test(value) && value.length <= 45;
  return value.length <= 253 && value.split('.').every((label) => dnsLabel.test(label));
}

/** A certificate and its key are given together or not at all. */
function pemPair(
  section: { certificate?: string; key?: string }, field: string,
): { certificate: string | undefined; key: string | undefined } {
  const { certificate, key } = section;
  if ((certificate === undefined) !== (key === undefined)) {
    fail(`${field}.${certificate === undefined ? 'certificate' : 'key'}`, undefined,
      `a PEM file path, given together with its pair (${field}.certificate and ${field}.key)`);
  }
  return { certificate, key };
}

function keystoreOf(file: ServerConfigFile['keystore']): KeystoreConfig {
  if (file === undefined) return defaultServerConfig.keystore;
  if (file.kind === 'software') {
    if (file.keyFile !== undefined && file.passphraseEnv !== undefined) {
      fail('keystore.passphraseEnv', file.passphraseEnv, 'not both keyFile and passphraseEnv');
    }
    const unlock = file.passphraseEnv === undefined
      ? { keyFile: file.keyFile ?? serverDefaults.keystoreKeyFile }
      : { passphraseEnv: file.passphraseEnv };
    return { kind: 'software', file: file.file ?? serverDefaults.keystoreFile, unlock };
  }
  const { tokenLabel, slot, pinEnv, pinFile } = file;
  if ((tokenLabel === undefined) === (slot === undefined)) {
    fail('keystore.tokenLabel', tokenLabel, 'exactly one of keystore.tokenLabel or keystore.slot');
  }
  if (pinEnv !== undefined && pinFile !== undefined) fail('keystore.pinFile', pinFile, 'not both pinEnv and pinFile');
  return {
    kind: 'pkcs11',
    module: file.module ?? serverDefaults.pkcs11Module,
    token: tokenLabel === undefined ? { slotId: slot ?? 0 } : { label: tokenLabel },
    pin: pinFile === undefined ? { env: pinEnv ?? serverDefaults.pkcs11PinEnv } : { file: pinFile },
  };
}

function storeOf(file: ServerConfigFile['store']): StoreConfig {
  if (file === undefined) return defaultServerConfig.store;
  try {
    return parseStoreConfig(file);
  } catch (error) {
    const reason = (error as Error).message;
    throw new ConfigError('PW_ERR_SERVER_CONFIG', `Cannot use the server configuration: store is not valid: ${reason}`, { cause: error });
  }
}

function stateOf(file: ServerConfigFile['state'], store: StoreConfig): StateConfig {
  if (file?.kind !== 'postgres') return defaultServerConfig.state;
  if (store.kind !== 'postgres') fail('state.kind', file.kind, 'a PostgreSQL store (store.kind "postgres") whose database holds the state');
  return { kind: 'postgres', connectionString: store.connectionString, poolSize: file.poolSize ?? 4 };
}

function apiOf(file: ServerConfigFile['api']): ApiConfig {
  if (file === undefined) return defaultServerConfig.api;
  if (file.bind !== undefined && !isHostName(file.bind)) fail('api.bind', file.bind, 'an IP address or host name to listen on');
  return { enabled: file.enabled ?? true, bind: file.bind, port: file.port ?? defaultApiPort, ...pemPair(file, 'api'),
    metrics: { enabled: file.metrics?.enabled ?? true, tokenEnv: file.metrics?.tokenEnv } };
}

const urlOf = (text: string): URL | undefined => {
  try { return new URL(text); } catch { return undefined; }
};

type MdmFile = NonNullable<ServerConfigFile['mdm']>;

function webhooksOf(file: MdmFile['webhooks']): WebhookConfig[] {
  return (file ?? []).map(({ url, secretEnv, caFile }, i) => {
    const protocol = urlOf(url)?.protocol;
    if (protocol !== 'https:' && protocol !== 'http:') fail(`mdm.webhooks[${i}].url`, url, 'an https:// URL (http:// only to loopback)');
    return { url, secretEnv, caFile };
  });
}

function mqttNotifyOf(file: NonNullable<MdmFile['mqttNotify']>): MqttNotifyConfig {
  const field = 'mdm.mqttNotify';
  const { url, caFile } = file;
  const parsed = urlOf(url);
  if (parsed?.protocol !== 'mqtts:' || parsed.hostname === '') {
    fail(`${field}.url`, url, 'an mqtts:// URL with a host (MQTT over TLS only)');
  }
  const extra = parsed.username !== '' || parsed.password !== '' || !['', '/'].includes(parsed.pathname)
    || parsed.search !== '' || parsed.hash !== '';
  if (extra) {
    fail(`${field}.url`, url, 'mqtts://host[:port] with no user, password, path or query (the client authenticates with its certificate)');
  }
  const topicPrefix = file.topicPrefix ?? serverDefaults.topicPrefix;
  if (!isTopicPrefix(topicPrefix)) {
    fail(`${field}.topicPrefix`, topicPrefix, "a topic name with no wildcards (+, #) and no leading or trailing '/'");
  }
  return { url, topicPrefix, retain: file.retain ?? false, ...pemPair(file, field), caFile };
}

function mdmOf(file: ServerConfigFile['mdm']): MdmConfig {
  if (file === undefined) return defaultServerConfig.mdm;
  // The alarm rules' consistency and the meters' setups are checked by the MDM service at start
  // (PW_ERR_ALARM_CONFIG, PW_ERR_MDM_CONFIG, each naming the meter or group and the field).
  return {
    enabled: file.enabled ?? true,
    schedule: file.schedule ?? {},
    alarms: file.alarms === undefined ? {} : toEngineAlarmConfig(file.alarms, fail),
    meters: file.meters ?? {},
    webhooks: webhooksOf(file.webhooks),
    ...(file.mqttNotify === undefined ? {} : { mqttNotify: mqttNotifyOf(file.mqttNotify) }),
  };
}

/** Checks a configuration object (parsed JSON) and fills in the defaults. */
export function parseServerConfig(value: unknown): ServerConfig {
  const data = value ?? {};
  assertSchema(ServerConfigSchema, data, (problem) => fail(problem.path, problem.found, problem.expected));
  const hosts = data.hosts ?? defaultServerConfig.hosts;
  hosts.forEach((host, i) => { if (!isHostName(host)) fail(`hosts[${i}]`, host, 'a DNS name or an IP address'); });
  const bind = data.bind ?? defaultServerConfig.bind;
  if (!isHostName(bind)) fail('bind', bind, 'an IP address or host name to listen on');
  const mqtt = mqttListenerOf(data.mqtt);
  const enrollment = { port: data.enrollment?.port ?? defaultEnrollmentPort };
  const keyProvisioning = { port: data.keyProvisioning?.port ?? defaultKeyProvisioningPort };
  const api = apiOf(data.api);
  const firmware = firmwareOf(data.firmware);
  // Only a listener that runs can take a port (a disabled API leaves its port free).
  const fixed = [
    ['mqtt', mqtt.port], ['enrollment', enrollment.port], ['keyProvisioning', keyProvisioning.port],
    ...(api.enabled ? [['api', api.port] as const] : []), ['firmware', firmware.port],
  ] as const;
  for (const [name, chosen] of fixed) {
    const clash = fixed.find(([other, otherPort]) => other !== name && otherPort === chosen);
    if (chosen !== 0 && clash !== undefined) {
      fail(`${name}.port`, chosen, `a port no other listener of the server uses (${clash[0]}.port is ${chosen} too)`);
    }
  }
  const homeAssistant = homeAssistantConfigOf(data.homeAssistant, fail);
  const broker: BrokerConfig = data.broker?.kind === 'mosquitto'
    ? { kind: 'mosquitto', binary: data.broker.binary ?? serverDefaults.brokerBinary }
    : { kind: 'embedded' };
  const store = storeOf(data.store);
  return {
    hosts, bind, mqtt, enrollment, keyProvisioning, store, state: stateOf(data.state, store), broker, keystore: keystoreOf(data.keystore),
    api, mdm: mdmOf(data.mdm), ingest: ingestConfigOf(data.ingest, fail), ...(homeAssistant === undefined ? {} : { homeAssistant }),
    log: { level: data.log?.level ?? 'info', format: data.log?.format ?? 'auto' },
    billing: { ...defaultServerConfig.billing, ...data.billing }, firmware,
  };
}

function firmwareOf(file: ServerConfigFile['firmware']): FirmwareServerConfig {
  const token = file?.onlineToken;
  return {
    directory: file?.directory ?? serverDefaults.firmwareDirectory, port: file?.port ?? defaultFirmwarePort,
    onlineToken: token === undefined ? undefined : {
      label: token, module: file?.pkcs11Module ?? serverDefaults.pkcs11Module, pinEnv: file?.pinEnv ?? serverDefaults.pkcs11PinEnv,
    },
    renewEveryMinutes: file?.renewEveryMinutes ?? 10,
  };
}

/**
 * Lays `overrides` (from flags) over `base` (the file): objects merge field by field, anything else
 * replaces. Neither input is changed.
 */
export function mergeServerConfigInput(base: unknown, overrides: Readonly<Record<string, unknown>>): unknown {
  if (!isObject(base)) return base === undefined ? { ...overrides } : base;
  const merged: Json = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    const before = merged[key];
    merged[key] = isObject(before) && isObject(value) ? mergeServerConfigInput(before, value) : value;
  }
  return merged;
}
