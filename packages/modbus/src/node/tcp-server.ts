// A Modbus/TCP server that serves a pluggable request handler (the meter's slave, a ModbusMemory,
// a test double). Each connection has its own framer; requests are served as they arrive and
// answered with their transaction id, so pipelining clients are served concurrently. With
// framing 'rtu' it speaks RTU over TCP instead (frames with CRC, no MBAP), answering in order.
// Loopback by default: exposing a meter's registers on a network is a decision, not a default.
import { createServer, type Server, type Socket } from 'node:net';
import { EXCEPTION_FLAG, ExceptionCode } from '../function-code.ts';
import { BROADCAST_ADDRESS } from '../limits.ts';
import { encodeResponse } from '../pdu/response.ts';
import { encodeRtuFrame } from '../rtu/rtu-frame.ts';
import { RtuFramer } from '../rtu/rtu-framer.ts';
import { serveRequest, type ModbusRequestHandler } from '../server/serve-request.ts';
import { encodeMbapFrame } from '../tcp/mbap.ts';
import { MbapFramer } from '../tcp/mbap-framer.ts';
import { writeCoalesced } from './reconnecting-socket.ts';

export interface TcpServerOptions {
  readonly handler: ModbusRequestHandler;
  /** 127.0.0.1 by default. */
  readonly host?: string;
  /** 0 (any free port) by default. */
  readonly port?: number;
  /** 'mbap' (Modbus/TCP, the default) or 'rtu' (RTU frames carried on TCP). */
  readonly framing?: 'mbap' | 'rtu';
  /**
   * Which unit ids are served. Others get exception 0x0B (gateway target device failed to
   * respond, TCP guide §4.4.1.2) over MBAP, and no answer over RTU, like a slave not addressed.
   */
  readonly units?: (unit: number) => boolean;
  /** Connections held at once (32); more are refused. */
  readonly maxConnections?: number;
  /**
   * Requests of one connection being served or waiting (16): the socket stops reading beyond it,
   * so a flooding client is held to what one read (64 KiB) can carry.
   */
  readonly maxPendingPerConnection?: number;
  /** Told about handler failures and protocol errors that drop a connection. */
  readonly onError?: (error: unknown) => void;
}

export class ModbusTcpServer {
  readonly #server: Server;
  readonly #options: TcpServerOptions;
  readonly #sockets = new Set<Socket>();
  #requests = 0;

  static async listen(options: TcpServerOptions): Promise<ModbusTcpServer> {
    const server = new ModbusTcpServer(options);
    await new Promise<void>((resolve, reject) => {
      server.#server.once('error', reject);
      server.#server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
        server.#server.off('error', reject);
        resolve();
      });
    });
    return server;
  }

  private constructor(options: TcpServerOptions) {
    this.#options = options;
    this.#server = createServer({ noDelay: true }, (socket) => { this.#accept(socket); });
    this.#server.maxConnections = options.maxConnections ?? 32;
  }

  get port(): number {
    const address = this.#server.address();
    return typeof address === 'object' && address !== null ? address.port : 0;
  }

  get connections(): number {
    return this.#sockets.size;
  }

  /** Requests served so far, over all connections. */
  get requests(): number {
    return this.#requests;
  }

  /** Stops listening and drops every connection. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => { this.#server.close(() => { resolve(); }); });
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }

  #accept(socket: Socket): void {
    this.#sockets.add(socket);
    socket.on('close', () => { this.#sockets.delete(socket); });
    socket.on('error', () => { socket.destroy(); });
    if (this.#options.framing === 'rtu') this.#serveRtu(socket);
    else this.#serveMbap(socket);
  }

  #serveMbap(socket: Socket): void {
    const { handler, units, onError } = this.#options;
    const maxPending = this.#options.maxPendingPerConnection ?? 16;
    let pending = 0;
    // The PDU is lent for the call: serveRequest decodes it before its first await, and notServed reads it at once.
    const framer = new MbapFramer((transactionId, unitId, pdu) => {
      this.#requests++;
      pending++;
      if (pending >= maxPending) socket.pause();
      const answer = units === undefined || units(unitId)
        ? serveRequest(unitId, pdu, handler, onError === undefined ? {} : { onError })
        : Promise.resolve(notServed(pdu));
      void answer.then((response) => {
        pending--;
        if (pending < maxPending) socket.resume();
        if (response !== undefined && !socket.destroyed) writeCoalesced(socket, encodeMbapFrame({ transactionId, unitId, pdu: response }));
      });
    });
    socket.on('data', (chunk: Buffer) => {
      try {
        framer.push(chunk);
      } catch (error) {
        onError?.(error);
        socket.destroy();
      }
    });
  }

  #serveRtu(socket: Socket): void {
    const { handler, units, onError } = this.#options;
    const maxPending = this.#options.maxPendingPerConnection ?? 16;
    let pending = 0;
    // RTU has no transaction id: answer strictly in order.
    let queue: Promise<void> = Promise.resolve();
    const framer = new RtuFramer({
      direction: 'request',
      resync: 'scan',
      onFrame: ({ address, pdu }) => {
        const broadcast = address === BROADCAST_ADDRESS;
        if (!broadcast && units !== undefined && !units(address)) return;
        this.#requests++;
        pending++;
        if (pending >= maxPending) socket.pause();
        queue = queue.then(async () => {
          const response = await serveRequest(address, pdu, handler, onError === undefined ? {} : { onError });
          pending--;
          if (pending < maxPending) socket.resume();
          // A broadcast is carried out and never answered (Serial Line V1.02 §2.1).
          if (response !== undefined && !broadcast && !socket.destroyed) socket.write(encodeRtuFrame(address, response));
        });
      },
    });
    socket.on('data', (chunk: Buffer) => { framer.push(chunk); });
  }
}

/** The answer for a unit this server does not serve: 0x0B, as a gateway would give. */
function notServed(pdu: Uint8Array): Uint8Array | undefined {
  const functionCode = pdu[0] ?? 0;
  if (functionCode === 0 || functionCode >= EXCEPTION_FLAG) return undefined;
  return encodeResponse({ functionCode, exceptionCode: ExceptionCode.GatewayTargetDeviceFailedToRespond });
}
