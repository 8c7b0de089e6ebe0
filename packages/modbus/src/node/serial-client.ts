// Modbus RTU master on a serial port: the pure RtuMaster (one request at a time, t3.5 gaps,
// response timeout from the end of the request, fail-fast on corruption) on `serialport`. When
// the port goes away (a USB adapter unplugged), requests fail fast and the port is reopened by
// itself until the client is closed.
import type { SerialPort } from 'serialport';
import { ChannelClient } from '../client/modbus-client.ts';
import { RtuMaster, type RtuMasterStats } from '../client/rtu-master.ts';
import type { RtuFramerStats } from '../rtu/rtu-framer.ts';
import { rtuTiming } from '../rtu/rtu-timing.ts';
import { nodeTimers } from './node-timers.ts';
import { closeSerialPort, openSerialPort, SilenceDetector, silenceMsFor, type SerialLineOptions } from './serial-port.ts';

export interface SerialClientOptions extends SerialLineOptions {
  /** After the port closes under it (an adapter unplugged), reopen after this delay, doubling up to reopenMaxDelayMs (500 ms). */
  readonly reopenDelayMs?: number;
  /** Longest delay between reopen attempts (10 000 ms). */
  readonly reopenMaxDelayMs?: number;
  /** Default response timeout in ms (1000). */
  readonly timeoutMs?: number;
  /** Silence kept before each request: t3.5, and at least the silence detector's time. */
  readonly interFrameDelayMs?: number;
  /** Wait after a broadcast (Serial Line V1.02 §2.4.1; 100 ms). */
  readonly turnaroundDelayMs?: number;
  readonly maxQueued?: number;
}

export class ModbusSerialClient extends ChannelClient {
  readonly #master: RtuMaster;
  readonly #port: SerialPort;
  readonly #silence: SilenceDetector;
  #closed = false;
  #linked = true;
  #reopen: NodeJS.Timeout | undefined;
  #reopenDelayMs: number;

  static async open(options: SerialClientOptions): Promise<ModbusSerialClient> {
    return new ModbusSerialClient(options, await openSerialPort(options));
  }

  private constructor(options: SerialClientOptions, port: SerialPort) {
    const timing = rtuTiming(options);
    const silenceMs = silenceMsFor(options, timing);
    const holder: { master?: RtuMaster } = {};
    const silence = new SilenceDetector(silenceMs, () => { holder.master?.silence(); });
    const master = new RtuMaster({
      link: {
        write: (bytes) => {
          // serialport would hold a write made while the port is closed and send it after the
          // reopen, where its answer would be taken for another request's: refuse it instead.
          if (!port.isOpen) throw new Error(`the serial port ${options.path} is not open`);
          port.write(Buffer.from(bytes));
        },
      },
      timers: nodeTimers,
      resync: 'silence',
      interFrameDelayMs: options.interFrameDelayMs ?? Math.max(timing.t35Ms, silenceMs),
      transmitMs: (length) => length * timing.characterMs,
      ...(options.turnaroundDelayMs === undefined ? {} : { turnaroundDelayMs: options.turnaroundDelayMs }),
      ...(options.maxQueued === undefined ? {} : { maxQueued: options.maxQueued }),
    });
    holder.master = master;
    super(master, options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs });
    this.#master = master;
    this.#port = port;
    this.#silence = silence;
    port.on('data', (chunk: Buffer) => {
      silence.activity();
      master.receive(chunk);
    });
    port.on('open', () => {
      this.#reopenDelayMs = options.reopenDelayMs ?? 500;
      // Bytes left in the driver's buffers from before the loss belong to no request.
      port.flush(() => {
        this.#linked = true;
        master.linkUp();
      });
    });
    port.on('close', () => {
      this.#linked = false;
      master.linkDown(`the serial port ${options.path} closed`);
      this.#scheduleReopen(options);
    });
    port.on('error', (error) => {
      this.#linked = false;
      master.linkDown(`the serial port ${options.path} failed: ${error.message}`, error);
      // Closing it starts the reopen loop: a port in an unknown state is not used again as is.
      if (port.isOpen) port.close();
    });
    this.#reopenDelayMs = options.reopenDelayMs ?? 500;
  }

  /** True while the port is open and usable (it reopens by itself after it was lost). */
  get connected(): boolean {
    return this.#linked;
  }

  /** Requests fail with PW_ERR_MODBUS_DISCONNECTED while the port is gone; it is reopened with a growing delay until close(). */
  #scheduleReopen(options: SerialClientOptions): void {
    if (this.#closed) return;
    const delay = this.#reopenDelayMs;
    this.#reopenDelayMs = Math.min(delay * 2, options.reopenMaxDelayMs ?? 10_000);
    this.#reopen = setTimeout(() => {
      this.#port.open((error) => { if (error) this.#scheduleReopen(options); });
    }, delay);
  }

  get stats(): Readonly<RtuMasterStats> {
    return this.#master.stats;
  }

  get framerStats(): Readonly<RtuFramerStats> {
    return this.#master.framerStats;
  }

  override async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#reopen);
    await super.close();
    this.#silence.stop();
    await closeSerialPort(this.#port);
  }
}
