// The meter agent's options, events and statistics.
import type { Clock, Random } from '@phasewire/core';
import type { ReadingSource } from '../reading-source.ts';
import type { LinkProfile } from '../link-profile.ts';
import type { SimulatedMeter } from '@phasewire/meter';
import type { AgentIdentity } from './enrollment.ts';
import type { AgentFirmwareOptions } from './firmware/agent-firmware.ts';

/**
 * What the agent says of its meter in every status message, for the head-end's registry: the model
 * (a device profile's model, `pw-sim-3p` for the simulated meter) and the meter's own link
 * (`rs485` for a meter behind a gateway, whatever carries the gateway's uplink).
 */
export interface AgentDescription {
  readonly model: string;
  readonly link: 'wifi' | 'cellular' | 'rs485';
}

interface AgentCommonOptions {
  readonly identity: AgentIdentity;
  readonly dataDir: string;
  readonly broker: { readonly host: string; readonly port: number; readonly servername?: string };
  readonly profile: LinkProfile;
  /** The meter's clock (simulated time in tests and the fleet); a simulated meter's readings are stamped with it. */
  readonly clock: Clock;
  readonly random: Random;
  /** Messages out at once while a backlog drains; default 16. */
  readonly maxInflight?: number;
  readonly onEvent?: (event: AgentEvent) => void;
  /** Said in the status messages (`online`, `offline`, the will); the head-end's registry keeps it. */
  readonly describe?: AgentDescription;
  /**
   * The longest a clock-sync may have been on its way, on the meter's clock (default 30 s): it is
   * bounded by the meter's own last message the head-end had, and half of it bounds the error.
   */
  readonly clockSyncMaxAgeMs?: number;
  /** Its firmware and updater (agent-firmware.ts); without it the agent runs no bundle and refuses firmware-update. */
  readonly firmware?: AgentFirmwareOptions;
}

/**
 * Exactly one of `meter` (a simulated meter, read through the agent's persisted load relay) and
 * `source` (any reading source, such as a Modbus meter polled by a gateway).
 */
export type MeterAgentOptions = AgentCommonOptions & (
  | { readonly meter: SimulatedMeter; readonly source?: never }
  | { readonly source: ReadingSource; readonly meter?: never }
);

export type AgentEvent =
  | { readonly kind: 'connected'; readonly resumed: boolean }
  | { readonly kind: 'disconnected'; readonly reason: string }
  | { readonly kind: 'published'; readonly messages: number }
  | { readonly kind: 'acked'; readonly messages: number; readonly pending: number }
  /** `repeated`: a second copy of a command that ran before, answered with its answer again (not run again). */
  | { readonly kind: 'command'; readonly id: string; readonly op: string; readonly ok: boolean; readonly code?: string;
    readonly repeated?: true }
  | { readonly kind: 'refused'; readonly code: string; readonly message: string }
  /**
   * The head-end acknowledged a message but refused some of its readings, or all of it, for good (a
   * reading's time: is the clock set?; a body it cannot use): dropped from the queue. `readings`: of it
   * never stored, 0 when it held none or its body could not be read.
   */
  | { readonly kind: 'readings-refused'; readonly code: string; readonly readings: number }
  /** The same downlink envelope delivered again (MQTT QoS 1 is at least once): dropped, not handled twice. */
  | { readonly kind: 'duplicate'; readonly topic: 'ack' | 'command' }
  /** Local protection opened the relay (the event is queued for the head-end). */
  | { readonly kind: 'trip'; readonly fn: string; readonly at: number };

export interface AgentStats {
  connections: number;
  resumedHandshakes: number;
  published: number;
  acked: number;
  commands: number;
  refusedEnvelopes: number;
  /** Readings the head-end acknowledged as refused, never stored (counted once per message). */
  refusedReadings: number;
  /** Downlink envelopes delivered again after they were accepted, and dropped (see RecentDownlinks). */
  duplicates: number;
}

/** The event for an error while handling a downlink message, or undefined when the receiver already reported it. */
export function refusalEvent(error: unknown): AgentEvent | undefined {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
  // Envelope refusals and replays were reported by the receiver.
  if (code !== undefined && (code.startsWith('PW_ERR_ENVELOPE') || code === 'PW_ERR_REPLAY')) return undefined;
  return { kind: 'refused', code: code ?? 'unknown', message: error instanceof Error ? error.message : String(error) };
}
