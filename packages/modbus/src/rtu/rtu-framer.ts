// The incremental RTU framer: bytes arrive in chunks of any size, frames come out. Frames are cut
// by length (derived from the function code: ./frame-length.ts) as soon as their last byte is in,
// and checked by CRC. What to do after garbage or a CRC error depends on the medium:
//
//  - 'silence' (a serial line, or the simulated bus): the spec's rule. A frame ends at a silence
//    of 3.5 characters (Serial Line V1.02 §2.5.1.1), so after a fault everything up to the next
//    silence is thrown away; the owner calls silence() when it sees one. Frames with a function
//    code whose length cannot be derived are taken whole at the silence if their CRC holds.
//  - 'scan' (RTU carried on a TCP stream, where gaps mean nothing): after a fault, slide one byte
//    at a time until a well-formed frame with a good CRC starts. Frames whose length cannot be
//    derived (user-defined function codes) cannot be delimited on a stream and count as garbage:
//    scanning for any prefix with a matching CRC would find a false frame every few kilobytes
//    of noise.
//
// Memory is bounded: the window never holds more than one maximal frame (256 bytes), in a
// 512-byte buffer that is compacted rather than grown. A silence mode stream that runs past 256
// bytes without a frame (a babbling device) is discarded up to the next silence.
import { MAX_RTU_FRAME_LENGTH } from '../limits.ts';
import { hasValidCrc } from './crc16.ts';
import { NEED_MORE, NOT_A_FRAME, UNKNOWN_LENGTH, rtuFrameLength, type FrameDirection } from './frame-length.ts';
import type { RtuFrame } from './rtu-frame.ts';

export type RtuResync = 'silence' | 'scan';
/**
 * crc: a complete frame failed its CRC. truncated: a silence cut a frame short. garbage: bytes that cannot start a frame. overrun: 256
 * bytes with no frame.
 */
export type RtuFault = 'crc' | 'truncated' | 'garbage' | 'overrun';

export interface RtuFramerOptions {
  /** 'request' on a server (slave), 'response' on a client (master). */
  readonly direction: FrameDirection;
  readonly resync: RtuResync;
  readonly onFrame: (frame: RtuFrame) => void;
  /** Called once per fault (not once per byte while hunting), so a waiting client can fail fast. */
  readonly onFault?: (fault: RtuFault) => void;
}

export interface RtuFramerStats {
  frames: number;
  crcErrors: number;
  truncatedFrames: number;
  discardedBytes: number;
}

const CAPACITY = MAX_RTU_FRAME_LENGTH * 2;
const MIN_FRAME = 4;

export class RtuFramer {
  readonly #options: RtuFramerOptions;
  readonly #buffer = new Uint8Array(CAPACITY);
  #start = 0;
  #end = 0;
  /** Silence mode: bytes are dropped until the next silence. */
  #discarding = false;
  /** Scan mode: a fault was reported and the framer slides towards the next good frame. */
  #hunting = false;
  /**
   * Hunting look-ahead state: positions before #examinedTo have been looked at once; those that
   * may still start a frame wait in #waitingAt with the window end they need (#readyAt). Each
   * position is examined a bounded number of times, so the look-ahead costs time linear in the
   * bytes received, whatever garbage arrives.
   */
  #examinedTo = 0;
  #waitingAt: number[] = [];
  #readyAt: number[] = [];
  /** The window end at the last fruitless look-ahead: until more bytes come, looking again finds nothing. */
  #huntedTo = -1;
  readonly #stats: RtuFramerStats = { frames: 0, crcErrors: 0, truncatedFrames: 0, discardedBytes: 0 };

  constructor(options: RtuFramerOptions) {
    this.#options = options;
  }

  get stats(): Readonly<RtuFramerStats> {
    return this.#stats;
  }

  /** Bytes waiting for the rest of their frame. */
  get pending(): number {
    return this.#end - this.#start;
  }

  push(chunk: Uint8Array): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.#discarding) {
        this.#stats.discardedBytes += chunk.length - offset;
        return;
      }
      if (this.#end === CAPACITY) this.#compact();
      const room = Math.min(CAPACITY - this.#end, MAX_RTU_FRAME_LENGTH - (this.#end - this.#start));
      const count = Math.min(room, chunk.length - offset);
      this.#buffer.set(chunk.subarray(offset, offset + count), this.#end);
      this.#end += count;
      offset += count;
      this.#extract();
      if (this.#end - this.#start >= MAX_RTU_FRAME_LENGTH) this.#fault('overrun');
    }
  }

  /** The line has been silent for at least t3.5: whatever is buffered is a whole frame or nothing. */
  silence(): void {
    const available = this.#end - this.#start;
    if (this.#hunting) {
      // The fault that started the hunt has been reported; what is left is its debris.
      this.#stats.discardedBytes += available;
    } else if (!this.#discarding && available > 0) {
      const length = rtuFrameLength(this.#buffer, this.#start, this.#end, this.#options.direction);
      if (length === UNKNOWN_LENGTH && available >= MIN_FRAME && hasValidCrc(this.#buffer, this.#start, this.#end)) {
        this.#emit(available);
      } else {
        this.#stats.discardedBytes += available;
        if (length === UNKNOWN_LENGTH) {
          this.#stats.crcErrors++;
          this.#options.onFault?.('crc');
        } else if (length === NOT_A_FRAME) {
          this.#options.onFault?.('garbage');
        } else {
          this.#stats.truncatedFrames++;
          this.#options.onFault?.('truncated');
        }
      }
    }
    this.reset();
  }

  /** Forgets any partial frame (a client calls this before it sends a new request). */
  reset(): void {
    this.#start = 0;
    this.#end = 0;
    this.#huntedTo = -1;
    this.#discarding = false;
    this.#hunting = false;
  }

  #extract(): void {
    const { direction, resync } = this.#options;
    while (!this.#discarding && this.#end - this.#start >= 2) {
      const length = rtuFrameLength(this.#buffer, this.#start, this.#end, direction);
      if (length === NOT_A_FRAME) {
        this.#fault('garbage');
        continue;
      }
      if (length === UNKNOWN_LENGTH) {
        if (resync === 'silence') return;
        this.#fault('garbage');
        continue;
      }
      if (length === NEED_MORE || this.#end - this.#start < length) {
        if (!this.#huntAhead()) return;
        continue;
      }
      if (hasValidCrc(this.#buffer, this.#start, this.#start + length)) {
        this.#emit(length);
      } else {
        this.#fault('crc');
      }
    }
  }

  #emit(length: number): void {
    const start = this.#start;
    const frame: RtuFrame = { address: this.#buffer[start] ?? 0, pdu: this.#buffer.slice(start + 1, start + length - 2) };
    this.#start += length;
    this.#hunting = false;
    this.#stats.frames++;
    this.#options.onFrame(frame);
  }

  #fault(fault: RtuFault): void {
    if (this.#options.resync === 'silence') {
      if (fault === 'crc') this.#stats.crcErrors++;
      this.#stats.discardedBytes += this.#end - this.#start;
      this.#start = 0;
      this.#end = 0;
      this.#discarding = true;
      this.#options.onFault?.(fault);
      return;
    }
    if (!this.#hunting) {
      if (fault === 'crc') this.#stats.crcErrors++;
      this.#hunting = true;
      this.#examinedTo = 0;
      this.#waitingAt = [];
      this.#readyAt = [];
      this.#huntedTo = -1;
      this.#options.onFault?.(fault);
    }
    this.#start += 1;
    this.#stats.discardedBytes += 1;
  }

  /**
   * While hunting in scan mode, a false header may announce a frame longer than what has come so
   * far; rather than wait for bytes that belong to later frames, look for a complete frame with a
   * good CRC further on in the window and jump to it. True when one was found.
   */
  #huntAhead(): boolean {
    if (!this.#hunting || this.#huntedTo === this.#end) return false;
    this.#huntedTo = this.#end;
    const end = this.#end;
    // Positions examined before: the earliest that is now complete with a good CRC wins.
    let found = -1;
    const waitingAt = this.#waitingAt;
    const readyAt = this.#readyAt;
    for (let index = 0; index < waitingAt.length;) {
      const position = waitingAt[index] ?? 0;
      const ready = readyAt[index] ?? 0;
      if (position <= this.#start || ready <= end) {
        const verdict = position <= this.#start ? 0 : this.#examine(position, end);
        if (verdict > 0) {
          readyAt[index] = verdict;
          index++;
          continue;
        }
        if (verdict < 0 && (found < 0 || position < found)) found = position;
        waitingAt[index] = waitingAt[waitingAt.length - 1] ?? 0;
        readyAt[index] = readyAt[readyAt.length - 1] ?? 0;
        waitingAt.pop();
        readyAt.pop();
        continue;
      }
      index++;
    }
    // Positions not looked at yet, in order: the first hit is the earliest of them.
    if (found < 0) {
      let position = Math.max(this.#examinedTo, this.#start + 1);
      for (; position + MIN_FRAME <= end; position++) {
        const verdict = this.#examine(position, end);
        if (verdict < 0) {
          found = position;
          position++;
          break;
        }
        if (verdict > 0) {
          waitingAt.push(position);
          readyAt.push(verdict);
        }
      }
      this.#examinedTo = position;
    }
    if (found < 0) return false;
    this.#stats.discardedBytes += found - this.#start;
    this.#start = found;
    return true;
  }

  /** -1: a complete frame with a good CRC starts here; 0: none ever will; else the window end needed to tell. */
  #examine(position: number, end: number): number {
    const length = rtuFrameLength(this.#buffer, position, end, this.#options.direction);
    if (length === NEED_MORE) return end + 1;
    // Not a frame, or of a length only a silence or a scan from the start could tell.
    if (length < MIN_FRAME) return 0;
    if (position + length > end) return position + length;
    return hasValidCrc(this.#buffer, position, position + length) ? -1 : 0;
  }

  #compact(): void {
    this.#buffer.copyWithin(0, this.#start, this.#end);
    const shift = this.#start;
    this.#examinedTo = Math.max(0, this.#examinedTo - shift);
    this.#waitingAt = this.#waitingAt.map((position) => position - shift);
    this.#readyAt = this.#readyAt.map((ready) => ready - shift);
    this.#huntedTo = -1;
    this.#end -= this.#start;
    this.#start = 0;
  }
}
