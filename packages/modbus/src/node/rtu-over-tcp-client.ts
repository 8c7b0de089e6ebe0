// RTU frames carried on a TCP stream (what serial-to-Ethernet converters in "transparent" mode
// and some gateways speak): the pure RtuMaster with 'scan' resynchronisation, since gaps on a
// TCP stream mean nothing, on a socket that reconnects by itself.
import { RtuMaster, type RtuMasterStats } from '../client/rtu-master.ts';
import { nodeTimers } from './node-timers.ts';
import { awaitFirstConnection, masterSocket, SocketClient, type SocketClientOptions } from './socket-master.ts';

export interface RtuOverTcpClientOptions extends SocketClientOptions {
  readonly port: number;
  /** Gap kept between an answer and the next request, for the serial line behind the converter (0). */
  readonly interFrameDelayMs?: number;
}

export class ModbusRtuOverTcpClient extends SocketClient<RtuMasterStats> {
  static async connect(options: RtuOverTcpClientOptions): Promise<ModbusRtuOverTcpClient> {
    const client = new ModbusRtuOverTcpClient(options);
    await awaitFirstConnection(client, options.connectTimeoutMs ?? 3000, `the RTU-over-TCP server ${options.host}:${options.port}`);
    return client;
  }

  private constructor(options: RtuOverTcpClientOptions) {
    const holder: { master?: RtuMaster } = {};
    // RTU keeps one request on the line at a time: nothing to coalesce.
    const socket = masterSocket({ ...options, coalesceWrites: false }, holder);
    const master = new RtuMaster({
      link: { write: (bytes) => { socket.write(bytes); } },
      timers: nodeTimers,
      resync: 'scan',
      interFrameDelayMs: options.interFrameDelayMs ?? 0,
      ...(options.maxQueued === undefined ? {} : { maxQueued: options.maxQueued }),
    });
    master.linkDown('not connected yet');
    holder.master = master;
    super(master, socket, options.timeoutMs);
  }
}
