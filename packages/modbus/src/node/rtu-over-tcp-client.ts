// RTU frames carried on a TCP stream (what serial-to-Ethernet converters in "transparent" mode
// and some gateways speak): the pure RtuMaster with 'scan' resynchronisation, since gaps on a
// TCP stream mean nothing, on a socket that reconnects by itself.
import { TransportError } from '@phasewire/core';
import { ChannelClient } from '../client/modbus-client.ts';
import { RtuMaster, type RtuMasterStats } from '../client/rtu-master.ts';
import { nodeTimers } from './node-timers.ts';
import { ReconnectingSocket, type ReconnectOptions } from './reconnecting-socket.ts';

export interface RtuOverTcpClientOptions extends ReconnectOptions {
  readonly host: string;
  readonly port: number;
  /** Default response timeout in ms (1000). */
  readonly timeoutMs?: number;
  /** Gap kept between an answer and the next request, for the serial line behind the converter (0). */
  readonly interFrameDelayMs?: number;
  readonly maxQueued?: number;
}

export class ModbusRtuOverTcpClient extends ChannelClient {
  readonly #master: RtuMaster;
  readonly #socket: ReconnectingSocket;

  static async connect(options: RtuOverTcpClientOptions): Promise<ModbusRtuOverTcpClient> {
    const client = new ModbusRtuOverTcpClient(options);
    const timeoutMs = options.connectTimeoutMs ?? 3000;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        client.#socket.whenConnected(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            reject(new TransportError('PW_ERR_MODBUS_DISCONNECTED', `Cannot connect to the RTU-over-TCP server ${options.host}:${options.port}: no connection within ${timeoutMs} ms`));
          }, timeoutMs);
        }),
      ]);
    } catch (error) {
      await client.close();
      throw error;
    } finally {
      clearTimeout(timer);
    }
    return client;
  }

  private constructor(options: RtuOverTcpClientOptions) {
    const holder: { master?: RtuMaster } = {};
    const socket = new ReconnectingSocket({
      ...options,
      onConnect: () => { holder.master?.linkUp(); },
      onData: (chunk) => { holder.master?.receive(chunk); },
      onDisconnect: (reason, error) => { holder.master?.linkDown(reason, error); },
    });
    const master = new RtuMaster({
      link: { write: (bytes) => { socket.write(bytes); } },
      timers: nodeTimers,
      resync: 'scan',
      interFrameDelayMs: options.interFrameDelayMs ?? 0,
      ...(options.maxQueued === undefined ? {} : { maxQueued: options.maxQueued }),
    });
    master.linkDown('not connected yet');
    holder.master = master;
    super(master, options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs });
    this.#master = master;
    this.#socket = socket;
    socket.start();
  }

  get connected(): boolean {
    return this.#socket.connected;
  }

  get stats(): Readonly<RtuMasterStats> {
    return this.#master.stats;
  }

  whenConnected(): Promise<void> {
    return this.#socket.whenConnected();
  }

  override async close(): Promise<void> {
    await super.close();
    await this.#socket.close();
  }
}
