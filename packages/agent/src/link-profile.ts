// Link profiles: how a meter talks to the head-end over each kind of link, and how that link
// behaves, so that tests and the demo can put the same link between agent and head-end.
//   wifi      802.11 b/g/n, ~100 m: commercial facility monitoring. Few ms, Mbit/s, rare loss.
//   cellular  NB-IoT / LTE-M, ~15 km: remote rural substations. Seconds of latency (3GPP TR 45.820
//             targets ≤ 10 s for NB-IoT exception reports), tens of kbit/s, loss, power-save sleep
//             between windows (3GPP TS 23.682 PSM): batched messages and resumed TLS sessions.

export interface LinkConditions {
  /** One-way latency, ms. */
  readonly latencyMs: number;
  /** Uniform extra delay in [0, jitterMs), ms; order is kept. */
  readonly jitterMs?: number;
  /** Uplink (agent → head-end) rate, bit/s; unlimited when absent. */
  readonly upBitsPerSecond?: number;
  /** Downlink (head-end → agent) rate, bit/s; unlimited when absent. */
  readonly downBitsPerSecond?: number;
  /** Probability that one TCP segment is lost and must be sent again. */
  readonly segmentLoss?: number;
  /** Retransmission timeout added per lost segment, ms (RFC 6298 §2.4 floor: 1000). */
  readonly retransmitMs?: number;
}

export type LinkProfileName = 'wifi' | 'cellular';

export interface LinkProfile {
  readonly name: LinkProfileName;
  readonly description: string;
  /** Reading intervals carried in one uplink message. */
  readonly intervalsPerMessage: number;
  /** Whether the agent stays connected between messages or connects, sends and sleeps. */
  readonly connection: 'persistent' | 'per-window';
  /** Resume the TLS session (RFC 8446 §2.2) on reconnect instead of a full handshake. */
  readonly resumeSessions: boolean;
  /** MQTT keep-alive, s (MQTT 3.1.1 §3.1.2.10). */
  readonly keepAliveSeconds: number;
  /** Reconnect backoff: the first delay and the ceiling, ms; full jitter is applied. */
  readonly reconnect: { readonly initialMs: number; readonly maxMs: number };
  /** How long the agent waits for the head-end's acknowledgement before it gives up on a message, ms. */
  readonly ackTimeoutMs: number;
  /** The link this profile runs over, for the emulator. */
  readonly emulated: LinkConditions;
}

export const linkProfiles: Readonly<Record<LinkProfileName, LinkProfile>> = {
  wifi: {
    name: 'wifi',
    description: 'Wi-Fi (802.11 b/g/n, ~100 m): commercial facility monitoring; one connection kept open, every interval sent as it ends',
    intervalsPerMessage: 1,
    connection: 'persistent',
    resumeSessions: true,
    keepAliveSeconds: 60,
    reconnect: { initialMs: 500, maxMs: 60_000 },
    ackTimeoutMs: 10_000,
    emulated: { latencyMs: 2, jitterMs: 3, upBitsPerSecond: 20_000_000, downBitsPerSecond: 20_000_000, segmentLoss: 0.001,
      retransmitMs: 200 },
  },
  cellular: {
    name: 'cellular',
    description: 'Cellular NB-IoT/4G (~15 km): remote rural substations; wakes, sends a batch of intervals over a '
      + 'resumed TLS session, sleeps',
    intervalsPerMessage: 4,
    connection: 'per-window',
    resumeSessions: true,
    keepAliveSeconds: 1200,
    reconnect: { initialMs: 5_000, maxMs: 900_000 },
    ackTimeoutMs: 60_000,
    emulated: { latencyMs: 1500, jitterMs: 1000, upBitsPerSecond: 20_000, downBitsPerSecond: 25_000, segmentLoss: 0.02,
      retransmitMs: 3000 },
  },
};
