// The packet size bound on an MQTT connection as the embedded broker reads it. aedes reads its
// connection as a paused stream (on 'readable', `conn.read(null)`, then its parser buffers until a
// packet is whole: aedes lib/client.js). Every chunk it reads passes MqttPacketLimit first; at the
// fixed header of a packet over the bound the chunk is withheld and the connection closed, so the
// parser never buffers more than one packet of at most the bound (headend/mqtt-packet-limit.ts).
// The socket's own `read` is wrapped rather than the socket put behind a second stream: a Duplex in
// between cost about a tenth of the head-end's T1 throughput (one more stream hop per message).
import type { TLSSocket } from 'node:tls';
import { MqttPacketLimit } from '../mqtt-packet-limit.ts';
import type { PacketVerdict } from '../mqtt-packet-limit.ts';

export type PacketRefusal = Exclude<PacketVerdict, { ok: true }>;

/** Bounds the MQTT packets read from `socket`; `onRefused` is told of the first one over the bound. */
export function limitPacketSize(socket: TLSSocket, maxPacketBytes: number, onRefused: (refusal: PacketRefusal) => void): void {
  const limit = new MqttPacketLimit(maxPacketBytes);
  const read = socket.read.bind(socket);
  socket.read = (size?: number): unknown => {
    const chunk: unknown = read(size);
    if (!(chunk instanceof Uint8Array)) return chunk;
    const verdict = limit.push(chunk);
    if (verdict.ok) return chunk;
    onRefused(verdict);
    socket.destroy();
    return null;
  };
}
