// A minimal MQTT 3.1.1 client for the ingest worker in external-broker mode, on mqtt-packet over
// mutual TLS. Why not mqtt.js: its client handles incoming PUBLISH packets one at a time and sends
// each PUBACK before it parses the next packet, so an ingest on it would commit one message per
// transaction. Here every received QoS 1 PUBLISH is handed on at once and its PUBACK is written when
// the handler resolves, so the messages of a socket read share one group commit.
import { connect } from 'node:tls';
import type { ConnectionOptions, TLSSocket } from 'node:tls';
import mqttPacket from 'mqtt-packet';
import type { IPublishPacket, Packet } from 'mqtt-packet';
import { TransportError } from '@phasewire/core';

export interface IngestConnectionOptions {
  readonly host: string;
  readonly port: number;
  readonly tls: ConnectionOptions;
  readonly clientId: string;
  /** Keep the session (and the messages queued for it) across reconnects. */
  readonly clean?: boolean;
  readonly keepaliveSeconds?: number;
  /** How long the TLS handshake and the CONNACK may take before the attempt fails (default 10 s). */
  readonly connectTimeoutMs?: number;
  /** Called for each QoS 0/1 PUBLISH; the PUBACK is sent when it resolves. */
  readonly onMessage: (topic: string, payload: Buffer) => Promise<void>;
  readonly onClose?: (error: Error | undefined) => void;
}

export interface IngestConnection {
  subscribe(filter: string, qos: 0 | 1): Promise<void>;
  publish(topic: string, payload: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

const broken = (what: string, cause?: unknown): TransportError =>
  new TransportError('PW_ERR_HEADEND_BROKER', `Ingest connection to the external broker: ${what}`,
    cause === undefined ? undefined : { cause });

export function openIngestConnection(options: IngestConnectionOptions): Promise<IngestConnection> {
  return new Promise((resolve, reject) => {
    const socket: TLSSocket = connect({ host: options.host, port: options.port, ...options.tls });
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    const waiting = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
    let nextId = 1;
    let connected = false;
    let closing = false;
    const id = (): number => {
      for (;;) {
        const candidate = nextId;
        nextId = nextId === 0xffff ? 1 : nextId + 1;
        if (!waiting.has(candidate)) return candidate;
      }
    };
    const send = (packet: Packet): void => { if (!socket.destroyed) socket.write(mqttPacket.generate(packet)); };
    const keepalive = options.keepaliveSeconds ?? 30;
    // A broker that stops answering (hung, or its host gone without a FIN) is taken as gone after
    // one and a half keepalive periods of silence, as the broker itself judges its clients.
    let heard = Date.now();
    const ping = setInterval(() => {
      if (Date.now() - heard > keepalive * 1500) { socket.destroy(broken(`no packet from the broker for ${keepalive * 1.5} s`)); return; }
      send({ cmd: 'pingreq' });
    }, keepalive * 500);
    ping.unref();
    const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    const connectTimer = setTimeout(() => {
      if (!connected) socket.destroy(broken(`no CONNACK within ${connectTimeoutMs} ms`));
    }, connectTimeoutMs);
    connectTimer.unref();
    const fail = (error: Error): void => {
      for (const entry of waiting.values()) entry.reject(error);
      waiting.clear();
      if (!connected) reject(error);
    };
    const onPublish = (packet: IPublishPacket): void => {
      const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
      void options.onMessage(packet.topic, payload).then(
        () => { if (packet.qos === 1 && packet.messageId !== undefined) send({ cmd: 'puback', messageId: packet.messageId }); },
        // No PUBACK: the broker redelivers on the next session; closing makes that happen now.
        () => { socket.destroy(); },
      );
    };
    parser.on('packet', (packet: Packet) => {
      switch (packet.cmd) {
        case 'connack':
          if (packet.returnCode !== 0) { fail(broken(`CONNECT refused with return code ${packet.returnCode}`)); socket.destroy(); return; }
          connected = true;
          clearTimeout(connectTimer);
          resolve(connection);
          return;
        case 'publish': onPublish(packet); return;
        case 'puback':
        case 'suback': {
          const entry = packet.messageId === undefined ? undefined : waiting.get(packet.messageId);
          if (entry === undefined || packet.messageId === undefined) return;
          waiting.delete(packet.messageId);
          if (packet.cmd === 'suback' && packet.granted.some((code) => typeof code === 'number' && code >= 0x80))
            entry.reject(broken('the broker refused the subscription (not allowed by its ACL?)'));
          else entry.resolve();
          return;
        }
        default:
      }
    });
    parser.on('error', (error: Error) => { fail(broken('a packet from the broker does not decode', error)); socket.destroy(); });
    socket.on('secureConnect', () => {
      send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: options.clientId, clean: options.clean ?? false,
        keepalive });
    });
    socket.on('data', (chunk: Buffer) => { heard = Date.now(); parser.parse(chunk); });
    socket.on('error', (error: Error) => { fail(broken(error.message, error)); });
    socket.on('close', () => {
      clearInterval(ping);
      clearTimeout(connectTimer);
      fail(broken('the connection closed'));
      options.onClose?.(closing ? undefined : broken('the connection closed'));
    });
    const request = (packet: Packet & { messageId?: number }): Promise<void> => new Promise((done, refused) => {
      if (socket.destroyed) { refused(broken('the connection is closed')); return; }
      const messageId = id();
      waiting.set(messageId, { resolve: done, reject: refused });
      send({ ...packet, messageId });
    });
    const connection: IngestConnection = {
      subscribe: (filter, qos) => request({ cmd: 'subscribe', subscriptions: [{ topic: filter, qos }] }),
      publish: (topic, payload) => request({ cmd: 'publish', topic,
        payload: Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength), qos: 1, retain: false, dup: false }),
      close: () => new Promise((done) => {
        closing = true;
        if (socket.destroyed) { done(); return; }
        socket.once('close', () => { done(); });
        send({ cmd: 'disconnect' });
        socket.end();
        setTimeout(() => { socket.destroy(); }, 1000).unref();
      }),
    };
  });
}
