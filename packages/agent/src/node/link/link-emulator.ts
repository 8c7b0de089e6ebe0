// A link emulator: a TCP relay between a meter agent and the head-end that behaves like the radio
// link of a link profile (latency and jitter, bandwidth in each direction, segment loss repaired by
// retransmission, outages) and counts the bytes that cross it. Tests and the demo put it in the path;
// nothing else changes, so the agent and the head-end run exactly as they would over a real link.
//
// Loss on a TCP connection is not a missing byte but a late one: a lost segment arrives after a
// retransmission timeout (RFC 6298 §2: at least 1 s), and everything behind it waits. The emulator
// cuts each chunk into segments of one maximum segment size, draws each segment's loss, and delays
// the chunk by one timeout per lost segment. Bytes on the wire are counted as payload (TLS records
// and all) plus 40 bytes of IPv4 and TCP headers per segment (RFC 791, RFC 9293, no options).
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { Random } from '@phasewire/core';
import type { LinkConditions } from '../../link-profile.ts';

export interface LinkStats {
  connections: number;
  /** Payload bytes from agent to head-end and back. */
  bytesUp: number;
  bytesDown: number;
  segmentsUp: number;
  segmentsDown: number;
  /** Segments that were lost and sent again. */
  retransmissions: number;
  /** Connections dropped by an outage. */
  dropped: number;
}

/** Maximum segment size over a 1500-byte MTU: 1500 − 20 (IPv4) − 20 (TCP). */
export const maxSegmentSize = 1460;
/** IPv4 and TCP headers without options, per segment. */
export const headerBytesPerSegment = 40;

export interface LinkEmulatorOptions {
  readonly target: { readonly host: string; readonly port: number };
  readonly conditions: LinkConditions;
  readonly random: Random;
  /** Loopback address to listen on (default 127.0.0.1, any free port). */
  readonly listen?: { readonly host?: string; readonly port?: number };
}

interface Direction {
  /** When the last chunk finished serialising onto the link, ms (performance clock). */
  busyUntil: number;
  /** When the last chunk is delivered, ms: a chunk is never due before the one ahead of it. */
  lastDelivery: number;
  /**
   * What is on the link, in order: chunks to write, then the end or close that came after them. One
   * timer for the head of the line: a timer per chunk ran chunks due at the same time in any order
   * (a timer's start is the event loop's cached time, its delay was measured on the precise clock),
   * and a reordered chunk broke the TLS stream ("bad record mac") and dropped the connection.
   */
  readonly line: { readonly at: number; readonly deliver: () => void }[];
  timer: NodeJS.Timeout | undefined;
}

export class LinkEmulator {
  readonly #server: Server;
  readonly #target: LinkEmulatorOptions['target'];
  readonly #random: Random;
  readonly #sockets = new Set<Socket>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #conditions: LinkConditions;
  #down = false;
  readonly stats: LinkStats = { connections: 0, bytesUp: 0, bytesDown: 0, segmentsUp: 0, segmentsDown: 0, retransmissions: 0, dropped: 0 };

  private constructor(server: Server, options: LinkEmulatorOptions) {
    this.#server = server;
    this.#target = options.target;
    this.#random = options.random;
    this.#conditions = options.conditions;
    server.on('connection', (socket) => { this.#accept(socket); });
  }

  static async start(options: LinkEmulatorOptions): Promise<LinkEmulator> {
    const server = createServer({ noDelay: true });
    const emulator = new LinkEmulator(server, options);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.listen?.port ?? 0, options.listen?.host ?? '127.0.0.1', () => { resolve(); });
    });
    return emulator;
  }

  /** The port agents connect to. */
  get port(): number {
    const address = this.#server.address();
    return typeof address === 'object' && address !== null ? address.port : 0;
  }

  /** Bytes on the wire in both directions, headers included. */
  get wireBytes(): number {
    return this.stats.bytesUp + this.stats.bytesDown + headerBytesPerSegment * (this.stats.segmentsUp + this.stats.segmentsDown);
  }

  setConditions(conditions: LinkConditions): void {
    this.#conditions = conditions;
  }

  /** An outage: every connection is dropped and new ones are refused until `restore()`. */
  cut(): void {
    this.#down = true;
    for (const socket of this.#sockets) {
      this.stats.dropped++;
      socket.destroy();
    }
    this.#sockets.clear();
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  restore(): void {
    this.#down = false;
  }

  get isDown(): boolean {
    return this.#down;
  }

  resetStats(): void {
    Object.assign(this.stats, { connections: 0, bytesUp: 0, bytesDown: 0, segmentsUp: 0, segmentsDown: 0, retransmissions: 0, dropped: 0 });
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => { this.#server.close(() => { resolve(); }); });
  }

  #accept(agent: Socket): void {
    if (this.#down) {
      agent.resetAndDestroy();
      return;
    }
    this.stats.connections++;
    const headEnd = connect({ host: this.#target.host, port: this.#target.port, noDelay: true });
    agent.setNoDelay(true);
    this.#sockets.add(agent);
    this.#sockets.add(headEnd);
    const close = (): void => {
      agent.destroy();
      headEnd.destroy();
      this.#sockets.delete(agent);
      this.#sockets.delete(headEnd);
    };
    const up = this.#relay(agent, headEnd, 'up');
    const down = this.#relay(headEnd, agent, 'down');
    // The last bytes a side wrote before it closed (an MQTT DISCONNECT) are still on the link: the
    // other side is closed once they are delivered, as over a real link, not at once (which lost
    // the DISCONNECT, so the broker published the will at the end of every cellular window).
    const closeAfter = (direction: Direction) => (): void => { this.#enqueue(direction, direction.lastDelivery, close); };
    agent.on('error', close).on('close', closeAfter(up));
    headEnd.on('error', close).on('close', closeAfter(down));
  }

  #relay(from: Socket, to: Socket, way: 'up' | 'down'): Direction {
    const direction: Direction = { busyUntil: 0, lastDelivery: 0, line: [], timer: undefined };
    from.on('data', (chunk: Buffer) => {
      const c = this.#conditions;
      const now = performance.now();
      const segments = Math.max(1, Math.ceil(chunk.length / maxSegmentSize));
      const rate = way === 'up' ? c.upBitsPerSecond : c.downBitsPerSecond;
      const wire = chunk.length + headerBytesPerSegment * segments;
      const serialisation = rate === undefined ? 0 : (wire * 8 * 1000) / rate;
      direction.busyUntil = Math.max(now, direction.busyUntil) + serialisation;
      let lost = 0;
      for (let s = 0; s < segments; s++) if (this.#random.next() < (c.segmentLoss ?? 0)) lost++;
      const delay = c.latencyMs + (c.jitterMs ?? 0) * this.#random.next() + lost * (c.retransmitMs ?? 1000);
      const deliverAt = Math.max(direction.lastDelivery, direction.busyUntil + delay);
      direction.lastDelivery = deliverAt;
      if (way === 'up') { this.stats.bytesUp += chunk.length; this.stats.segmentsUp += segments; }
      else { this.stats.bytesDown += chunk.length; this.stats.segmentsDown += segments; }
      this.stats.retransmissions += lost;
      this.#enqueue(direction, deliverAt, () => { if (!to.destroyed) to.write(chunk); });
    });
    from.on('end', () => { this.#enqueue(direction, direction.lastDelivery, () => { to.end(); }); });
    return direction;
  }

  /** Puts `deliver` on the line at `at` (never before what is ahead of it) and runs the line. */
  #enqueue(direction: Direction, at: number, deliver: () => void): void {
    direction.line.push({ at, deliver });
    if (direction.timer === undefined) this.#runLine(direction);
  }

  #runLine(direction: Direction): void {
    direction.timer = undefined;
    const now = performance.now();
    // A timer may fire up to a millisecond before its time on the precise clock.
    while (direction.line.length > 0 && (direction.line[0]?.at ?? 0) <= now + 1) direction.line.shift()?.deliver();
    const next = direction.line[0];
    if (next === undefined) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.#runLine(direction);
    }, Math.max(0, next.at - now));
    direction.timer = timer;
    this.#timers.add(timer);
  }
}
