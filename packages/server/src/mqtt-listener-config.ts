// The `mqtt` section of the server configuration: the port, and what one unauthenticated client
// can hold of the listener (docs/running.md, "Limits of the MQTT listener"):
//
//   "mqtt": { "port": 8883, "handshakeTimeoutMs": 30000, "maxConnections": 10000,
//             "maxConnectionsPerAddress": 100, "maxPacketBytes": 131072, "descriptorReserve": 1024 }
import { ConfigError } from '@phasewire/core';
import { defaultMqttListener, type MqttListenerConfig } from '@phasewire/headend';

/** MQTT 3.1.1 §2.2.3: the largest remaining length four length bytes can say. */
const mqttMaxRemainingLength = 268_435_455;

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
