// The `homeAssistant` section of the server configuration: the broker Home Assistant reads, where
// phasewire publishes each meter's discovery messages, states and availability (docs/operations.md,
// "Home Assistant"). The schema (server-config-schema.ts) checks the fields; this checks the URL,
// the prefixes and the fields that go together:
//
//   "homeAssistant": { "url": "mqtts://ha.example.net:8883", "username": "phasewire", "passwordEnv": "PW_HA_PASSWORD",
//                      "caFile": "ha-ca.pem" }
import { isTopicPrefix } from '@phasewire/core';
import { serverDefaults, type ServerConfigFile } from './server-config-schema.ts';

export interface HomeAssistantConfig {
  /** `mqtts://host[:port]` (8883 when omitted), or `mqtt://` to a loopback address. */
  readonly url: string;
  readonly discoveryPrefix: string;
  readonly topicPrefix: string;
  /** The broker user and the environment variable that holds its password, or none. */
  readonly credentials: { readonly username: string; readonly passwordEnv: string } | undefined;
  /** A client certificate chain and key (PEM files; relative paths are in the data directory), or none. */
  readonly certificate: string | undefined;
  readonly key: string | undefined;
  /** PEM file of the CA certificates the broker's certificate chains to; by default the phasewire CA. */
  readonly caFile: string | undefined;
}

type Fail = (path: string, found: unknown, expected: string) => never;

const loopback = new Set(['localhost', '127.0.0.1', '[::1]']);

function urlOf(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

/** The section as the schema admitted it → the checked configuration; undefined when absent. */
export function homeAssistantConfigOf(file: ServerConfigFile['homeAssistant'], fail: Fail): HomeAssistantConfig | undefined {
  if (file === undefined) return undefined;
  const field = 'homeAssistant';
  const parsed = urlOf(file.url);
  const plainToLoopback = parsed?.protocol === 'mqtt:' && loopback.has(parsed.hostname);
  if (parsed === undefined || parsed.hostname === '' || (parsed.protocol !== 'mqtts:' && !plainToLoopback)) {
    fail(`${field}.url`, file.url, 'an mqtts:// URL with a host (mqtt:// only to localhost, 127.0.0.1 or [::1])');
  }
  const extra = parsed.username !== '' || parsed.password !== '' || !['', '/'].includes(parsed.pathname) || parsed.search !== ''
    || parsed.hash !== '';
  if (extra) fail(`${field}.url`, file.url, 'mqtts://host[:port] with no user, password, path or query (the user goes in username)');
  const discoveryPrefix = file.discoveryPrefix ?? serverDefaults.haDiscoveryPrefix;
  const topicPrefix = file.topicPrefix ?? serverDefaults.haTopicPrefix;
  for (const [name, prefix] of [['discoveryPrefix', discoveryPrefix], ['topicPrefix', topicPrefix]] as const) {
    if (!isTopicPrefix(prefix)) fail(`${field}.${name}`, prefix, "a topic name with no wildcards (+, #) and no leading or trailing '/'");
  }
  if (topicPrefix === discoveryPrefix || topicPrefix.startsWith(`${discoveryPrefix}/`)) {
    fail(`${field}.topicPrefix`, topicPrefix, `a prefix outside the discovery prefix ${JSON.stringify(discoveryPrefix)}`);
  }
  const { username, passwordEnv, certificate, key } = file;
  if ((username === undefined) !== (passwordEnv === undefined)) {
    fail(`${field}.${username === undefined ? 'username' : 'passwordEnv'}`, undefined,
      `given together with its pair (${field}.username and ${field}.passwordEnv)`);
  }
  if ((certificate === undefined) !== (key === undefined)) {
    fail(`${field}.${certificate === undefined ? 'certificate' : 'key'}`, undefined,
      `a PEM file path, given together with its pair (${field}.certificate and ${field}.key)`);
  }
  return {
    url: file.url, discoveryPrefix, topicPrefix,
    credentials: username === undefined || passwordEnv === undefined ? undefined : { username, passwordEnv },
    certificate, key, caFile: file.caFile,
  };
}
