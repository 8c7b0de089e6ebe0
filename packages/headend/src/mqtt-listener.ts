// The options of the head-end's MQTT listener: the port, and what one unauthenticated client can
// hold of the listener (docs/running.md, "Limits of the MQTT listener"). The server reads them from
// the `mqtt` section of its configuration (packages/server/src/mqtt-listener-config.ts).
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

export const defaultMqttListener: Omit<MqttListenerConfig, 'port'> = {
  handshakeTimeoutMs: tlsPolicy.handshakeTimeoutMs,
  maxConnections: defaultConnectionLimits.maxConnections,
  maxConnectionsPerAddress: defaultConnectionLimits.maxPerAddress,
  maxPacketBytes: defaultMaxPacketBytes,
  descriptorReserve: 1024,
};
