// Modbus/TCP client: the pure MbapMaster (transaction ids, pipelining, per-request timeouts) on a
// TCP socket that reconnects by itself. While the link is down, requests fail at once with
// PW_ERR_MODBUS_DISCONNECTED, so a poll scheduler moves on instead of piling up behind a dead
// device; the next request after the reconnect goes through.
import { MODBUS_TCP_PORT } from '../limits.ts';
import { MbapMaster, type MbapMasterStats } from '../client/mbap-master.ts';
import { nodeTimers } from './node-timers.ts';
import { awaitFirstConnection, masterSocket, SocketClient, type SocketClientOptions } from './socket-master.ts';

export interface TcpClientOptions extends SocketClientOptions {
  /** 502 by default (TCP guide §4.1.2). */
  readonly port?: number;
  /** Requests on the wire at once (1; see MbapMasterOptions). */
  readonly maxInFlight?: number;
}

export class ModbusTcpClient extends SocketClient<MbapMasterStats> {
  /** Connects (waiting up to `connectTimeoutMs` for the first connection) and keeps reconnecting after losses. */
  static async connect(options: TcpClientOptions): Promise<ModbusTcpClient> {
    const client = new ModbusTcpClient(options);
    await awaitFirstConnection(client, options.connectTimeoutMs ?? 3000, `the Modbus/TCP server ${options.host}:${options.port ??
      MODBUS_TCP_PORT}`);
    return client;
  }

  private constructor(options: TcpClientOptions) {
    const holder: { master?: MbapMaster } = {};
    // One request at a time (the default) has nothing to coalesce: its write goes out at once.
    const socket = masterSocket({ ...options, port: options.port ?? MODBUS_TCP_PORT, coalesceWrites: (options.maxInFlight ?? 1) > 1 },
      holder);
    const master = new MbapMaster({
      link: { write: (bytes) => { socket.write(bytes); }, abort: (error) => { socket.abort(error); } },
      timers: nodeTimers,
      ...(options.maxInFlight === undefined ? {} : { maxInFlight: options.maxInFlight }),
      ...(options.maxQueued === undefined ? {} : { maxQueued: options.maxQueued }),
    });
    holder.master = master;
    super(master, socket, options.timeoutMs);
  }
}
