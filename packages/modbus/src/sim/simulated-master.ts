// The client on the simulated bus: the same RtuMaster and ChannelClient as on a serial port, with
// the bus as its link and simulated time as its clock, so a poll scheduler cannot tell them apart.
import { ChannelClient } from '../client/modbus-client.ts';
import { RtuMaster, type RtuMasterStats } from '../client/rtu-master.ts';
import type { RtuFramerStats } from '../rtu/rtu-framer.ts';
import type { SimulatedBus } from './simulated-bus.ts';

export interface SimulatedMasterOptions {
  /** Default response timeout in ms (1000). */
  readonly timeoutMs?: number;
  /** Silence before each request; t3.5 of the bus by default. */
  readonly interFrameDelayMs?: number;
  readonly turnaroundDelayMs?: number;
  readonly maxQueued?: number;
}

export class SimulatedMaster extends ChannelClient {
  readonly #master: RtuMaster;

  constructor(bus: SimulatedBus, options: SimulatedMasterOptions = {}) {
    const holder: { master?: RtuMaster } = {};
    const port = bus.attach({
      receive: (chunk) => { holder.master?.receive(chunk); },
      silence: () => { holder.master?.silence(); },
    });
    const master = new RtuMaster({
      link: port,
      timers: bus.scheduler,
      resync: 'silence',
      interFrameDelayMs: options.interFrameDelayMs ?? bus.timing.t35Ms,
      transmitMs: (length) => bus.transmitMs(length),
      ...(options.turnaroundDelayMs === undefined ? {} : { turnaroundDelayMs: options.turnaroundDelayMs }),
      ...(options.maxQueued === undefined ? {} : { maxQueued: options.maxQueued }),
    });
    holder.master = master;
    super(master, options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs });
    this.#master = master;
  }

  get stats(): Readonly<RtuMasterStats> {
    return this.#master.stats;
  }

  get framerStats(): Readonly<RtuFramerStats> {
    return this.#master.framerStats;
  }
}
