// The master (client) side of Modbus RTU, as pure logic over a byte link and a Timers port: one
// request on the bus at a time (RS-485 is half-duplex, Serial Line V1.02 §2.1), a queue with a
// bound, a silence of at least t3.5 before each request (§2.5.1.1), a response timeout that runs
// from the moment the request is on the wire, a turnaround delay after a broadcast (§2.4.1), and
// fail-fast on a corrupted response. The same class drives a serial port (src/node/), RTU carried
// over TCP, and the simulated RS-485 bus (../sim/).
import { DecodeError, ValidationError } from '@phasewire/core';
import { closedError, disconnectedError, queueFullError, timeoutError } from '../errors.ts';
import { FunctionCode, describeFunction } from '../function-code.ts';
import { BROADCAST_ADDRESS, MAX_SERIAL_ADDRESS } from '../limits.ts';
import { encodeRtuFrame, type RtuFrame } from '../rtu/rtu-frame.ts';
import { RtuFramer, type RtuFault, type RtuFramerStats, type RtuResync } from '../rtu/rtu-framer.ts';
import type { TimerHandle, Timers } from '../timers.ts';
import { settleWith, type ModbusChannel, type Settleable, type TransactOptions } from './modbus-client.ts';

/** Where the master's bytes go. Received bytes come back through RtuMaster.receive(). */
export interface RtuLink {
  write(bytes: Uint8Array): void;
}

export interface RtuMasterOptions {
  readonly link: RtuLink;
  readonly timers: Timers;
  /** 'silence' on a serial line (the owner calls silence()), 'scan' for RTU on a TCP stream. */
  readonly resync: RtuResync;
  /** Silence kept before each request: at least t3.5 (Serial Line V1.02 §2.5.1.1). */
  readonly interFrameDelayMs: number;
  /** Time given to the slaves after a broadcast before the next request (§2.4.1; 100–200 ms typical). */
  readonly turnaroundDelayMs?: number;
  /** How long the link takes to send `length` bytes; the response timeout starts after it. */
  readonly transmitMs?: (length: number) => number;
  /** Requests allowed to wait for the bus; more are refused (PW_ERR_MODBUS_QUEUE_FULL). */
  readonly maxQueued?: number;
}

export interface RtuMasterStats {
  requests: number;
  responses: number;
  timeouts: number;
  /** Responses lost to a CRC error, truncation or garbage. */
  corrupted: number;
  /** Frames that arrived when no response was awaited (late answers after a timeout). */
  unexpectedFrames: number;
}

interface Pending extends Settleable {
  readonly unit: number;
  readonly functionCode: number;
  readonly frame: Uint8Array;
  readonly timeoutMs: number;
}

const DEFAULT_MAX_QUEUED = 256;
const DEFAULT_TURNAROUND_MS = 100;
const WRITES: ReadonlySet<number> = new Set([
  FunctionCode.WriteSingleCoil, FunctionCode.WriteSingleRegister, FunctionCode.WriteMultipleCoils, FunctionCode.WriteMultipleRegisters,
]);

export class RtuMaster implements ModbusChannel {
  readonly #options: RtuMasterOptions;
  readonly #framer: RtuFramer;
  readonly #queue: Pending[] = [];
  #current: Pending | undefined;
  #responseTimer: TimerHandle | undefined;
  #gapTimer: TimerHandle | undefined;
  /** When the line was last busy (end of the last byte sent or received). */
  #lastActivity = Number.NEGATIVE_INFINITY;
  #up = true;
  #closed = false;
  readonly #stats: RtuMasterStats = { requests: 0, responses: 0, timeouts: 0, corrupted: 0, unexpectedFrames: 0 };

  constructor(options: RtuMasterOptions) {
    this.#options = options;
    this.#framer = new RtuFramer({
      direction: 'response',
      resync: options.resync,
      onFrame: (frame) => { this.#onFrame(frame); },
      onFault: (fault) => { this.#onFault(fault); },
    });
  }

  get stats(): Readonly<RtuMasterStats> {
    return this.#stats;
  }

  get framerStats(): Readonly<RtuFramerStats> {
    return this.#framer.stats;
  }

  /** Requests waiting for the bus, not counting the one on it. */
  get queued(): number {
    return this.#queue.length;
  }

  transact<T>(unit: number, pdu: Uint8Array, options: TransactOptions, finish: (answer: Uint8Array | undefined) => T): Promise<T> {
    const functionCode = pdu[0] ?? 0;
    if (this.#closed) return Promise.reject(closedError(unit, functionCode));
    if (!this.#up) return Promise.reject(disconnectedError(unit, functionCode, 'the serial link is down'));
    if (!Number.isInteger(unit) || unit < BROADCAST_ADDRESS || unit > MAX_SERIAL_ADDRESS) {
      return Promise.reject(new ValidationError('PW_ERR_MODBUS_LIMIT', `Cannot ${describeFunction(
        functionCode)} on unit ${unit}: serial addresses are 0 (broadcast) to 247 (Serial Line V1.02 §2.2)`));
    }
    if (unit === BROADCAST_ADDRESS && !WRITES.has(functionCode)) {
      return Promise.reject(new ValidationError('PW_ERR_MODBUS_LIMIT', `Cannot ${describeFunction(
        functionCode)} on the broadcast address 0: only writes can be broadcast (Serial Line V1.02 §2.1)`));
    }
    const maxQueued = this.#options.maxQueued ?? DEFAULT_MAX_QUEUED;
    if (this.#queue.length >= maxQueued) return Promise.reject(queueFullError(unit, functionCode, maxQueued));
    const frame = encodeRtuFrame(unit, pdu);
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ unit, functionCode, frame, timeoutMs: options.timeoutMs, finish, resolve: resolve as (value: unknown) => void,
        reject });
      this.#pump();
    });
  }

  /** Bytes received from the link. */
  receive(chunk: Uint8Array): void {
    this.#lastActivity = Math.max(this.#lastActivity, this.#options.timers.now());
    this.#framer.push(chunk);
  }

  /** The link saw a silence of t3.5 (serial lines and the simulated bus). */
  silence(): void {
    this.#framer.silence();
  }

  /** The link dropped: the request on it and those waiting fail with PW_ERR_MODBUS_DISCONNECTED. */
  linkDown(reason: string, cause?: unknown): void {
    this.#up = false;
    this.#framer.reset();
    this.#failAll((pending) => disconnectedError(pending.unit, pending.functionCode, reason, cause));
  }

  linkUp(): void {
    this.#up = true;
    this.#framer.reset();
    this.#lastActivity = this.#options.timers.now();
    this.#pump();
  }

  close(): Promise<void> {
    this.#closed = true;
    this.#failAll((pending) => closedError(pending.unit, pending.functionCode));
    return Promise.resolve();
  }

  #pump(): void {
    if (this.#current !== undefined || this.#gapTimer !== undefined || this.#closed || !this.#up) return;
    const next = this.#queue[0];
    if (next === undefined) return;
    const { timers, link, interFrameDelayMs } = this.#options;
    const wait = this.#lastActivity + interFrameDelayMs - timers.now();
    if (wait > 0) {
      this.#gapTimer = timers.setTimeout(() => {
        this.#gapTimer = undefined;
        this.#pump();
      }, wait);
      return;
    }
    this.#queue.shift();
    this.#current = next;
    this.#framer.reset();
    this.#stats.requests++;
    try {
      link.write(next.frame);
    } catch (error) {
      this.linkDown('the link refused the write', error);
      return;
    }
    const sendMs = this.#options.transmitMs?.(next.frame.length) ?? 0;
    this.#lastActivity = timers.now() + sendMs;
    if (next.unit === BROADCAST_ADDRESS) {
      this.#responseTimer = timers.setTimeout(() => { this.#settle(next, undefined); }, sendMs + (this.#options.turnaroundDelayMs ??
        DEFAULT_TURNAROUND_MS));
    } else {
      this.#responseTimer = timers.setTimeout(() => {
        this.#stats.timeouts++;
        this.#settle(next, timeoutError(next.unit, next.functionCode, next.timeoutMs));
      }, sendMs + next.timeoutMs);
    }
  }

  #onFrame(frame: RtuFrame): void {
    const current = this.#current;
    if (current === undefined || current.unit === BROADCAST_ADDRESS) {
      this.#stats.unexpectedFrames++;
      return;
    }
    if (frame.address !== current.unit) {
      this.#settle(current, new DecodeError('PW_ERR_MODBUS_UNEXPECTED_RESPONSE',
        `Cannot ${describeFunction(current.functionCode)} on unit ${current.unit}: a response came from address ${frame.address}`));
      return;
    }
    this.#stats.responses++;
    this.#settle(current, frame.pdu);
  }

  #onFault(fault: RtuFault): void {
    const current = this.#current;
    if (current === undefined || current.unit === BROADCAST_ADDRESS) return;
    this.#stats.corrupted++;
    const what = fault === 'crc' ? 'the response failed its CRC check'
      : fault === 'truncated' ? 'the response was cut short by a silence'
        : 'the response did not start like a Modbus frame';
    this.#settle(current, new DecodeError('PW_ERR_CRC_MISMATCH', `Cannot ${describeFunction(current.functionCode)} on unit ${current
      .unit}: ${what}`));
  }

  #settle(pending: Pending, outcome: Uint8Array | undefined | Error): void {
    if (this.#current !== pending) return;
    this.#current = undefined;
    this.#responseTimer?.cancel();
    this.#responseTimer = undefined;
    this.#lastActivity = Math.max(this.#lastActivity, this.#options.timers.now());
    if (outcome instanceof Error) pending.reject(outcome);
    else settleWith(pending, outcome);
    this.#pump();
  }

  #failAll(errorFor: (pending: Pending) => Error): void {
    this.#gapTimer?.cancel();
    this.#gapTimer = undefined;
    const current = this.#current;
    if (current !== undefined) this.#settle(current, errorFor(current));
    for (const pending of this.#queue.splice(0)) pending.reject(errorFor(pending));
  }
}
