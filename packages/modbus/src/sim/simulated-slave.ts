// A device on the simulated bus: an RtuSlave (the same code as the serial server) behind a switch
// that takes it off the line, for the dead meter that stops answering and later comes back.
import type { EventScheduler } from './event-scheduler.ts';
import type { BusPort, SimulatedBus } from './simulated-bus.ts';
import { RtuSlave, type RtuSlaveStats } from '../server/rtu-slave.ts';
import type { ModbusRequestHandler } from '../server/serve-request.ts';

export interface SimulatedSlaveOptions {
  /** The addresses it answers (1–247). */
  readonly addresses: readonly number[];
  readonly handler: ModbusRequestHandler;
  /** Processing time from the end of the request to the start of the response; never less than t3.5 in effect. */
  readonly responseDelayMs?: number | (() => number);
  /** Bit errors on this slave's own frames only, on top of the line's (0). */
  readonly bitErrorRate?: number;
}

export class SimulatedSlave {
  readonly #slave: RtuSlave;
  readonly #port: BusPort;
  readonly #scheduler: EventScheduler;
  #online = true;

  constructor(bus: SimulatedBus, options: SimulatedSlaveOptions) {
    this.#scheduler = bus.scheduler;
    const addresses = new Set(options.addresses);
    this.#port = bus.attach({
      receive: (chunk) => { if (this.#online) this.#slave.receive(chunk); },
      silence: () => { this.#slave.silence(); },
    }, options.bitErrorRate === undefined ? {} : { bitErrorRate: options.bitErrorRate });
    this.#slave = new RtuSlave({
      link: { write: (bytes) => { if (this.#online) this.#port.write(bytes); } },
      timers: bus.scheduler,
      resync: 'silence',
      accepts: (address) => addresses.has(address),
      handler: options.handler,
      interFrameDelayMs: bus.timing.t35Ms,
      ...(options.responseDelayMs === undefined ? {} : { responseDelayMs: options.responseDelayMs }),
    });
  }

  get online(): boolean {
    return this.#online;
  }

  get stats(): Readonly<RtuSlaveStats> {
    return this.#slave.stats;
  }

  /** Off the line: it hears nothing and answers nothing (a dead or unplugged meter). */
  setOnline(online: boolean): void {
    this.#online = online;
  }

  /** Goes dead at `fromMs` of simulated time and comes back at `toMs`. */
  failBetween(fromMs: number, toMs: number): void {
    const now = this.#scheduler.now();
    this.#scheduler.setTimeout(() => { this.setOnline(false); }, fromMs - now);
    this.#scheduler.setTimeout(() => { this.setOnline(true); }, toMs - now);
  }

  detach(): void {
    this.#port.detach();
  }
}
