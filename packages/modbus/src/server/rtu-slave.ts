// The slave (server) side of Modbus RTU as pure logic over a byte link and a Timers port: frames
// requests as they arrive, answers those addressed to it after its processing delay and never
// sooner than t3.5 after the request (Serial Line V1.02 §2.5.1.1), executes broadcasts without
// answering them (§2.1), and ignores frames for other addresses. Used by the serial server in
// src/node/ and by the slaves of the simulated bus.
import { BROADCAST_ADDRESS } from '../limits.ts';
import { encodeRtuFrame, type RtuFrame } from '../rtu/rtu-frame.ts';
import { RtuFramer, type RtuFramerStats, type RtuResync } from '../rtu/rtu-framer.ts';
import type { Timers } from '../timers.ts';
import type { RtuLink } from '../client/rtu-master.ts';
import { serveRequest, type ModbusRequestHandler } from './serve-request.ts';

export interface RtuSlaveOptions {
  readonly link: RtuLink;
  readonly timers: Timers;
  readonly resync: RtuResync;
  /** Whether this slave answers `address` (1–247); a simulator or gateway may answer several. */
  readonly accepts: (address: number) => boolean;
  readonly handler: ModbusRequestHandler;
  /** Silence kept between the request's end and the response: at least t3.5. */
  readonly interFrameDelayMs: number;
  /** Processing time before the response starts (a number, or drawn per request). */
  readonly responseDelayMs?: number | (() => number);
  readonly onError?: (error: unknown) => void;
}

export interface RtuSlaveStats {
  requests: number;
  responses: number;
  broadcasts: number;
  /** Well-formed frames for other addresses. */
  ignored: number;
}

export class RtuSlave {
  readonly #options: RtuSlaveOptions;
  readonly #framer: RtuFramer;
  #lastActivity = Number.NEGATIVE_INFINITY;
  readonly #stats: RtuSlaveStats = { requests: 0, responses: 0, broadcasts: 0, ignored: 0 };

  constructor(options: RtuSlaveOptions) {
    this.#options = options;
    this.#framer = new RtuFramer({ direction: 'request', resync: options.resync, onFrame: (frame) => { this.#onFrame(frame); } });
  }

  get stats(): Readonly<RtuSlaveStats> {
    return this.#stats;
  }

  get framerStats(): Readonly<RtuFramerStats> {
    return this.#framer.stats;
  }

  receive(chunk: Uint8Array): void {
    this.#lastActivity = this.#options.timers.now();
    this.#framer.push(chunk);
  }

  silence(): void {
    this.#framer.silence();
  }

  #onFrame(frame: RtuFrame): void {
    const { address, pdu } = frame;
    const broadcast = address === BROADCAST_ADDRESS;
    if (!broadcast && !this.#options.accepts(address)) {
      this.#stats.ignored++;
      return;
    }
    if (broadcast) this.#stats.broadcasts++;
    else this.#stats.requests++;
    const receivedAt = this.#options.timers.now();
    void serveRequest(address, pdu, this.#options.handler, this.#options.onError === undefined ? {} : { onError: this.#options.onError })
      .then((response) => {
        if (broadcast || response === undefined) return;
        this.#respond(address, response, receivedAt);
      });
  }

  #respond(address: number, pdu: Uint8Array, receivedAt: number): void {
    const { timers, interFrameDelayMs, responseDelayMs } = this.#options;
    const processing = typeof responseDelayMs === 'function' ? responseDelayMs() : responseDelayMs ?? 0;
    const at = Math.max(receivedAt + processing, this.#lastActivity + interFrameDelayMs);
    const frame = encodeRtuFrame(address, pdu);
    const send = (): void => {
      this.#stats.responses++;
      this.#options.link.write(frame);
    };
    const wait = at - timers.now();
    if (wait > 0) timers.setTimeout(send, wait);
    else send();
  }
}
