// The bus scheduler: polls every meter on one bus by its profile and period, so that one dead or
// noisy meter never delays the others beyond their period (users' complaints 1 and 2).
//
// One exchange at a time (RS-485 is half-duplex; on TCP it is the polite default, and with
// `maxInFlight` > 1 the read blocks of one device's poll go out together on a Modbus/TCP
// connection whose server serves concurrent transactions). The most
// overdue healthy device goes next. A read that fails its CRC is retried at once, because noise
// is transient; a timeout is not, because a dead meter would cost its timeout twice: the poll
// fails and the device is tried again after a backoff (doubling, capped at its period). After
// `quarantineAfter` consecutive failed polls the device is quarantined: it is no longer polled,
// only probed with one short read once per period, and only when the probe's worst case (its
// timeout plus a margin) ends before the next healthy device is due. A probe that answers brings
// the device back at once.
//
// Polls are due on wall-clock slots, multiples of the period from each 15-minute boundary, and a
// snapshot is stamped with its slot when the poll starts within the slot's tolerance, so the MDM
// gets every meter's readings on the interval grid (poll-slots.ts). The first poll is at start.
import { ConfigError, type Clock, type MeterId, type Snapshot } from '@phasewire/core';
import { decodeImage, planReads, registerImage, type DeviceProfile, type ModbusClient, type PlannedRead, type Timers,
  type TimerHandle } from '@phasewire/modbus';
import { DeviceCounters, outcomeOf, type DeviceStats } from './bus-stats.ts';
import { readPlanned } from './read-planned.ts';
import { nextSlot, stampFor } from './poll-slots.ts';

export interface PolledDevice {
  readonly meter: MeterId;
  readonly unit: number;
  readonly profile: DeviceProfile;
  readonly periodMs: number;
  /** Overrides the profile's response timeout. */
  readonly timeoutMs?: number;
}

export interface BusSchedulerOptions {
  readonly client: ModbusClient;
  /** Time for the schedule (an EventScheduler on the simulated bus, Node timers on a real one). */
  readonly timers: Timers;
  /** Time stamped on snapshots; the timers' clock when not given. */
  readonly clock?: Clock;
  readonly devices: readonly PolledDevice[];
  readonly onSnapshot: (snapshot: Snapshot) => void;
  readonly onQuarantine?: (meter: MeterId, quarantined: boolean) => void;
  /** Immediate retries of a read after a CRC error (default 1). */
  readonly crcRetries?: number;
  /** Consecutive failed polls before quarantine (default 3). */
  readonly quarantineAfter?: number;
  /** First backoff after a failed poll, doubled per further failure, capped at the period (default 500 ms). */
  readonly backoffMs?: number;
  /** Added to a probe's timeout when judging whether the bus can spare it (default 100 ms). */
  readonly probeMarginMs?: number;
  /**
   * Read blocks of one device's poll on the wire together (default 1: one after the other). Only
   * for a Modbus/TCP client whose server serves concurrent transactions, with at least this
   * `maxInFlight` of its own: on a serial line the blocks would only queue in the master, and a
   * dead meter would cost its timeout once per block instead of once per poll.
   */
  readonly maxInFlight?: number;
}

interface DeviceState {
  readonly device: PolledDevice;
  readonly reads: readonly PlannedRead[];
  readonly timeoutMs: number;
  readonly counters: DeviceCounters;
  nextDue: number;
  /** The wall-clock slot the next poll is planned for (undefined before the first good poll). */
  slot: number | undefined;
  failures: number;
  quarantined: boolean;
}

export class BusScheduler {
  readonly #options: BusSchedulerOptions;
  readonly #clock: Clock;
  readonly #states: DeviceState[];
  #running = false;
  #sleep: { timer: TimerHandle; wake: () => void } | undefined;
  #loop: Promise<void> | undefined;

  constructor(options: BusSchedulerOptions) {
    this.#options = options;
    this.#clock = options.clock ?? options.timers;
    if (!Number.isSafeInteger(options.maxInFlight ?? 1) || (options.maxInFlight ?? 1) < 1) {
      throw new ConfigError('PW_ERR_GATEWAY_CONFIG', `Cannot schedule the bus with maxInFlight ${String(options
        .maxInFlight)}: expected a whole number from 1`);
    }
    const units = new Set<number>();
    const meters = new Set<string>();
    this.#states = options.devices.map((device) => {
      if (units.has(device.unit) || meters.has(device.meter)) {
        throw new ConfigError('PW_ERR_GATEWAY_CONFIG', `Cannot schedule meter ${device.meter} at unit ${device
          .unit}: the unit or the meter is already on this bus, expected each once`);
      }
      if (!(device.periodMs > 0) || !Number.isFinite(device.periodMs) || (device.timeoutMs !== undefined && !(device.timeoutMs > 0))) {
        throw new ConfigError('PW_ERR_GATEWAY_CONFIG', `Cannot schedule meter ${device.meter}: period ${device
          .periodMs} ms and timeout ${String(device.timeoutMs)} ms, expected positive numbers`);
      }
      units.add(device.unit);
      meters.add(device.meter);
      return {
        device, reads: planReads(device.profile), timeoutMs: device.timeoutMs ?? device.profile.timing.responseTimeoutMs,
        counters: new DeviceCounters(), nextDue: options.timers.now(), slot: undefined, failures: 0, quarantined: false,
      };
    });
  }

  /** Starts polling; resolves when stopped. */
  start(): Promise<void> {
    if (this.#loop !== undefined) return this.#loop;
    this.#running = true;
    this.#loop = this.#run();
    return this.#loop;
  }

  /** Stops after the exchange in progress. */
  async stop(): Promise<void> {
    this.#running = false;
    const sleep = this.#sleep;
    if (sleep !== undefined) {
      sleep.timer.cancel();
      sleep.wake();
    }
    await this.#loop;
    this.#loop = undefined;
  }

  /** Statistics per meter. */
  stats(): ReadonlyMap<MeterId, DeviceStats> {
    return new Map(this.#states.map((s) => [s.device.meter, s.counters.snapshot(s.quarantined)]));
  }

  async #run(): Promise<void> {
    const timers = this.#options.timers;
    while (this.#running) {
      const now = timers.now();
      const healthy = this.#states.filter((s) => !s.quarantined);
      const due = healthy.filter((s) => s.nextDue <= now).sort((a, b) => a.nextDue - b.nextDue)[0];
      if (due !== undefined) {
        await this.#poll(due);
        continue;
      }
      const nextHealthy = Math.min(...healthy.map((s) => s.nextDue));
      const margin = this.#options.probeMarginMs ?? 100;
      const probe = this.#states.find((s) => s.quarantined && s.nextDue <= now && now + s.timeoutMs + margin <= nextHealthy);
      if (probe !== undefined) {
        await this.#probe(probe);
        continue;
      }
      const waiting = this.#states.filter((s) => s.quarantined ? s.nextDue > now : true).map((s) => s.nextDue);
      const wakeAt = Math.min(nextHealthy, ...waiting);
      await this.#sleepUntil(Number.isFinite(wakeAt) ? wakeAt : now + 1000);
    }
  }

  /**
   * Plans the next poll at the next wall-clock slot after now and after the slot just stamped (a
   * poll stamped with a slot the wall clock has not reached yet must not be followed by a second
   * one of that slot), due on the schedule's time (the two clocks may differ: timers can be monotonic).
   */
  #planNextSlot(state: DeviceState, stamped: number): void {
    const wall = this.#clock.now();
    const slot = nextSlot(Math.max(wall, stamped), state.device.periodMs);
    state.slot = slot;
    state.nextDue = this.#options.timers.now() + (slot - wall);
  }

  #sleepUntil(at: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        this.#sleep = undefined;
        resolve();
      };
      this.#sleep = { timer: this.#options.timers.setTimeout(wake, Math.max(0, at - this.#options.timers.now())), wake };
    });
  }

  async #exchange(state: DeviceState, read: PlannedRead, retries: number): Promise<Uint16Array> {
    const timers = this.#options.timers;
    for (let attempt = 0; ; attempt++) {
      const started = timers.now();
      try {
        const values = await readPlanned(this.#options.client, state.device.unit, read, state.timeoutMs);
        state.counters.record('ok', timers.now() - started);
        return values;
      } catch (error) {
        const outcome = outcomeOf(error);
        state.counters.record(outcome, timers.now() - started);
        if (outcome !== 'crc' || attempt >= retries) throw error;
      }
    }
  }

  async #poll(state: DeviceState): Promise<void> {
    const { device, counters } = state;
    // The snapshot's time: the wall-clock slot this poll serves, when it starts close enough to it
    // (after it, or before it by the wall clock when that is behind the timers: poll-slots.ts).
    const at = stampFor(this.#clock.now(), device.periodMs, state.slot);
    counters.polls++;
    try {
      const retries = this.#options.crcRetries ?? 1;
      const depth = this.#options.maxInFlight ?? 1;
      const results: { read: PlannedRead; values: Uint16Array }[] = [];
      if (depth > 1) {
        results.push(...await this.#readPipelined(state, depth, retries));
      } else {
        for (const read of state.reads) results.push({ read, values: await this.#exchange(state, read, retries) });
      }
      const values = decodeImage(device.profile.points, registerImage(results));
      state.failures = 0;
      this.#planNextSlot(state, at);
      this.#options.onSnapshot({ meter: device.meter, at, values });
    } catch {
      counters.failedPolls++;
      state.failures++;
      const now = this.#options.timers.now();
      if (state.failures >= (this.#options.quarantineAfter ?? 3)) {
        state.quarantined = true;
        counters.quarantines++;
        state.nextDue = now + device.periodMs;
        this.#options.onQuarantine?.(device.meter, true);
      } else {
        state.nextDue = now + Math.min(device.periodMs, (this.#options.backoffMs ?? 500) * 2 ** (state.failures - 1));
      }
    }
  }

  /**
   * The poll's reads with up to `depth` on the wire at once: each of `depth` lanes takes the next
   * read as soon as its last one is answered. As in the sequential loop, the first failure stops
   * new reads (the poll has failed); the reads already sent are waited for, so that the poll is
   * over, with every exchange counted, before the next one starts. Each read keeps its own timeout
   * and CRC retries (#exchange).
   */
  async #readPipelined(state: DeviceState, depth: number, retries: number): Promise<{ read: PlannedRead; values: Uint16Array }[]> {
    const reads = state.reads;
    const values: Uint16Array[] = [];
    let next = 0;
    let failure: { readonly error: unknown } | undefined;
    const lane = async (): Promise<void> => {
      while (failure === undefined && next < reads.length) {
        const index = next++;
        const read = reads[index];
        if (read === undefined) return;
        try {
          values[index] = await this.#exchange(state, read, retries);
        } catch (error) {
          failure ??= { error };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(depth, reads.length) }, lane));
    if (failure !== undefined) throw failure.error;
    return reads.map((read, index) => ({ read, values: values[index] ?? new Uint16Array(0) }));
  }

  async #probe(state: DeviceState): Promise<void> {
    state.counters.probes++;
    const first = state.reads[0];
    try {
      if (first !== undefined) await this.#exchange(state, first, 0);
      state.quarantined = false;
      state.failures = 0;
      state.nextDue = this.#options.timers.now();
      this.#options.onQuarantine?.(state.device.meter, false);
    } catch {
      state.nextDue = this.#options.timers.now() + state.device.periodMs;
    }
  }
}
