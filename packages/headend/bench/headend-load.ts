// The load generator of the head-end benchmarks, run in its own process (so its CPU is not the
// head-end's): `node headend-load.ts <config.json>`, driven over the IPC channel.
//
// Every device is one MQTT 3.1.1 connection over mutual TLS with its own certificate. Messages are
// sealed (real envelopes, one counter each) and framed as QoS 1 PUBLISH packets before the clock
// starts; the run then keeps `window` of them in flight per connection (pipelined: a PUBACK frees a
// slot, the freed slots of one socket read go out in one write). A hand-rolled client on purpose:
// mqtt.js costs more CPU per message than the servers under test, and the load generator must not
// be the bottleneck.
//
// Protocol: parent → {type:'connect'} → child connects every device, replies {type:'connected'};
// parent → {type:'go'} → child sends everything, replies {type:'done', ...}; {type:'reconnect',
// port} reconnects every device (with its TLS session ticket) and replies {type:'reconnected'};
// {type:'close'} ends the process.
import { readFileSync } from 'node:fs';
import process from 'node:process';
import { connect } from 'node:tls';
import type { TLSSocket } from 'node:tls';
import mqttPacket from 'mqtt-packet';
import { mqttFrameAt } from './mqtt-frame.ts';
import { deviceTopic, obisCode, toWireBatch } from '@phasewire/core';
import type { Clock, MeterId, ObisCode, Snapshot } from '@phasewire/core';
import { EnvelopeSender, InstalledEnvelopeKeys, KeyRing, MemoryCounterStore } from '@phasewire/secure';
import type { DeviceId } from '@phasewire/secure';
import { NodeAead, tlsClientOptions, tlsIdentity, tlsTrust } from '@phasewire/secure/node';

export interface LoadDevice {
  readonly id: string;
  readonly chain: string;
  readonly key: string;
  /** Envelope key (hex) of key id 1. */
  readonly envelopeKey: string;
}

export interface LoadConfig {
  readonly port: number;
  readonly anchors: string;
  readonly devices: readonly LoadDevice[];
  readonly messagesPerDevice: number;
  /** Snapshots per message and quantities per snapshot: readings per message = the product. */
  readonly snapshots: number;
  readonly quantities: number;
  /** QoS 1 PUBLISHes in flight per connection. */
  readonly window: number;
  /** Time of the first reading; each message of a device is a later interval. */
  readonly t0: number;
  /** Connections opened at once while connecting (bounds the handshake queue). */
  readonly connectConcurrency?: number;
  /** Spread each device's first message uniformly over this many ms after go (burst, T6). */
  readonly spreadMs?: number;
}

export type LoadReport =
  | { readonly type: 'connected'; readonly connected: number; readonly failed: number; readonly ms: number; readonly resumed: number }
  | { readonly type: 'done'; readonly ms: number; readonly acked: number; readonly sent: number; readonly closed: number;
    readonly cpuMs: number };

const quantityCodes: readonly ObisCode[] = [
  obisCode(1, 0, 32, 7, 0), obisCode(1, 0, 52, 7, 0), obisCode(1, 0, 72, 7, 0),
  obisCode(1, 0, 31, 7, 0), obisCode(1, 0, 51, 7, 0), obisCode(1, 0, 71, 7, 0),
];
const clock: Clock = { now: () => Date.now() };

interface Connection {
  readonly device: LoadDevice;
  readonly packets: Buffer[];
  /** Offset of the packet id in each packet (patched at send time). */
  readonly idOffsets: number[];
  socket?: TLSSocket;
  session?: Buffer;
  next: number;
  inFlight: number;
  acked: number;
  buffered: Buffer;
}

async function sealAll(config: LoadConfig, device: LoadDevice): Promise<{ packets: Buffer[]; idOffsets: number[] }> {
  const aead = new NodeAead();
  const keys = new InstalledEnvelopeKeys(aead);
  const id = device.id as DeviceId;
  keys.install(id, 1, Buffer.from(device.envelopeKey, 'hex'));
  const sender = new EnvelopeSender({ direction: 'uplink', aead, keys, keyRing: new KeyRing({ clock, initialKeyId: 1 }),
    counters: new MemoryCounterStore() });
  const meter = device.id as MeterId;
  const topic = deviceTopic(meter, 'up/readings');
  const codes = quantityCodes.slice(0, config.quantities);
  const packets: Buffer[] = [];
  const idOffsets: number[] = [];
  // 15-minute intervals, one message after another: every reading has its own (meter, quantity, time).
  const step = 900_000;
  for (let m = 0; m < config.messagesPerDevice; m++) {
    const snapshots: Snapshot[] = [];
    for (let s = 0; s < config.snapshots; s++) {
      const at = config.t0 + (m * config.snapshots + s) * step;
      snapshots.push({ meter, at, values: new Map(codes.map((code, q) => [code, 230 + q + (s % 100) / 100])) });
    }
    const sealed = await sender.sealValue(id, 'readings', toWireBatch({ meter, snapshots }));
    const payload = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
    const packet = mqttPacket.generate({ cmd: 'publish', topic, payload, qos: 1, messageId: 1, retain: false, dup: false });
    packets.push(packet);
    idOffsets.push(packet.length - payload.length - 2);
  }
  return { packets, idOffsets };
}

/** Reads whole MQTT packets off the front of `buffer`; returns the rest. Counts PUBACKs. */
function consume(buffer: Buffer, onPuback: () => void, onConnack: (code: number) => void): Buffer {
  let offset = 0;
  for (let frame = mqttFrameAt(buffer, offset); frame !== undefined; frame = mqttFrameAt(buffer, offset)) {
    const type = frame.first >> 4;
    if (type === 4) onPuback();
    else if (type === 2) onConnack(buffer[frame.body + 1] ?? 255);
    offset = frame.end;
  }
  return offset === 0 ? buffer : buffer.subarray(offset);
}

function main(): void {
  const config = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as LoadConfig;
  const trust = tlsTrust(config.anchors);
  const connections: Connection[] = [];
  let port = config.port;
  let total = 0;
  let acked = 0;
  let sent = 0;
  let closed = 0;
  let started = 0;
  let cpuAtGo = process.cpuUsage();
  let finish: (() => void) | undefined;
  const send = (message: unknown): void => { process.send?.(message); };

  const fill = (c: Connection): void => {
    const socket = c.socket;
    if (socket === undefined || socket.destroyed) return;
    const out: Buffer[] = [];
    while (c.inFlight < config.window && c.next < c.packets.length) {
      const index = c.next++;
      const packet = c.packets[index] ?? Buffer.alloc(0);
      const packetId = (index % 0xffff) + 1;
      const at = c.idOffsets[index] ?? 0;
      packet[at] = packetId >> 8;
      packet[at + 1] = packetId & 0xff;
      out.push(packet);
      c.inFlight++;
      sent++;
    }
    if (out.length > 0) socket.write(out.length === 1 ? (out[0] ?? Buffer.alloc(0)) : Buffer.concat(out));
  };

  const open = (c: Connection): Promise<boolean> => new Promise((resolve) => {
    const tls = tlsClientOptions(tlsIdentity(c.device.chain, c.device.key), trust, { servername: 'localhost' });
    const socket = connect({ host: '127.0.0.1', port, ...tls, ...(c.session === undefined ? {} : { session: c.session }) });
    c.socket = socket;
    c.buffered = Buffer.alloc(0);
    let settled = false;
    const settle = (ok: boolean): void => { if (!settled) { settled = true; resolve(ok); } };
    socket.setNoDelay(true);
    socket.on('session', (session: Buffer) => { c.session = session; });
    socket.on('secureConnect', () => {
      socket.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: c.device.id, clean: true,
        keepalive: 0 }));
    });
    socket.on('data', (chunk: Buffer) => {
      const data = c.buffered.length === 0 ? chunk : Buffer.concat([c.buffered, chunk]);
      let freed = 0;
      c.buffered = consume(data, () => { freed++; }, (code) => { settle(code === 0); });
      if (freed > 0) {
        c.inFlight -= freed;
        c.acked += freed;
        acked += freed;
        if (acked >= total && finish !== undefined) finish();
        else fill(c);
      }
    });
    socket.on('error', () => { settle(false); });
    socket.on('close', () => { closed++; settle(false); });
  });

  const connectAll = async (): Promise<void> => {
    const begin = performance.now();
    const limit = config.connectConcurrency ?? 64;
    let index = 0;
    let ok = 0;
    let failed = 0;
    let resumed = 0;
    const worker = async (): Promise<void> => {
      while (index < connections.length) {
        const c = connections[index++];
        if (c === undefined) break;
        if (await open(c)) { ok++; if (c.socket?.isSessionReused() === true) resumed++; } else failed++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(limit, connections.length) }, worker));
    send({ type: 'connected', connected: ok, failed, ms: performance.now() - begin, resumed } satisfies LoadReport);
  };

  process.on('message', (message: { type: string; port?: number }) => {
    void (async () => {
      if (message.type === 'prepare') {
        for (const device of config.devices) {
          const { packets, idOffsets } = await sealAll(config, device);
          total += packets.length;
          connections.push({ device, packets, idOffsets, next: 0, inFlight: 0, acked: 0, buffered: Buffer.alloc(0) });
        }
        send({ type: 'prepared', messages: total });
      } else if (message.type === 'connect') {
        await connectAll();
      } else if (message.type === 'reconnect') {
        port = message.port ?? port;
        closed = 0;
        await connectAll();
      } else if (message.type === 'go') {
        started = performance.now();
        cpuAtGo = process.cpuUsage();
        const done = new Promise<void>((resolve) => { finish = resolve; });
        const spread = config.spreadMs ?? 0;
        for (const c of connections) {
          // Messages not yet acked go again (after a reconnect, the device's queue resends them).
          c.next = c.acked; c.inFlight = 0;
          if (spread > 0) setTimeout(() => { fill(c); }, Math.random() * spread);
          else fill(c);
        }
        if (total === 0 || acked >= total) finish?.();
        await done;
        const cpu = process.cpuUsage(cpuAtGo);
        send({ type: 'done', ms: performance.now() - started, acked, sent, closed,
          cpuMs: (cpu.user + cpu.system) / 1000 } satisfies LoadReport);
      } else if (message.type === 'close') {
        for (const c of connections) c.socket?.destroy();
        process.disconnect();
      }
    })();
  });
  send({ type: 'ready' });
}

main();
