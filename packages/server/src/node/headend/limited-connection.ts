// An MQTT connection as the embedded broker reads it, behind the packet size bound: every chunk the
// TLS socket delivers passes MqttPacketLimit first, and the connection is closed at the fixed header
// of a packet over the bound, so the broker's parser never buffers more than one packet of at most
// the bound (headend/mqtt-packet-limit.ts). Writes, end and destroy go straight to the socket.
import { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { MqttPacketLimit } from '../../headend/mqtt-packet-limit.ts';
import type { PacketVerdict } from '../../headend/mqtt-packet-limit.ts';

export type PacketRefusal = Exclude<PacketVerdict, { ok: true }>;

export class LimitedConnection extends Duplex {
  readonly socket: TLSSocket;

  constructor(socket: TLSSocket, maxPacketBytes: number, onRefused: (refusal: PacketRefusal) => void) {
    super({ allowHalfOpen: false });
    this.socket = socket;
    const limit = new MqttPacketLimit(maxPacketBytes);
    socket.on('data', (chunk: Buffer) => {
      if (this.destroyed) return;
      const verdict = limit.push(chunk);
      if (!verdict.ok) {
        onRefused(verdict);
        this.destroy();
        return;
      }
      if (!this.push(chunk)) socket.pause();
    });
    socket.once('end', () => { this.push(null); });
    socket.once('error', (error: Error) => { this.destroy(error); });
    socket.once('close', () => { this.destroy(); });
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.socket.write(chunk)) callback();
    else this.socket.once('drain', () => { callback(); });
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.socket.end();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.socket.destroy();
    callback(error);
  }
}
