// One MQTT session of the agent over TLS 1.3 with mutual authentication. The TLS socket is made
// here (mqtt.js takes it through its stream builder) so that the agent holds the session ticket
// between connections and passes it back as `session`: a resumed handshake (RFC 8446 §2.2) costs
// no certificates on the air, which is most of a handshake's bytes on a cellular link.
// MQTT 3.1.1 (protocolVersion 4): the embedded broker aedes speaks nothing newer.
import { connect as tlsConnect } from 'node:tls';
import type { TLSSocket } from 'node:tls';
import { MqttClient } from 'mqtt';
import type { IClientOptions } from 'mqtt';
import { TransportError } from '@phasewire/core';
import { tlsClientOptions } from '@phasewire/secure/node';
import type { MqttTlsEndpoint } from '@phasewire/secure/node';

export interface MqttLinkOptions extends MqttTlsEndpoint {
  readonly keepAliveSeconds: number;
  /** A ticket from an earlier session, to resume. */
  readonly session?: Buffer;
  readonly will: { readonly topic: string; readonly payload: Buffer };
  /** The newest session ticket the broker sent; keep it for the next connection. */
  readonly onSession?: (ticket: Buffer) => void;
  readonly connectTimeoutMs: number;
}

export interface MqttLink {
  readonly client: MqttClient;
  readonly socket: TLSSocket;
  /** Whether the TLS handshake resumed an earlier session. */
  readonly resumed: boolean;
}

/** Connects and resolves once the broker has accepted the MQTT session (CONNACK). */
export function openMqttLink(options: MqttLinkOptions): Promise<MqttLink> {
  let socket: TLSSocket | undefined;
  const tls = tlsClientOptions(options.identity, options.trust, options.servername === undefined ? {} : { servername: options.servername });
  const clientOptions: IClientOptions = {
    protocolVersion: 4,
    clientId: options.clientId,
    // A persistent session: commands and acks sent while a cellular meter sleeps wait at the broker.
    clean: false,
    keepalive: options.keepAliveSeconds,
    // The agent reconnects itself, with its own backoff and the session ticket.
    reconnectPeriod: 0,
    connectTimeout: options.connectTimeoutMs,
    will: { topic: options.will.topic, payload: options.will.payload, qos: 1, retain: true },
  };
  return new Promise((resolve, reject) => {
    const client = new MqttClient(() => {
      socket = tlsConnect({
        host: options.host, port: options.port, ...tls, ...(options.session === undefined ? {} : { session: options.session }),
      });
      socket.on('session', (ticket: Buffer) => { options.onSession?.(ticket); });
      return socket;
    }, clientOptions);
    const fail = (error: Error): void => {
      client.removeListener('connect', ok);
      client.end(true);
      reject(new TransportError('PW_ERR_AGENT_CONNECT', `Cannot connect ${options.clientId} `
        + `to the broker at ${options.host}:${options.port}: ${error.message}; `
        + 'expected an MQTT broker on TLS 1.3 with a certificate from the phasewire CA', { cause: error }));
    };
    const ok = (): void => {
      client.removeListener('error', fail);
      client.removeListener('close', closed);
      if (socket === undefined) return;
      resolve({ client, socket, resumed: socket.isSessionReused() });
    };
    const closed = (): void => { fail(new Error('the connection closed before the broker accepted the session')); };
    client.once('connect', ok);
    client.once('error', fail);
    client.once('close', closed);
  });
}
