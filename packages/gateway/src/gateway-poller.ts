// The gateway's side of the uplink: the bus scheduler's snapshots per meter, held until the meter's
// agent takes them. Each meter gets a reading source (the agent's port): `read` hands over the
// oldest snapshot not taken yet, so every poll is staged by the agent exactly once and travels the
// same durable path as a meter's own reading; `latest` answers an on-demand read. Snapshots carry
// the quantities of the meter's profile, stamped with the poll time by the scheduler's clock.
//
// Between the poll and the agent's durable stage a snapshot is in memory only, bounded per meter
// (`buffer`, oldest dropped and counted): an agent that cannot keep up must not grow the gateway
// without bound.
//
// A snapshot whose values no live meter can have (plausibility.ts: 0 V and 0 Hz, a frequency off
// any grid, a negative energy register) is withheld: counted, reported through `onImplausible`,
// and never handed to the agent, so it never reaches the head-end as a measured value. Its
// interval is a gap that the MDM's VEE estimates and flags, as for a failed poll.
import type { MeterId, Snapshot } from '@phasewire/core';
import type { TripRecord } from '@phasewire/meter';
import { BusScheduler, type BusSchedulerOptions } from './bus-scheduler.ts';
import type { DeviceStats } from './bus-stats.ts';
import { implausibilities } from './plausibility.ts';
import type { PolledProtection } from './polled-protection.ts';

export interface GatewayPollerOptions extends Omit<BusSchedulerOptions, 'onSnapshot' | 'onQuarantine'> {
  readonly onQuarantine?: (meter: MeterId, quarantined: boolean) => void;
  /** A polled snapshot withheld because no live meter can read so; `problems` says why, one phrase each. */
  readonly onImplausible?: (snapshot: Snapshot, problems: readonly string[]) => void;
  /** Snapshots held per meter until taken (default 256). */
  readonly buffer?: number;
  /** Local protection judged on each plausible poll (polled-protection.ts); its trips go to the meter's agent. */
  readonly protection?: PolledProtection;
}

/** A meter's readings as the agent's reading source sees them. */
export interface PolledReadings {
  read(at: number): Promise<Snapshot | undefined>;
  latest(at: number): Snapshot | undefined;
  /** With protection: the trips its polls made, for the agent to report. */
  takeTrips?(): TripRecord[];
}

interface Held {
  readonly queue: Snapshot[];
  last: Snapshot | undefined;
  quarantined: boolean;
  dropped: number;
  implausible: number;
}

export interface BusTotals {
  readonly meters: number;
  readonly quarantined: number;
  readonly polls: number;
  readonly failedPolls: number;
  readonly requests: number;
  readonly crcErrors: number;
  readonly timeouts: number;
  readonly exceptions: number;
  /** Snapshots dropped because their agent did not take them in time. */
  readonly dropped: number;
  /** Snapshots withheld because their values are impossible for a live meter. */
  readonly implausible: number;
}

export class GatewayPoller {
  readonly #scheduler: BusScheduler;
  readonly #held = new Map<MeterId, Held>();
  readonly #buffer: number;
  readonly #protection: PolledProtection | undefined;
  #onSnapshot: ((snapshot: Snapshot) => void) | undefined;

  constructor(options: GatewayPollerOptions) {
    this.#buffer = Math.max(1, options.buffer ?? 256);
    this.#protection = options.protection;
    for (const device of options.devices) {
      this.#held.set(device.meter, { queue: [], last: undefined, quarantined: false, dropped: 0, implausible: 0 });
    }
    this.#scheduler = new BusScheduler({
      ...options,
      onSnapshot: (polled) => {
        // Readings carry whole milliseconds (the wire form's time); a simulated clock has fractions.
        const snapshot = Number.isInteger(polled.at) ? polled : { ...polled, at: Math.floor(polled.at) };
        const held = this.#held.get(snapshot.meter);
        if (held === undefined) return;
        const problems = implausibilities(snapshot.values);
        if (problems.length > 0) {
          held.implausible++;
          options.onImplausible?.(snapshot, problems);
          return;
        }
        options.protection?.observe(snapshot);
        held.last = snapshot;
        held.queue.push(snapshot);
        if (held.queue.length > this.#buffer) {
          held.queue.shift();
          held.dropped++;
        }
        this.#onSnapshot?.(snapshot);
      },
      onQuarantine: (meter, on) => {
        const held = this.#held.get(meter);
        if (held !== undefined) held.quarantined = on;
        options.onQuarantine?.(meter, on);
      },
    });
  }

  get meters(): readonly MeterId[] {
    return [...this.#held.keys()];
  }

  /**
   * Starts polling; resolves when stopped. `onSnapshot` is told after each snapshot is held: the
   * poller is built first, as every meter's reading source (`source`), the agents on those sources
   * next, and polling starts with them as the takers of what it holds.
   */
  start(onSnapshot?: (snapshot: Snapshot) => void): Promise<void> {
    this.#onSnapshot = onSnapshot;
    return this.#scheduler.start();
  }

  /** Stops after the exchange in progress; snapshots not taken stay readable. */
  stop(): Promise<void> {
    return this.#scheduler.stop();
  }

  /** The reading source of one meter on this bus, or undefined for a meter not on it. */
  source(meter: MeterId): PolledReadings | undefined {
    const held = this.#held.get(meter);
    if (held === undefined) return undefined;
    const protection = this.#protection;
    return {
      read: () => Promise.resolve(held.queue.shift()),
      latest: () => held.last,
      ...(protection === undefined ? {} : { takeTrips: () => protection.takeTrips(meter) }),
    };
  }

  /** Whether the meter is quarantined now (failing; only probed). */
  quarantined(meter: MeterId): boolean {
    return this.#held.get(meter)?.quarantined ?? false;
  }

  /** Snapshots of the meter withheld as implausible. */
  implausible(meter: MeterId): number {
    return this.#held.get(meter)?.implausible ?? 0;
  }

  /** Snapshots polled and not taken yet. */
  waiting(meter: MeterId): number {
    return this.#held.get(meter)?.queue.length ?? 0;
  }

  /** Per-meter bus statistics (see bus-stats.ts). */
  stats(): ReadonlyMap<MeterId, DeviceStats> {
    return this.#scheduler.stats();
  }

  /** The bus as a whole. */
  totals(): BusTotals {
    const all = [...this.#scheduler.stats().values()];
    const sum = (pick: (stats: DeviceStats) => number): number => all.reduce((total, stats) => total + pick(stats), 0);
    return {
      meters: all.length, quarantined: all.filter((stats) => stats.quarantined).length,
      polls: sum((s) => s.polls), failedPolls: sum((s) => s.failedPolls), requests: sum((s) => s.requests),
      crcErrors: sum((s) => s.crcErrors), timeouts: sum((s) => s.timeouts), exceptions: sum((s) => s.exceptions),
      dropped: [...this.#held.values()].reduce((total, held) => total + held.dropped, 0),
      implausible: [...this.#held.values()].reduce((total, held) => total + held.implausible, 0),
    };
  }
}
