// The configuration of `phasewire server`: one JSON object (data/phasewire.json or --config), with
// command-line flags laid over it (mergeServerConfigInput), checked here into a typed value. Every
// refusal names the field, what was found and what was expected. Paths are kept as written; the
// Node side resolves relative ones against the data directory. Reference: docs/running.md.
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
import { parseStoreConfig } from '@phasewire/store';
import type { StoreConfig } from '@phasewire/store';
import type { AlarmConfig } from '@phasewire/mdm';
import type { MeterSetupConfig } from '@phasewire/mdm';
import type { MdmSchedule } from '@phasewire/mdm';
import { defaultIngestConfig, parseIngest } from './ingest-config.ts';
import type { IngestConfig } from './ingest-config.ts';
export type { IngestConfig } from './ingest-config.ts';
import { defaultMqttListener } from '@phasewire/headend';
import type { MqttListenerConfig } from '@phasewire/headend';
import { parseMqttListener } from './mqtt-listener-config.ts';

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
  /** Alarm thresholds per meter and group, as mdm/alarms/alarm-config.ts (checked by the service at start). */
  readonly alarms: AlarmConfig;
  /** Metadata per meter (Udin, CT ratio, Imax, groups), as mdm/service/meter-setup.ts. */
  readonly meters: MeterSetupConfig;
  readonly webhooks: readonly WebhookConfig[];
  /** Alarm notifications to an MQTT broker; none when absent. */
  readonly mqttNotify?: MqttNotifyConfig;
}

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
  readonly broker: BrokerConfig;
  readonly keystore: KeystoreConfig;
  readonly api: ApiConfig;
  readonly mdm: MdmConfig;
  readonly ingest: IngestConfig;
}

/** IANA "secure-mqtt" (MQTT over TLS), RFC 6335 registry. */
export const defaultMqttPort = 8883;
export const defaultEnrollmentPort = 8443;
export const defaultKeyProvisioningPort = 8444;
/** The API and dashboard: next to the enrollment (8443) and key (8444) listeners, not on either. */
export const defaultApiPort = 8445;

export const defaultServerConfig: ServerConfig = {
  hosts: ['localhost', '127.0.0.1'],
  bind: '127.0.0.1',
  mqtt: { port: defaultMqttPort, ...defaultMqttListener },
  enrollment: { port: defaultEnrollmentPort },
  keyProvisioning: { port: defaultKeyProvisioningPort },
  store: { kind: 'sqlite', path: 'phasewire.db', retention: parseStoreConfig({ kind: 'sqlite', path: 'x' }).retention },
  broker: { kind: 'embedded' },
  // Beside the CA directory, where `phasewire pki --dir data/pki` looks for them.
  keystore: { kind: 'software', file: 'pki/keystore.json', unlock: { keyFile: 'pki/keystore.key' } },
  api: { enabled: true, bind: undefined, port: defaultApiPort, certificate: undefined, key: undefined },
  mdm: { enabled: true, schedule: {}, alarms: {}, meters: {}, webhooks: [] },
  ingest: defaultIngestConfig,
};

type Json = Record<string, unknown>;

const fail = (field: string, found: unknown, expected: string): never => {
  throw new ConfigError('PW_ERR_SERVER_CONFIG', `Cannot use the server configuration: ${field} is ${found === undefined ? 'missing' : JSON.stringify(found)}; expected ${expected}`);
};

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

function objectAt(value: unknown, field: string): Json {
  if (!isObject(value)) return fail(field, value, 'an object');
  return value;
}

function onlyKnown(record: Json, field: string, keys: readonly string[]): void {
  for (const key of Object.keys(record)) {
    if (!keys.includes(key)) fail(`${field === '' ? '' : `${field}.`}${key}`, record[key], `no such field (known: ${keys.join(', ')})`);
  }
}

function text(record: Json, key: string, field: string, fallback?: string): string {
  const value = record[key];
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'string' || value.trim() === '') return fail(`${field}.${key}`, value, 'a non-empty string');
  return value;
}

function port(value: unknown, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  // Port 0 lets the system choose (tests); the bound port is in the start-up summary.
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > 65_535) return fail(field, value, 'a whole number from 0 to 65535');
  return value;
}

const dnsLabel = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/i;
const ipv4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** A DNS name (RFC 1123 §2.1 labels), an IPv4 address or an IPv6 address (hex groups and colons). */
export function isHostName(value: string): boolean {
  if (ipv4.test(value)) return true;
  if (value.includes(':')) return /^[0-9a-f:.]+$/i.test(value) && value.length <= 45;
  return value.length <= 253 && value.split('.').every((label) => dnsLabel.test(label));
}

function portSection(value: unknown, field: string, fallback: number): { port: number } {
  if (value === undefined) return { port: fallback };
  const record = objectAt(value, field);
  onlyKnown(record, field, ['port']);
  return { port: port(record['port'], `${field}.port`, fallback) };
}

function parseBroker(value: unknown): BrokerConfig {
  if (value === undefined) return { kind: 'embedded' };
  const record = objectAt(value, 'broker');
  switch (record['kind']) {
    case 'embedded':
      onlyKnown(record, 'broker', ['kind']);
      return { kind: 'embedded' };
    case 'mosquitto':
      onlyKnown(record, 'broker', ['kind', 'binary']);
      return { kind: 'mosquitto', binary: text(record, 'binary', 'broker', 'mosquitto') };
    default:
      return fail('broker.kind', record['kind'], '"embedded" or "mosquitto"');
  }
}

function parseKeystore(value: unknown): KeystoreConfig {
  if (value === undefined) return defaultServerConfig.keystore;
  const record = objectAt(value, 'keystore');
  switch (record['kind']) {
    case 'software': {
      onlyKnown(record, 'keystore', ['kind', 'file', 'keyFile', 'passphraseEnv']);
      if (record['keyFile'] !== undefined && record['passphraseEnv'] !== undefined) fail('keystore.passphraseEnv', record['passphraseEnv'], 'not both keyFile and passphraseEnv');
      const unlock = record['passphraseEnv'] === undefined
        ? { keyFile: text(record, 'keyFile', 'keystore', 'pki/keystore.key') }
        : { passphraseEnv: text(record, 'passphraseEnv', 'keystore') };
      return { kind: 'software', file: text(record, 'file', 'keystore', 'pki/keystore.json'), unlock };
    }
    case 'pkcs11': {
      onlyKnown(record, 'keystore', ['kind', 'module', 'tokenLabel', 'slot', 'pinEnv', 'pinFile']);
      const hasLabel = record['tokenLabel'] !== undefined;
      if (hasLabel === (record['slot'] !== undefined)) fail('keystore.tokenLabel', record['tokenLabel'], 'exactly one of keystore.tokenLabel or keystore.slot');
      const slot = record['slot'];
      if (!hasLabel && (typeof slot !== 'number' || !Number.isSafeInteger(slot) || slot < 0 || slot > 0xffff_ffff)) fail('keystore.slot', slot, 'a whole number from 0 to 4294967295');
      if (record['pinEnv'] !== undefined && record['pinFile'] !== undefined) fail('keystore.pinFile', record['pinFile'], 'not both pinEnv and pinFile');
      return {
        kind: 'pkcs11',
        module: text(record, 'module', 'keystore', '/usr/lib/softhsm/libsofthsm2.so'),
        token: hasLabel ? { label: text(record, 'tokenLabel', 'keystore') } : { slotId: slot as number },
        pin: record['pinFile'] === undefined ? { env: text(record, 'pinEnv', 'keystore', 'PHASEWIRE_PKCS11_PIN') } : { file: text(record, 'pinFile', 'keystore') },
      };
    }
    default:
      return fail('keystore.kind', record['kind'], '"software" or "pkcs11"');
  }
}

function parseStore(value: unknown): StoreConfig {
  if (value === undefined) return defaultServerConfig.store;
  try {
    return parseStoreConfig(value);
  } catch (error) {
    throw new ConfigError('PW_ERR_SERVER_CONFIG', `Cannot use the server configuration: store is not valid: ${(error as Error).message}`, { cause: error });
  }
}

function flag(record: Json, key: string, field: string, fallback: boolean): boolean {
  const value = record[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') return fail(`${field}.${key}`, value, 'true or false');
  return value;
}

function parseApi(value: unknown): ApiConfig {
  if (value === undefined) return defaultServerConfig.api;
  const record = objectAt(value, 'api');
  onlyKnown(record, 'api', ['enabled', 'bind', 'port', 'certificate', 'key']);
  const bind = record['bind'] === undefined ? undefined : text(record, 'bind', 'api');
  if (bind !== undefined && !isHostName(bind)) fail('api.bind', bind, 'an IP address or host name to listen on');
  const certificate = record['certificate'] === undefined ? undefined : text(record, 'certificate', 'api');
  const key = record['key'] === undefined ? undefined : text(record, 'key', 'api');
  if ((certificate === undefined) !== (key === undefined)) {
    fail(certificate === undefined ? 'api.certificate' : 'api.key', undefined, 'a PEM file path, given together with its pair (api.certificate and api.key)');
  }
  return { enabled: flag(record, 'enabled', 'api', true), bind, port: port(record['port'], 'api.port', defaultApiPort), certificate, key };
}

const scheduleKeys = ['runEveryMs', 'maintainEveryMs', 'purgeEveryMs', 'pollMs'] as const;

function parseSchedule(value: unknown): Partial<MdmSchedule> {
  if (value === undefined) return {};
  const record = objectAt(value, 'mdm.schedule');
  onlyKnown(record, 'mdm.schedule', scheduleKeys);
  const schedule: Partial<Record<(typeof scheduleKeys)[number], number>> = {};
  for (const key of scheduleKeys) {
    const item = record[key];
    if (item === undefined) continue;
    if (typeof item !== 'number' || !Number.isSafeInteger(item) || item < 1) fail(`mdm.schedule.${key}`, item, 'a positive whole number of milliseconds');
    schedule[key] = item as number;
  }
  return schedule;
}

function parseWebhooks(value: unknown): WebhookConfig[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length > 16) return fail('mdm.webhooks', value, 'a list of at most 16 webhooks');
  return value.map((item: unknown, i) => {
    const field = `mdm.webhooks[${i}]`;
    const record = objectAt(item, field);
    onlyKnown(record, field, ['url', 'secretEnv', 'caFile']);
    const url = text(record, 'url', field);
    let parsed: URL | undefined;
    try { parsed = new URL(url); } catch { parsed = undefined; }
    if (parsed?.protocol !== 'https:' && parsed?.protocol !== 'http:') fail(`${field}.url`, url, 'an https:// URL (http:// only to loopback)');
    return { url, secretEnv: text(record, 'secretEnv', field), caFile: record['caFile'] === undefined ? undefined : text(record, 'caFile', field) };
  });
}

function parseMqttNotify(value: unknown): MqttNotifyConfig {
  const field = 'mdm.mqttNotify';
  const record = objectAt(value, field);
  onlyKnown(record, field, ['url', 'topicPrefix', 'retain', 'certificate', 'key', 'caFile']);
  const url = text(record, 'url', field);
  let parsed: URL | undefined;
  try { parsed = new URL(url); } catch { parsed = undefined; }
  if (parsed?.protocol !== 'mqtts:' || parsed.hostname === '') fail(`${field}.url`, url, 'an mqtts:// URL with a host (MQTT over TLS only)');
  if (parsed !== undefined && (parsed.username !== '' || parsed.password !== '' || !['', '/'].includes(parsed.pathname) || parsed.search !== '' || parsed.hash !== '')) {
    fail(`${field}.url`, url, 'mqtts://host[:port] with no user, password, path or query (the client authenticates with its certificate)');
  }
  const topicPrefix = text(record, 'topicPrefix', field, 'phasewire/alarms');
  if (!isTopicPrefix(topicPrefix)) fail(`${field}.topicPrefix`, topicPrefix, "a topic name with no wildcards (+, #) and no leading or trailing '/'");
  const certificate = record['certificate'] === undefined ? undefined : text(record, 'certificate', field);
  const key = record['key'] === undefined ? undefined : text(record, 'key', field);
  if ((certificate === undefined) !== (key === undefined)) {
    fail(certificate === undefined ? `${field}.certificate` : `${field}.key`, undefined, `a PEM file path, given together with its pair (${field}.certificate and ${field}.key)`);
  }
  const caFile = record['caFile'] === undefined ? undefined : text(record, 'caFile', field);
  return { url, topicPrefix, retain: flag(record, 'retain', field, false), certificate, key, caFile };
}

function parseMdm(value: unknown): MdmConfig {
  if (value === undefined) return defaultServerConfig.mdm;
  const record = objectAt(value, 'mdm');
  onlyKnown(record, 'mdm', ['enabled', 'schedule', 'alarms', 'meters', 'webhooks', 'mqttNotify']);
  // The alarm and meter sections are checked field by field by the MDM service at start
  // (PW_ERR_ALARM_CONFIG, PW_ERR_MDM_CONFIG, each naming the meter or group and the field).
  const alarms = record['alarms'] === undefined ? {} : objectAt(record['alarms'], 'mdm.alarms');
  onlyKnown(alarms, 'mdm.alarms', ['defaults', 'groups', 'meters']);
  const meters = record['meters'] === undefined ? {} : objectAt(record['meters'], 'mdm.meters');
  onlyKnown(meters, 'mdm.meters', ['defaults', 'meters']);
  return {
    enabled: flag(record, 'enabled', 'mdm', true),
    schedule: parseSchedule(record['schedule']),
    alarms,
    meters,
    webhooks: parseWebhooks(record['webhooks']),
    ...(record['mqttNotify'] === undefined ? {} : { mqttNotify: parseMqttNotify(record['mqttNotify']) }),
  };
}

/** Checks a configuration object (parsed JSON) and fills in the defaults. */
export function parseServerConfig(value: unknown): ServerConfig {
  const record = objectAt(value ?? {}, 'the configuration');
  onlyKnown(record, '', ['hosts', 'bind', 'mqtt', 'enrollment', 'keyProvisioning', 'store', 'broker', 'keystore', 'api', 'mdm', 'ingest']);
  let hosts = defaultServerConfig.hosts;
  if (record['hosts'] !== undefined) {
    const list = record['hosts'];
    if (!Array.isArray(list) || list.length === 0 || list.length > 64) return fail('hosts', list, 'a list of 1 to 64 host names or IP addresses');
    hosts = list.map((item: unknown, i) => (typeof item === 'string' && isHostName(item) ? item : fail(`hosts[${i}]`, item, 'a DNS name or an IP address')));
  }
  const bind = record['bind'] === undefined ? defaultServerConfig.bind : text(record, 'bind', 'the configuration');
  if (!isHostName(bind)) fail('bind', bind, 'an IP address or host name to listen on');
  const mqttRecord = record['mqtt'];
  const mqttPort = isObject(mqttRecord) ? mqttRecord['port'] : undefined;
  const mqtt = parseMqttListener(mqttRecord, port(mqttPort, 'mqtt.port', defaultMqttPort));
  const enrollment = portSection(record['enrollment'], 'enrollment', defaultEnrollmentPort);
  const keyProvisioning = portSection(record['keyProvisioning'], 'keyProvisioning', defaultKeyProvisioningPort);
  const api = parseApi(record['api']);
  // Only a listener that runs can take a port (a disabled API leaves its port free).
  const fixed = [['mqtt', mqtt.port], ['enrollment', enrollment.port], ['keyProvisioning', keyProvisioning.port], ...(api.enabled ? [['api', api.port] as const] : [])] as const;
  for (const [name, chosen] of fixed) {
    const clash = fixed.find(([other, otherPort]) => other !== name && otherPort === chosen);
    if (chosen !== 0 && clash !== undefined) fail(`${name}.port`, chosen, `a port no other listener of the server uses (${clash[0]}.port is ${chosen} too)`);
  }
  return {
    hosts, bind, mqtt, enrollment, keyProvisioning, store: parseStore(record['store']), broker: parseBroker(record['broker']), keystore: parseKeystore(record['keystore']),
    api, mdm: parseMdm(record['mdm']), ingest: parseIngest(record['ingest']),
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
