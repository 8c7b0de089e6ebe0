// Modbus/TCP client: the pure MbapMaster (transaction ids, pipelining, per-request timeouts) on a
// TCP socket that reconnects by itself. While the link is down, requests fail at once with
// PW_ERR_MODBUS_DISCONNECTED, so a poll scheduler moves on instead of piling up behind a dead
// device; the next request after the reconnect goes through.
import { TransportError } from '@phasewire/core';
import { MODBUS_TCP_PORT } from '../limits.ts';
import { ChannelClient } from '../client/modbus-client.ts';
import { MbapMaster, type MbapMasterStats } from '../client/mbap-master.ts';
import { nodeTimers } from './node-timers.ts';
import { ReconnectingSocket, type ReconnectOptions } from './reconnecting-socket.ts';

export interface TcpClientOptions extends ReconnectOptions {
  readonly host: string;
  /** 502 by default (TCP guide §4.1.2). */
  readonly port?: number;
  /** Default per-request timeout in ms (1000). */
  readonly timeoutMs?: number;
  /** Requests on the wire at once (1; see MbapMasterOptions). */
  readonly maxInFlight?: number;
  readonly maxQueued?: number;
}

export class ModbusTcpClient extends ChannelClient {
  readonly #master: MbapMaster;
  readonly #socket: ReconnectingSocket;

  /** Connects (waiting up to `connectTimeoutMs` for the first connection) and keeps reconnecting after losses. */
  static async connect(options: TcpClientOptions): Promise<ModbusTcpClient> {
    const client = new ModbusTcpClient(options);
    await client.#waitForFirstConnection(options.connectTimeoutMs ?? 3000, options);
    return client;
  }

  private constructor(options: TcpClientOptions) {
    const holder: { master?: MbapMaster; socket?: ReconnectingSocket } = {};
    const socket = new ReconnectingSocket({
      ...options,
      port: options.port ?? MODBUS_TCP_PORT,
      onConnect: () => { holder.master?.linkUp(); },
      onData: (chunk) => { holder.master?.receive(chunk); },
      onDisconnect: (reason, error) => { holder.master?.linkDown(reason, error); },
    });
    const master = new MbapMaster({
      link: { write: (bytes) => { socket.write(bytes); }, abort: (error) => { socket.abort(error); } },
      timers: nodeTimers,
      ...(options.maxInFlight === undefined ? {} : { maxInFlight: options.maxInFlight }),
      ...(options.maxQueued === undefined ? {} : { maxQueued: options.maxQueued }),
    });
    holder.master = master;
    super(master, options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs });
    this.#master = master;
    this.#socket = socket;
    socket.start();
  }

  get connected(): boolean {
    return this.#socket.connected;
  }

  get stats(): Readonly<MbapMasterStats> {
    return this.#master.stats;
  }

  /** Connections made so far; more than one means it has reconnected. */
  get connects(): number {
    return this.#socket.connects;
  }

  /** Resolves when the connection is up (at once if it is). */
  whenConnected(): Promise<void> {
    return this.#socket.whenConnected();
  }

  override async close(): Promise<void> {
    await super.close();
    await this.#socket.close();
  }

  async #waitForFirstConnection(timeoutMs: number, options: TcpClientOptions): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new TransportError('PW_ERR_MODBUS_DISCONNECTED',
          `Cannot connect to the Modbus/TCP server ${options.host}:${options.port ?? MODBUS_TCP_PORT}: no connection within ${timeoutMs} ms`));
      }, timeoutMs);
    });
    try {
      await Promise.race([this.#socket.whenConnected(), timeout]);
    } catch (error) {
      await this.close();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }
}
