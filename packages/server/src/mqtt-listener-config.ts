// The `mqtt` section of the server configuration: the port, and what one unauthenticated client
// can hold of the listener (docs/running.md, "Limits of the MQTT listener"). The schema
// (server-config-schema.ts) checks each limit's range; this fills in the defaults:
//
//   "mqtt": { "port": 8883, "handshakeTimeoutMs": 30000, "maxConnections": 10000,
//             "maxConnectionsPerAddress": 100, "maxPacketBytes": 131072, "descriptorReserve": 1024 }
import { defaultMqttListener, type MqttListenerConfig } from '@phasewire/headend';
import { defaultMqttPort, type ServerConfigFile } from './server-config-schema.ts';

/** The section as the schema admitted it, with the defaults filled in. */
export function mqttListenerOf(file: ServerConfigFile['mqtt']): MqttListenerConfig {
  const d = defaultMqttListener;
  return {
    port: file?.port ?? defaultMqttPort,
    handshakeTimeoutMs: file?.handshakeTimeoutMs ?? d.handshakeTimeoutMs,
    maxConnections: file?.maxConnections ?? d.maxConnections,
    maxConnectionsPerAddress: file?.maxConnectionsPerAddress ?? d.maxConnectionsPerAddress,
    maxPacketBytes: file?.maxPacketBytes ?? d.maxPacketBytes,
    descriptorReserve: file?.descriptorReserve ?? d.descriptorReserve,
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
