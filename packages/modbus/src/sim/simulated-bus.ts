// A simulated RS-485 line with real timing, in simulated time (an EventScheduler). Each byte takes
// one character time (start, data, parity and stop bits at the baud rate: ../rtu/rtu-timing.ts);
// the line is half-duplex, so two talkers at once collide and the overlapping characters arrive as
// garbage; a silence of t3.5 after the last character tells every receiver that a frame ended.
// Interference is configurable: a bit error rate (a data bit hit is flipped, a start, parity or
// stop bit hit makes the UART drop the character) and dropout windows in which the line carries
// nothing. Receivers get each burst of characters at the moment its last character ends, which is
// when a UART would have handed over the last byte, and which keeps the event count per frame at two.
// A node may carry its own bit error rate on top of the line's (a meter with a bad transceiver or
// an unshielded drop cable): it applies to the characters that node sends, and to no one else's.
import { ValidationError, type Random } from '@phasewire/core';
import { rtuTiming, type RtuTiming, type SerialFraming } from '../rtu/rtu-timing.ts';
import type { RtuLink } from '../client/rtu-master.ts';
import type { TimerHandle } from '../timers.ts';
import type { EventScheduler } from './event-scheduler.ts';

/** Timers computed along different paths may differ by rounding; closer than this is the same instant. */
const TIME_EPSILON_MS = 1e-9;

/** What the bus delivers to an attached node (an RtuMaster or RtuSlave fits). */
export interface BusNode {
  receive(chunk: Uint8Array): void;
  silence(): void;
}

export interface BusPort extends RtuLink {
  detach(): void;
}

export interface DropoutWindow {
  readonly fromMs: number;
  readonly toMs: number;
}

export interface Interference {
  /** Probability that any one bit on the line is received wrong (0 by default). */
  readonly bitErrorRate?: number;
  /** Periods in which the line carries nothing (a cable pulled, a welder next to it). */
  readonly dropouts?: readonly DropoutWindow[];
}

export interface SimulatedBusOptions {
  readonly scheduler: EventScheduler;
  readonly framing: SerialFraming;
  /** Draws bit errors and collision garbage; seed it for reproducible runs. */
  readonly random: Random;
  readonly interference?: Interference;
}

export interface BusStats {
  /** Writes by any node. */
  transmissions: number;
  /** Bursts in which two or more talkers overlapped. */
  collisions: number;
  /** Data bits flipped by interference. */
  flippedBits: number;
  /** Characters lost to dropouts or to errors in start, parity or stop bits. */
  lostCharacters: number;
  /** Simulated time the line carried characters, in ms. */
  busyMs: number;
}

interface Transmission {
  readonly sender: Attached;
  readonly bytes: Uint8Array;
  readonly start: number;
  readonly end: number;
}

interface Burst {
  start: number;
  end: number;
  readonly transmissions: Transmission[];
}

interface Attached {
  readonly node: BusNode;
  attached: boolean;
  /** The node's own bit errors on what it sends: the rate and the error-free bits left before the next. */
  readonly own: ErrorGap;
}

interface ErrorGap {
  rate: number;
  bitsToNext: number;
}

/** Per-node settings at attach time. */
export interface AttachOptions {
  /** Probability that any one bit this node sends is received wrong, on top of the line's rate (0). */
  readonly bitErrorRate?: number;
}

export class SimulatedBus {
  readonly timing: RtuTiming;
  readonly #dataBits: number;
  readonly #scheduler: EventScheduler;
  readonly #random: Random;
  readonly #nodes: Attached[] = [];
  #interference: Required<Interference>;
  #burst: Burst | undefined;
  /** The line's bit errors: bits still to pass before the next one (geometric draw), or Infinity with no errors. */
  readonly #line: ErrorGap = { rate: 0, bitsToNext: Number.POSITIVE_INFINITY };
  /** The silence that ends the last burst, due t3.5 after it unless someone talks first. */
  #silence: { readonly at: number; readonly timer: TimerHandle } | undefined;
  readonly #stats: BusStats = { transmissions: 0, collisions: 0, flippedBits: 0, lostCharacters: 0, busyMs: 0 };

  constructor(options: SimulatedBusOptions) {
    this.timing = rtuTiming(options.framing);
    this.#dataBits = options.framing.dataBits;
    this.#scheduler = options.scheduler;
    this.#random = options.random;
    this.#interference = { bitErrorRate: 0, dropouts: [] };
    this.setInterference(options.interference ?? {});
  }

  get scheduler(): EventScheduler {
    return this.#scheduler;
  }

  get stats(): Readonly<BusStats> {
    return this.#stats;
  }

  setInterference(interference: Interference): void {
    const rate = checkedRate(interference.bitErrorRate ?? 0);
    this.#interference = { bitErrorRate: rate, dropouts: [...(interference.dropouts ?? [])] };
    this.#line.rate = rate;
    this.#line.bitsToNext = this.#drawGap(rate);
  }

  /** Connects a node; the port it gets writes onto the line. */
  attach(node: BusNode, options: AttachOptions = {}): BusPort {
    const rate = checkedRate(options.bitErrorRate ?? 0);
    const attached: Attached = { node, attached: true, own: { rate, bitsToNext: this.#drawGap(rate) } };
    this.#nodes.push(attached);
    return {
      write: (bytes) => { if (attached.attached) this.#transmit(attached, bytes); },
      detach: () => {
        attached.attached = false;
        const index = this.#nodes.indexOf(attached);
        if (index >= 0) this.#nodes.splice(index, 1);
      },
    };
  }

  /** Time on the line of `length` characters, in ms. */
  transmitMs(length: number): number {
    return length * this.timing.characterMs;
  }

  #transmit(sender: Attached, bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    const now = this.#scheduler.now();
    // A talker that starts exactly t3.5 after the last frame (as a master or slave keeping the
    // minimum gap does) follows a silence every receiver has seen, whichever timer fired first.
    if (this.#silence !== undefined && now >= this.#silence.at - TIME_EPSILON_MS) this.#signalSilence();
    const transmission: Transmission = { sender, bytes: bytes.slice(), start: now, end: now + this.transmitMs(bytes.length) };
    this.#stats.transmissions++;
    const burst = this.#burst;
    if (burst !== undefined && burst.end > now) {
      // Half-duplex: someone is already talking. Both signals are on the line at once.
      if (burst.transmissions.length === 1) this.#stats.collisions++;
      burst.transmissions.push(transmission);
      burst.end = Math.max(burst.end, transmission.end);
      return;
    }
    // The line is busy again before t3.5 passed: no silence, the receivers see one long frame.
    this.#silence?.timer.cancel();
    this.#silence = undefined;
    const fresh: Burst = { start: now, end: transmission.end, transmissions: [transmission] };
    this.#burst = fresh;
    this.#scheduleEnd(fresh);
  }

  #scheduleEnd(burst: Burst): void {
    this.#scheduler.setTimeout(() => {
      // A collision may have stretched the burst after this event was scheduled.
      if (burst.end > this.#scheduler.now()) {
        this.#scheduleEnd(burst);
        return;
      }
      this.#finish(burst);
    }, burst.end - this.#scheduler.now());
  }

  #finish(burst: Burst): void {
    this.#burst = undefined;
    this.#stats.busyMs += burst.end - burst.start;
    // The silence is due before anyone hears the burst: a node that answers from inside receive()
    // starts a new burst, which must cancel it.
    const at = burst.end + this.timing.t35Ms;
    this.#silence = { at, timer: this.#scheduler.setTimeout(() => { this.#signalSilence(); }, this.timing.t35Ms) };
    const received = this.#receivedCharacters(burst);
    const talkers = new Set(burst.transmissions.map((transmission) => transmission.sender));
    if (received.length > 0) {
      for (const attached of [...this.#nodes]) {
        if (attached.attached && !talkers.has(attached)) attached.node.receive(received);
      }
    }
  }

  #signalSilence(): void {
    this.#silence?.timer.cancel();
    this.#silence = undefined;
    for (const attached of [...this.#nodes]) if (attached.attached) attached.node.silence();
  }

  /** The characters a listener decodes from a burst: the talker's bytes, or garbage where talkers overlap, after interference. */
  #receivedCharacters(burst: Burst): Uint8Array {
    const { characterMs } = this.timing;
    const only = burst.transmissions.length === 1 ? burst.transmissions[0] : undefined;
    const count = only !== undefined ? only.bytes.length : Math.round((burst.end - burst.start) / characterMs);
    const out = new Uint8Array(count);
    let length = 0;
    for (let index = 0; index < count; index++) {
      const middle = burst.start + (index + 0.5) * characterMs;
      let value: number;
      if (only !== undefined) {
        value = only.bytes[index] ?? 0;
      } else {
        const talking = burst.transmissions.filter((t) => t.start <= middle && middle < t.end);
        const single = talking.length === 1 ? talking[0] : undefined;
        value = single !== undefined
          ? single.bytes[Math.floor((middle - single.start) / characterMs)] ?? 0
          : Math.floor(this.#random.next() * 256);
      }
      const corrupted = this.#interfere(value, middle, only?.sender.own);
      if (corrupted >= 0) out[length++] = corrupted;
    }
    return length === count ? out : out.subarray(0, length);
  }

  /** The byte after interference (the line's, then the sender's own), or -1 when the character is lost. */
  #interfere(value: number, at: number, own: ErrorGap | undefined): number {
    for (const window of this.#interference.dropouts) {
      if (at >= window.fromMs && at < window.toMs) {
        this.#stats.lostCharacters++;
        return -1;
      }
    }
    let result = this.#walkErrors(value, this.#line);
    if (own !== undefined && own.rate > 0 && result >= 0) result = this.#walkErrors(result, own);
    if (result < 0) this.#stats.lostCharacters++;
    return result;
  }

  /** Applies the bit errors of one source that fall inside this character; -1 when a framing bit is hit. */
  #walkErrors(value: number, gap: ErrorGap): number {
    const bits = this.timing.bitsPerCharacter;
    let result = value;
    let lost = false;
    let position = 0;
    // Bit 0 is the start bit, then the data bits least significant first (as a UART sends them),
    // then parity and stop bits.
    while (gap.bitsToNext < bits - position) {
      position += gap.bitsToNext;
      const dataBit = position - 1;
      if (position >= 1 && dataBit < this.#dataBits) {
        result ^= 1 << dataBit;
        this.#stats.flippedBits++;
      } else {
        lost = true;
      }
      position += 1;
      gap.bitsToNext = this.#drawGap(gap.rate);
    }
    gap.bitsToNext -= bits - position;
    return lost ? -1 : result;
  }

  /** Error-free bits before the next error: geometric with the bit error rate. */
  #drawGap(rate: number): number {
    if (rate <= 0) return Number.POSITIVE_INFINITY;
    return Math.floor(Math.log(1 - this.#random.next()) / Math.log(1 - rate));
  }
}

function checkedRate(rate: number): number {
  if (!Number.isFinite(rate) || rate < 0 || rate >= 1) {
    throw new ValidationError('PW_ERR_INVALID_ARGUMENT', `Cannot set a bit error rate of ${rate}: expected 0 or more and below 1`);
  }
  return rate;
}
