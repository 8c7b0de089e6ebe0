// The `mqtt` section of the server configuration: the port, and what one unauthenticated client
// can hold of the listener (docs/running.md, "Limits of the MQTT listener"):
//
//   "mqtt": { "port": 8883, "handshakeTimeoutMs": 30000, "maxConnections": 10000,
//             "maxConnectionsPerAddress": 100, "maxPacketBytes": 131072, "descriptorReserve": 1024 }
import { ConfigError } from '@phasewire/core';
import { defaultConnectionLimits, defaultMaxBodyBytes, tlsPolicy } from '@phasewire/secure/limits';

export interface MqttListenerConfig {
  readonly port: number;
  /** A TLS handshake not finished within this is dropped, ms. */
  readonly handshakeTimeoutMs: number;
  /** Connections open at once, all addresses together (lowered at start to fit the descriptor limit). */
  readonly maxConnections: number;
  /** Connections open at once from one remote address (a NAT in front of many meters needs more). */
  readonly maxConnectionsPerAddress: number;
  /** Largest MQTT packet a client may send (its remaining length, MQTT 3.1.1 §2.2.3), bytes. */
  readonly maxPacketBytes: number;
  /** File descriptors kept out of the MQTT listener's reach, for the API, EST, the key endpoint and the store. */
  readonly descriptorReserve: number;
}

/**
 * Twice the envelope's default 64 KiB body bound: a packet up to this is read and then refused by the
 * envelope's own bound (counted, acknowledged, the connection kept); a larger one closes the
 * connection at its fixed header. Per connection, the broker buffers at most this much.
 */
export const defaultMaxPacketBytes = 2 * defaultMaxBodyBytes;
/** MQTT 3.1.1 §2.2.3: the largest remaining length four length bytes can say. */
const mqttMaxRemainingLength = 268_435_455;

export const defaultMqttListener: Omit<MqttListenerConfig, 'port'> = {
  handshakeTimeoutMs: tlsPolicy.handshakeTimeoutMs,
  maxConnections: defaultConnectionLimits.maxConnections,
  maxConnectionsPerAddress: defaultConnectionLimits.maxPerAddress,
  maxPacketBytes: defaultMaxPacketBytes,
  descriptorReserve: 1024,
};

const keys = ['port', 'handshakeTimeoutMs', 'maxConnections', 'maxConnectionsPerAddress', 'maxPacketBytes', 'descriptorReserve'] as const;

const fail = (field: string, found: unknown, expected: string): never => {
  const what = found === undefined ? 'missing' : JSON.stringify(found);
  throw new ConfigError('PW_ERR_SERVER_CONFIG', `Cannot use the server configuration: ${field} is ${what}; expected ${expected}`);
};

function whole(record: Record<string, unknown>, key: string, fallback: number, min: number, max: number): number {
  const value = record[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    return fail(`mqtt.${key}`, value, `a whole number from ${min} to ${max}`);
  }
  return value;
}

/** The `mqtt` section; `port` is checked by the caller, as for every listener. */
export function parseMqttListener(value: unknown, port: number): MqttListenerConfig {
  if (value === undefined) return { port, ...defaultMqttListener };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('mqtt', value, 'an object');
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!(keys as readonly string[]).includes(key)) fail(`mqtt.${key}`, record[key], `no such field (known: ${keys.join(', ')})`);
  }
  const d = defaultMqttListener;
  return {
    port,
    handshakeTimeoutMs: whole(record, 'handshakeTimeoutMs', d.handshakeTimeoutMs, 100, 600_000),
    maxConnections: whole(record, 'maxConnections', d.maxConnections, 1, 1_000_000),
    maxConnectionsPerAddress: whole(record, 'maxConnectionsPerAddress', d.maxConnectionsPerAddress, 1, 1_000_000),
    maxPacketBytes: whole(record, 'maxPacketBytes', d.maxPacketBytes, 1024, mqttMaxRemainingLength),
    descriptorReserve: whole(record, 'descriptorReserve', d.descriptorReserve, 64, 1_000_000),
  };
}

/**
 * The total connection limit that leaves `descriptorReserve` of the process's open-file limit to
 * the rest of the server, but never more than a quarter of it (a common soft limit of 1024 keeps
 * 256 and gives the MQTT listener 768); the configured one when the limit is unknown or leaves room.
 */
export function fitConnectionLimit(config: MqttListenerConfig, openFileLimit: number | undefined): number {
  if (openFileLimit === undefined) return config.maxConnections;
  const reserve = Math.min(config.descriptorReserve, Math.floor(openFileLimit / 4));
  return Math.max(1, Math.min(config.maxConnections, openFileLimit - reserve));
}
