// Where the agent's readings come from: a port, so that the same agent (durable queue, sealed
// uplink, acks, commands) serves a simulated meter and a Modbus meter polled by a gateway. The
// source stamps its own snapshots (a gateway stamps each with its poll time); the agent passes the
// time on its own clock as a hint, which a simulator reads as "measure up to now".
import type { Snapshot } from '@phasewire/core';
import type { SimulatedMeter } from '@phasewire/meter';
import type { CommandOp } from '@phasewire/core/protocol';
import type { LoadRelay, RelayState, TripRecord } from '@phasewire/meter';
import type { ProtectionTarget } from './command-handler.ts';

/** A load relay the head-end may switch (disconnect / reconnect commands). */
export interface RelayControl {
  readonly state: RelayState;
  set(state: RelayState): void;
}

export interface ReadingSource {
  /** The next reading, or undefined when the meter gave none (it did not answer: nothing is staged). */
  read(at: number): Promise<Snapshot | undefined>;
  /** The reading for an on-demand `read` command, answered at once; absent, or undefined: the command is answered "unsupported". */
  latest?(at: number): Snapshot | undefined;
  /** The meter's load relay; absent: disconnect and reconnect are answered "unsupported by this meter". */
  readonly relay?: RelayControl;
  /** Whether readings follow the agent's clock, so that clock-sync means something; absent: clock-sync is "unsupported". */
  readonly followsAgentClock?: boolean;
  /** Local protection (protected-source.ts); absent: protection commands are answered "unsupported". */
  readonly protection?: ProtectionTarget;
  /** Trips protection made since the last call, oldest first (taking them empties the list), for the agent to report. */
  takeTrips?(): TripRecord[];
}

/** The simulated meter as a source: it measures up to the agent's time, through the agent's load relay. */
export function simulatorSource(meter: SimulatedMeter, relay: LoadRelay): ReadingSource {
  const measure = (at: number): Snapshot => relay.apply(meter.advanceTo(at));
  return {
    read: (at) => Promise.resolve(measure(at)),
    latest: measure,
    relay: {
      get state() { return relay.state; },
      set: (state) => { if (state === 'open') relay.open(); else relay.close(); },
    },
    followsAgentClock: true,
  };
}

/** Whether a source can carry out a command (the rest are answered "unsupported by this meter"). */
export function sourceSupports(source: ReadingSource, op: CommandOp): boolean {
  switch (op) {
    case 'read': return source.latest !== undefined;
    case 'clock-sync': return source.followsAgentClock === true;
    case 'disconnect':
    case 'reconnect': return source.relay !== undefined;
    case 'protection-settings':
    case 'protection-arm':
    case 'protection-disarm': return source.protection !== undefined;
    case 'firmware-update': return false;
  }
}
