// The incremental Modbus/TCP framer: chunks of a TCP stream in, MBAP messages out. The length
// field makes this simple; what matters is that a bad header poisons the stream (there is no
// resynchronisation on TCP, TCP guide §3.1.3) and that memory stays bounded: the window never
// holds more than one maximal message (260 bytes).
//
// A message's PDU is lent, not given: it is a view on the pushed chunk or on the framer's window,
// valid until the callback returns, so a reader that decodes at once (the client, the server)
// copies nothing it does not keep. Whoever keeps the bytes copies them (`pdu.slice()`).
import type { DecodeError } from '@phasewire/core';
import { MAX_TCP_ADU_LENGTH, MBAP_HEADER_LENGTH } from '../limits.ts';
import { mbapMessageLength } from './mbap.ts';

const CAPACITY = MAX_TCP_ADU_LENGTH * 2;

/** One whole message; `pdu` is only valid during the call. */
export type OnMbapMessage = (transactionId: number, unitId: number, pdu: Uint8Array) => void;

export class MbapFramer {
  readonly #onFrame: OnMbapMessage;
  readonly #buffer = new Uint8Array(CAPACITY);
  #start = 0;
  #end = 0;
  #failure: DecodeError | undefined;
  #frames = 0;

  constructor(onFrame: OnMbapMessage) {
    this.#onFrame = onFrame;
  }

  get frames(): number {
    return this.#frames;
  }

  /** Throws DecodeError (PW_ERR_MBAP_HEADER) on a bad header, and again on every later push until reset(). */
  push(chunk: Uint8Array): void {
    if (this.#failure !== undefined) throw this.#failure;
    let offset = 0;
    // Nothing held: whole messages at the start of the chunk are cut from it directly (the usual
    // case of one answer per read), without passing through the window; the rest goes the long way.
    if (this.#start === this.#end) offset = this.#extractDirect(chunk);
    while (offset < chunk.length) {
      if (this.#end === CAPACITY) this.#compact();
      const count = Math.min(CAPACITY - this.#end, chunk.length - offset);
      this.#buffer.set(chunk.subarray(offset, offset + count), this.#end);
      this.#end += count;
      offset += count;
      this.#extract();
    }
  }

  /** Delivers the whole messages at the start of `chunk`; returns where the first incomplete one begins. */
  #extractDirect(chunk: Uint8Array): number {
    let at = 0;
    while (chunk.length - at >= MBAP_HEADER_LENGTH) {
      let total: number;
      try {
        total = mbapMessageLength(chunk, at);
      } catch (error) {
        this.#failure = error as DecodeError;
        throw error;
      }
      if (chunk.length - at < total) break;
      this.#frames++;
      const start = at;
      at += total;
      this.#onFrame(((chunk[start] ?? 0) << 8) | (chunk[start + 1] ?? 0), chunk[start + 6] ?? 0, chunk.subarray(start + MBAP_HEADER_LENGTH,
        at));
    }
    return at;
  }

  reset(): void {
    this.#start = 0;
    this.#end = 0;
    this.#failure = undefined;
  }

  #extract(): void {
    const buffer = this.#buffer;
    while (this.#end - this.#start >= MBAP_HEADER_LENGTH) {
      let total: number;
      try {
        total = mbapMessageLength(buffer, this.#start);
      } catch (error) {
        this.#failure = error as DecodeError;
        this.#start = 0;
        this.#end = 0;
        throw error;
      }
      if (this.#end - this.#start < total) return;
      const start = this.#start;
      this.#start += total;
      this.#frames++;
      this.#onFrame(((buffer[start] ?? 0) << 8) | (buffer[start + 1] ?? 0), buffer[start + 6] ?? 0, buffer.subarray(start +
        MBAP_HEADER_LENGTH, start + total));
    }
    if (this.#start === this.#end) {
      this.#start = 0;
      this.#end = 0;
    }
  }

  #compact(): void {
    this.#buffer.copyWithin(0, this.#start, this.#end);
    this.#end -= this.#start;
    this.#start = 0;
  }
}
