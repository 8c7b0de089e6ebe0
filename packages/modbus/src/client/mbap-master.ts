// The client side of Modbus/TCP as pure logic over a byte link and a Timers port. Requests carry
// a transaction id (TCP guide §3.1.3) so several may be in flight on one connection (pipelining,
// up to maxInFlight) and responses are matched by id, whatever order they come back in. A late
// response to a request that timed out finds no id and is dropped, never handed to another request.
import { DecodeError, ValidationError } from '@phasewire/core';
import { closedError, disconnectedError, queueFullError, timeoutError } from '../errors.ts';
import { describeFunction } from '../function-code.ts';
import { encodeMbapFrame } from '../tcp/mbap.ts';
import { MbapFramer } from '../tcp/mbap-framer.ts';
import type { TimerHandle, Timers } from '../timers.ts';
import { settleWith, type ModbusChannel, type Settleable, type TransactOptions } from './modbus-client.ts';

export interface MbapLink {
  write(bytes: Uint8Array): void;
  /** The stream broke framing (a bad MBAP header): drop the connection; the owner reconnects. */
  abort(error: Error): void;
}

export interface MbapMasterOptions {
  readonly link: MbapLink;
  readonly timers: Timers;
  /**
   * Requests on the wire at once. 1 by default: many devices and TCP-to-RTU gateways serve one
   * transaction at a time and drop or mix the others; raise it for servers that pipeline.
   */
  readonly maxInFlight?: number;
  /** Requests allowed to wait for a free slot; more are refused (PW_ERR_MODBUS_QUEUE_FULL). */
  readonly maxQueued?: number;
}

export interface MbapMasterStats {
  requests: number;
  responses: number;
  timeouts: number;
  /** Responses whose transaction id matched nothing in flight (late answers after a timeout). */
  unmatched: number;
}

interface Pending extends Settleable {
  readonly unit: number;
  readonly functionCode: number;
  readonly pdu: Uint8Array;
  readonly timeoutMs: number;
  transactionId: number;
  /** When the request times out, on the Timers clock. */
  readonly deadline: number;
}

const DEFAULT_MAX_QUEUED = 1024;

export class MbapMaster implements ModbusChannel {
  readonly #options: MbapMasterOptions;
  readonly #framer: MbapFramer;
  /**
   * Requests on the wire, each in the slot its transaction id masks to (a power of two, at least
   * twice maxInFlight, so a free slot always exists). A fixed array, not a Map: a Map holding one
   * request at a time rehashes on every delete, a runtime call and a new table per read (T11).
   */
  readonly #slots: (Pending | undefined)[];
  readonly #mask: number;
  #inFlight = 0;
  readonly #queue: Pending[] = [];
  #nextId = 1;
  #sweep: TimerHandle | undefined;
  #sweepAt = Number.POSITIVE_INFINITY;
  #up = false;
  #closed = false;
  readonly #stats: MbapMasterStats = { requests: 0, responses: 0, timeouts: 0, unmatched: 0 };

  constructor(options: MbapMasterOptions) {
    this.#options = options;
    let size = 2;
    while (size < (options.maxInFlight ?? 1) * 2) size *= 2;
    this.#slots = new Array<Pending | undefined>(size).fill(undefined);
    this.#mask = size - 1;
    this.#framer = new MbapFramer((transactionId, unitId, pdu) => { this.#onFrame(transactionId, unitId, pdu); });
  }

  get stats(): Readonly<MbapMasterStats> {
    return this.#stats;
  }

  get connected(): boolean {
    return this.#up;
  }

  transact<T>(unit: number, pdu: Uint8Array, options: TransactOptions, finish: (answer: Uint8Array | undefined) => T): Promise<T> {
    const functionCode = pdu[0] ?? 0;
    if (this.#closed) return Promise.reject(closedError(unit, functionCode));
    if (!this.#up) return Promise.reject(disconnectedError(unit, functionCode, 'the TCP connection is down (the client is reconnecting)'));
    if (!Number.isInteger(unit) || unit < 0 || unit > 0xff) {
      return Promise.reject(new ValidationError('PW_ERR_MODBUS_LIMIT', `Cannot ${describeFunction(
        functionCode)} on unit ${unit}: a unit id is 0 to 255 (TCP guide §3.1.3)`));
    }
    const maxQueued = this.#options.maxQueued ?? DEFAULT_MAX_QUEUED;
    if (this.#queue.length >= maxQueued) return Promise.reject(queueFullError(unit, functionCode, maxQueued));
    return new Promise<T>((resolve, reject) => {
      // The timeout runs from the call: TCP has no turn-taking, so a wait for a slot is the request's own time.
      const deadline = this.#options.timers.now() + options.timeoutMs;
      const pending: Pending = { unit, functionCode, pdu, timeoutMs: options.timeoutMs, transactionId: -1, deadline, finish, resolve:
        resolve as (value: unknown) => void, reject };
      this.#armSweep(deadline);
      // A free slot and no one waiting (always so for one request at a time): on the wire at once.
      if (this.#queue.length === 0 && this.#inFlight < (this.#options.maxInFlight ?? 1)) this.#send(pending);
      else {
        this.#queue.push(pending);
        this.#pump();
      }
    });
  }

  receive(chunk: Uint8Array): void {
    try {
      this.#framer.push(chunk);
    } catch (error) {
      this.#options.link.abort(error as DecodeError);
    }
  }

  linkUp(): void {
    this.#up = true;
    this.#framer.reset();
    this.#pump();
  }

  /** The connection dropped: requests in flight or waiting fail with PW_ERR_MODBUS_DISCONNECTED. */
  linkDown(reason: string, cause?: unknown): void {
    this.#up = false;
    this.#framer.reset();
    this.#failAll((pending) => disconnectedError(pending.unit, pending.functionCode, reason, cause));
  }

  close(): Promise<void> {
    this.#closed = true;
    this.#failAll((pending) => closedError(pending.unit, pending.functionCode));
    return Promise.resolve();
  }

  #pump(): void {
    const maxInFlight = this.#options.maxInFlight ?? 1;
    while (this.#up && this.#inFlight < maxInFlight) {
      const next = this.#queue.shift();
      if (next === undefined || !this.#send(next)) return;
    }
  }

  /** Puts one request on the wire; false if the link refused it (everything has failed then). */
  #send(pending: Pending): boolean {
    const id = this.#allocateId();
    pending.transactionId = id;
    this.#slots[id & this.#mask] = pending;
    this.#inFlight++;
    this.#stats.requests++;
    try {
      this.#options.link.write(encodeMbapFrame({ transactionId: pending.transactionId, unitId: pending.unit, pdu: pending.pdu }));
      return true;
    } catch (error) {
      this.linkDown('the connection refused the write', error);
      return false;
    }
  }

  /** The next 16-bit id whose slot is free; 0 is skipped so that a zeroed header never matches. */
  #allocateId(): number {
    for (;;) {
      const id = this.#nextId;
      this.#nextId = id === 0xffff ? 1 : id + 1;
      if (this.#slots[id & this.#mask] === undefined) return id;
    }
  }

  #release(pending: Pending): void {
    this.#slots[pending.transactionId & this.#mask] = undefined;
    this.#inFlight--;
  }

  /** A whole answer; `pdu` is lent by the framer, so it is decoded here and not kept. */
  #onFrame(transactionId: number, unitId: number, pdu: Uint8Array): void {
    const pending = this.#slots[transactionId & this.#mask];
    if (pending?.transactionId !== transactionId) {
      this.#stats.unmatched++;
      return;
    }
    this.#release(pending);
    if (unitId !== pending.unit) {
      pending.reject(new DecodeError('PW_ERR_MODBUS_UNEXPECTED_RESPONSE',
        `Cannot ${describeFunction(pending.functionCode)} on unit ${pending
          .unit}: transaction ${transactionId} was answered by unit ${unitId}`));
    } else {
      this.#stats.responses++;
      settleWith(pending, pdu);
    }
    if (this.#queue.length > 0) this.#pump();
  }

  /**
   * One timer for all requests, armed for the earliest deadline, instead of a timer per request:
   * at thousands of requests a second, setting and clearing a timer each costs more than the
   * codec. Settled requests leave the maps; the sweep finds only what is still waiting.
   */
  #armSweep(deadline: number): void {
    if (this.#sweepAt <= deadline) return;
    this.#sweep?.cancel();
    this.#sweepAt = deadline;
    this.#sweep = this.#options.timers.setTimeout(() => { this.#expire(); }, deadline - this.#options.timers.now());
  }

  #expire(): void {
    this.#sweep = undefined;
    this.#sweepAt = Number.POSITIVE_INFINITY;
    const now = this.#options.timers.now();
    const expired: Pending[] = [];
    let next = Number.POSITIVE_INFINITY;
    for (const pending of this.#slots) {
      if (pending === undefined) continue;
      if (pending.deadline <= now) {
        this.#release(pending);
        expired.push(pending);
      } else {
        next = Math.min(next, pending.deadline);
      }
    }
    for (let index = this.#queue.length - 1; index >= 0; index--) {
      const pending = this.#queue[index];
      if (pending === undefined) continue;
      if (pending.deadline <= now) {
        this.#queue.splice(index, 1);
        expired.push(pending);
      } else {
        next = Math.min(next, pending.deadline);
      }
    }
    if (next < Number.POSITIVE_INFINITY) this.#armSweep(next);
    for (const pending of expired) {
      this.#stats.timeouts++;
      pending.reject(timeoutError(pending.unit, pending.functionCode, pending.timeoutMs));
    }
    if (expired.length > 0) this.#pump();
  }

  #failAll(errorFor: (pending: Pending) => Error): void {
    const all = [...this.#slots.filter((pending) => pending !== undefined), ...this.#queue.splice(0)];
    this.#slots.fill(undefined);
    this.#inFlight = 0;
    this.#sweep?.cancel();
    this.#sweep = undefined;
    this.#sweepAt = Number.POSITIVE_INFINITY;
    for (const pending of all) pending.reject(errorFor(pending));
  }
}
