// The simulated RS-485 bus run against the wall clock, for a gateway without hardware (`transport:
// { simulated }` in gateway.json) and the end-to-end tests: the discrete-event scheduler is
// advanced to `speed` × the real time elapsed, every few milliseconds. Slaves are attached by the
// caller after the bus is built, so that they can read its simulated time (start-gateway.ts serves
// simulated meters through their profiles, each measuring up to the bus's time).
import { EventScheduler, SimulatedBus, SimulatedMaster, SimulatedSlave, type ModbusRequestHandler } from '@phasewire/modbus';
import { settleOnImmediate } from '@phasewire/modbus/node';
import { SeededRandom } from '@phasewire/core';
import type { SimulatedBusConfig } from '../gateway-config.ts';

export interface RealTimeSlave {
  readonly unit: number;
  readonly handler: ModbusRequestHandler;
  readonly bitErrorRate?: number;
  /** Off the line between these simulated times after the start, ms. */
  readonly deadBetween?: readonly [number, number];
}

/** How often the scheduler catches up with the wall clock, ms. */
const TICK_MS = 5;

export class RealTimeBus {
  readonly scheduler: EventScheduler;
  readonly bus: SimulatedBus;
  readonly master: SimulatedMaster;
  readonly #speed: number;
  #startedAt = 0;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  constructor(config: SimulatedBusConfig, options: { seed?: number; timeoutMs?: number } = {}) {
    // settleOnImmediate: between events, let every promise continuation run (the scheduler's async loop awaits several deep).
    this.scheduler = new EventScheduler({ settle: settleOnImmediate });
    this.bus = new SimulatedBus({ scheduler: this.scheduler, framing: config.framing, random: new SeededRandom(options.seed ?? 1),
      interference: { bitErrorRate: config.bitErrorRate } });
    this.master = new SimulatedMaster(this.bus, { timeoutMs: options.timeoutMs ?? 1000 });
    this.#speed = config.speed;
  }

  /** Puts a slave on the bus. */
  attach(slave: RealTimeSlave): SimulatedSlave {
    const simulated = new SimulatedSlave(this.bus, {
      addresses: [slave.unit], handler: slave.handler, responseDelayMs: 10,
      ...(slave.bitErrorRate === undefined || slave.bitErrorRate === 0 ? {} : { bitErrorRate: slave.bitErrorRate }),
    });
    if (slave.deadBetween !== undefined) simulated.failBetween(slave.deadBetween[0], slave.deadBetween[1]);
    return simulated;
  }

  /** Starts simulated time (from 0), which stands still until then: slow start-up work does not eat into the simulation. */
  start(): void {
    if (this.#timer !== undefined) return;
    this.#startedAt = performance.now() - this.scheduler.now() / this.#speed;
    this.#timer = setInterval(() => { this.#tick(); }, TICK_MS);
  }

  /** Simulated ms since the start. */
  now(): number {
    return this.scheduler.now();
  }

  #tick(): void {
    if (this.#running !== undefined) return;
    const target = (performance.now() - this.#startedAt) * this.#speed;
    this.#running = this.scheduler.runUntil(target).finally(() => { this.#running = undefined; });
  }

  /** Stops driving the scheduler (after the run in progress). */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running;
    await this.master.close();
  }
}
