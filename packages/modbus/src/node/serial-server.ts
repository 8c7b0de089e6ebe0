// Modbus RTU slave on a serial port: the pure RtuSlave (answers its addresses after t3.5 and its
// processing delay, carries out broadcasts silently) on `serialport`.
import type { SerialPort } from 'serialport';
import { rtuTiming } from '../rtu/rtu-timing.ts';
import type { RtuFramerStats } from '../rtu/rtu-framer.ts';
import { RtuSlave, type RtuSlaveStats } from '../server/rtu-slave.ts';
import type { ModbusRequestHandler } from '../server/serve-request.ts';
import { nodeTimers } from './node-timers.ts';
import { closeSerialPort, openSerialPort, SilenceDetector, silenceMsFor, type SerialLineOptions } from './serial-port.ts';

export interface SerialServerOptions extends SerialLineOptions {
  /** The slave addresses answered (1–247). */
  readonly units: readonly number[];
  readonly handler: ModbusRequestHandler;
  /** Processing time before answering, in ms (0; the response never starts before t3.5). */
  readonly responseDelayMs?: number;
  readonly onError?: (error: unknown) => void;
}

export class ModbusSerialServer {
  readonly #slave: RtuSlave;
  readonly #port: SerialPort;
  readonly #silence: SilenceDetector;

  static async open(options: SerialServerOptions): Promise<ModbusSerialServer> {
    return new ModbusSerialServer(options, await openSerialPort(options));
  }

  private constructor(options: SerialServerOptions, port: SerialPort) {
    const timing = rtuTiming(options);
    const units = new Set(options.units);
    this.#port = port;
    this.#slave = new RtuSlave({
      link: { write: (bytes) => { port.write(Buffer.from(bytes)); } },
      timers: nodeTimers,
      resync: 'silence',
      accepts: (address) => units.has(address),
      handler: options.handler,
      interFrameDelayMs: timing.t35Ms,
      ...(options.responseDelayMs === undefined ? {} : { responseDelayMs: options.responseDelayMs }),
      ...(options.onError === undefined ? {} : { onError: options.onError }),
    });
    this.#silence = new SilenceDetector(silenceMsFor(options, timing), () => { this.#slave.silence(); });
    port.on('data', (chunk: Buffer) => {
      this.#silence.activity();
      this.#slave.receive(chunk);
    });
    port.on('error', (error) => { options.onError?.(error); });
  }

  get stats(): Readonly<RtuSlaveStats> {
    return this.#slave.stats;
  }

  get framerStats(): Readonly<RtuFramerStats> {
    return this.#slave.framerStats;
  }

  async close(): Promise<void> {
    this.#silence.stop();
    await closeSerialPort(this.#port);
  }
}
