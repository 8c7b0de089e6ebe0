// The embedded MQTT listener: aedes (MQTT 3.1.1) behind the TLS policy's server (TLS 1.3 only,
// mutual authentication, revocation checked at every handshake, one SecureContext). The client is
// the device its certificate names: a CONNECT whose client id differs is refused, and every PUBLISH
// and SUBSCRIBE is authorised from the certificate and the registry. A readings PUBLISH is handed
// to the ingest inside aedes' authorizePublish, whose callback is what the QoS 1 PUBACK waits for
// (aedes lib/handlers/publish.js: authorizePublish, then write PUBACK): so the PUBACK goes out only
// once the readings are committed.
//
// Before any of that, the listener bounds what an unauthenticated client can hold: connections open
// per address and in total (counted from the TCP accept), the handshake timeout, and the size of
// every MQTT packet, refused from its fixed header before the broker buffers it (limited-connection.ts).
// Refused handshakes and connections over a limit are logged sampled: the first of each kind, then
// one count per minute (sampled-log.ts).
import { createHash } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { Aedes } from 'aedes';
import type { BrokerHealth } from './broker-health.ts';
import type { Client, PublishPacket } from 'aedes';
import { DecodeError, parseTopic } from '@phasewire/core';
import type { Clock } from '@phasewire/core';
import { normalizeSerial } from '@phasewire/secure';
import type { ConnectionLimits, RevocationSet } from '@phasewire/secure';
import { createPolicyServer } from '@phasewire/secure/node';
import type { AcceptedPeer, LimitEvent, PolicyServer, RefusalEvent, TlsIdentity, TlsTrust } from '@phasewire/secure/node';
import { authoriseConnect, authorisePublish, authoriseSubscribe } from '../topic-authorisation.ts';
import type { Principal } from '../topic-authorisation.ts';
import { underAlarmPrefix, type AlarmChannel } from '../alarm-channel.ts';
import type { DeviceRegistry } from '../registry.ts';
import type { HeadEndLog } from '../head-end-log.ts';
import { defaultMaxPacketBytes } from '../mqtt-listener.ts';
import type { Ingest } from './ingest.ts';
import type { Commands } from './commands.ts';
import type { SideChannels } from './side-channels.ts';
import { limitPacketSize } from './limited-connection.ts';
import { sampledLog } from './sampled-log.ts';

export interface EmbeddedBrokerOptions {
  readonly identity: TlsIdentity;
  readonly trust: TlsTrust;
  readonly revocations: () => RevocationSet;
  readonly registry: DeviceRegistry;
  readonly ingest: Ingest;
  readonly commands?: () => Commands | undefined;
  /** Status and events (device-activity.ts); dropped when absent. */
  readonly sideChannels?: SideChannels;
  readonly clock: Clock;
  readonly log: HeadEndLog;
  /** TLS session-ticket keys (48 bytes) kept across restarts; random per start when absent. */
  readonly ticketKeys?: Uint8Array;
  /** Connections open at once, in total and per remote address (default `defaultConnectionLimits`). */
  readonly limits?: ConnectionLimits;
  /** A TLS handshake not finished within this is dropped (default the TLS policy's 30 s). */
  readonly handshakeTimeoutMs?: number;
  /** Largest MQTT packet (its remaining length) a client may send (default `defaultMaxPacketBytes`). */
  readonly maxPacketBytes?: number;
  /** How often the sampled log lines summarise what they counted (default 60 s). */
  readonly logSampleIntervalMs?: number;
  /** The server's own alarm notifications through this broker (headend/alarm-channel.ts). */
  readonly alarmChannel?: AlarmChannel;
}

export interface EmbeddedBroker {
  readonly port: number;
  publish(topic: string, payload: Uint8Array): Promise<void>;
  /** Closes every live session of the device at once (after a revocation). */
  disconnect(device: string): number;
  /** Closes live sessions whose certificate is now on the revocation list. */
  enforceRevocations(): number;
  /** Handshakes refused by the TLS policy, by reason. */
  readonly tlsRefusals: Map<string, number>;
  /** Replaces the session-ticket keys (rotation): tickets under the old ones get a full handshake. */
  setTicketKeys(keys: Uint8Array): void;
  /** Whether the listener accepts sessions (broker-health.ts). */
  health(): Promise<BrokerHealth>;
  close(): Promise<void>;
}

type AuthError = Error & { returnCode: number };
/** MQTT 3.1.1 §3.2.2.3: CONNACK return code 5, "not authorized". */
const notAuthorized = 5;

export function certificateBinding(peer: AcceptedPeer): { fingerprint: string; serial: string } {
  return { fingerprint: createHash('sha256').update(peer.certificate.raw).digest('hex'), serial: normalizeSerial(peer.serial) };
}

export async function startEmbeddedBroker(options: EmbeddedBrokerOptions, port = 0, host = '127.0.0.1'): Promise<EmbeddedBroker> {
  const { registry, ingest, log, clock } = options;
  const principals = new WeakMap<Client, Principal>();
  const sessions = new Map<string, Set<Client>>();
  const tlsRefusals = new Map<string, number>();
  const sampled = sampledLog(log, clock, options.logSampleIntervalMs);
  const maxPacketBytes = options.maxPacketBytes ?? defaultMaxPacketBytes;
  /** Connections of the server's own notifier certificate: alarm topics only, no device rights. */
  const alarmClients = new WeakSet<Client>();
  const alarmChannel = options.alarmChannel;

  const broker = await Aedes.createBroker({
    authenticate(client, _username, _password, done) {
      const peer = server.policy.peerOf(client.conn as TLSSocket);
      const refuse = (message: string): void => {
        const error: AuthError = Object.assign(new Error(message), { returnCode: notAuthorized });
        log({ level: 'warn', msg: message, device: peer?.device?.id ?? client.id, reason: 'unauthorised' });
        ingest.refusals.count(peer?.device?.id ?? `client:${client.id}`, 'unauthorised');
        done(error, false);
      };
      if (peer?.device === undefined) { refuse(`Cannot accept MQTT CONNECT ${client.id}: the connection has no device certificate`);
        return; }
      if (alarmChannel !== undefined && certificateBinding(peer).fingerprint === alarmChannel.fingerprint) {
        alarmClients.add(client);
        done(null, true);
        return;
      }
      const principal: Principal = { kind: peer.device.kind, id: peer.device.id };
      const decision = authoriseConnect(principal, client.id, registry.get(principal.id));
      if (!decision.allowed) { refuse(decision.error.message); return; }
      try {
        registry.enrol({ id: principal.id, kind: principal.kind });
        registry.bind(principal.id, certificateBinding(peer), clock.now());
      } catch (error) {
        refuse((error as Error).message);
        return;
      }
      principals.set(client, principal);
      let set = sessions.get(principal.id);
      if (set === undefined) { set = new Set(); sessions.set(principal.id, set); }
      set.add(client);
      done(null, true);
    },
    authorizePublish(client, packet, callback) {
      if (client === null) { callback(null); return; }
      if (alarmClients.has(client) && alarmChannel !== undefined) {
        callback(underAlarmPrefix(alarmChannel, packet.topic) ? null : new Error(`not an alarm topic under ${alarmChannel.topicPrefix}/`));
        return;
      }
      const principal = principals.get(client);
      if (principal === undefined) { callback(new Error('not authenticated')); return; }
      const decision = authorisePublish(principal, packet.topic, registry.behind(principal.id));
      if (!decision.allowed) {
        ingest.refuse(principal.id, decision.error);
        // MQTT 3.1.1 has no negative PUBACK: the server closes the connection (§3.3.5).
        callback(decision.error);
        return;
      }
      // Uplink is for the head-end only: never retained in the broker.
      (packet as { retain: boolean }).retain = false;
      const topic = parseTopic(packet.topic);
      options.sideChannels?.activity.seen(principal.id, clock.now());
      if (topic?.channel === 'up/readings') {
        void ingest.handle(principal.id, topic.device, packet.payload as Buffer).then((outcome) => {
          // A store failure is not acknowledged (the device sends again); any other refusal is final,
          // so it is PUBACKed to stop the redelivery, and gets no sealed ack.
          if (outcome.kind === 'refused' && outcome.reason === 'store-failed') callback(outcome.error);
          else callback(null);
        });
        return;
      }
      if ((topic?.channel === 'status' || topic?.channel === 'up/events') && options.sideChannels !== undefined) {
        void options.sideChannels.handle(principal.id, topic.device, topic.channel, packet.payload as Buffer)
          .then(() => { callback(null); });
        return;
      }
      if (topic?.channel === 'cmd/res') {
        const commands = options.commands?.();
        if (commands !== undefined) {
          void commands.handleResponse(principal.id, packet.payload as Buffer, topic.device).then(() => { callback(null); });
          return;
        }
      }
      callback(null);
    },
    authorizeSubscribe(client, subscription, callback) {
      if (alarmClients.has(client) && alarmChannel !== undefined) {
        callback(null, underAlarmPrefix(alarmChannel, subscription.topic) ? subscription : null);
        return;
      }
      const principal = principals.get(client);
      if (principal === undefined) { callback(new Error('not authenticated')); return; }
      const decision = authoriseSubscribe(principal, subscription.topic, registry.behind(principal.id));
      if (!decision.allowed) {
        ingest.refuse(principal.id, decision.error);
        callback(null, null);
        return;
      }
      callback(null, subscription);
    },
  });
  broker.on('clientDisconnect', (client: Client) => {
    const principal = principals.get(client);
    if (principal !== undefined) {
      sessions.get(principal.id)?.delete(client);
      registry.touch(principal.id, clock.now());
    }
  });

  const server: PolicyServer = createPolicyServer({
    identity: options.identity,
    trust: options.trust,
    revocations: options.revocations,
    clock,
    server: {
      ...(options.ticketKeys === undefined ? {} : { ticketKeys: Buffer.from(options.ticketKeys) }),
      ...(options.handshakeTimeoutMs === undefined ? {} : { handshakeTimeoutMs: options.handshakeTimeoutMs }),
    },
    ...(options.limits === undefined ? {} : { limits: options.limits }),
    onRefused: (event: RefusalEvent) => {
      tlsRefusals.set(event.reason, (tlsRefusals.get(event.reason) ?? 0) + 1);
      sampled(`tls:${event.reason}`, {
        level: 'warn', reason: event.reason,
        msg: `TLS handshake refused: ${event.detail} (from ${event.remoteAddress ?? 'an unknown address'})`,
        ...(event.serial === undefined ? {} : { device: event.serial }),
      });
    },
    onLimited: (event: LimitEvent) => {
      const limit = event.limit === 'total'
        ? `${event.limits.maxConnections} connections in total`
        : `${event.limits.maxPerAddress} connections per address (first from ${event.remoteAddress})`;
      const msg = `MQTT listener at its limit of ${limit}: new connections are closed at once`;
      sampled(`limit:${event.limit}`, { level: 'warn', msg, reason: `limit-${event.limit}` });
    },
  }, (socket, peer) => {
    limitPacketSize(socket, maxPacketBytes, (refusal) => {
      const found = refusal.reason === 'oversized'
        ? `it announces ${refusal.length} bytes; expected at most ${maxPacketBytes} bytes (mqtt.maxPacketBytes)`
        : `${refusal.detail}; expected one to four length bytes`;
      const from = peer.device?.id ?? peer.serial;
      const error = new DecodeError('PW_ERR_HEADEND_PACKET', `Cannot read an MQTT packet from ${from}: ${found}; connection closed`);
      ingest.refuse(peer.device?.id ?? `serial:${peer.serial}`, error, refusal.reason);
    });
    broker.handle(socket);
  });
  const listening = await server.listen(port, host);
  const policyServer = server;

  const disconnect = (device: string): number => {
    const set = sessions.get(device);
    if (set === undefined) return 0;
    const clients = [...set];
    for (const client of clients) client.close();
    set.clear();
    return clients.length;
  };

  return {
    port: listening,
    tlsRefusals,
    publish: (topic, payload) => new Promise((resolve, reject) => {
      const packet = { cmd: 'publish', topic, payload: Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength), qos: 1,
        retain: false, dup: false } as unknown as PublishPacket;
      broker.publish(packet, (error?: Error | null) => { if (error) reject(error); else resolve(); });
    }),
    disconnect,
    enforceRevocations: () => policyServer.policy.enforceRevocations(),
    setTicketKeys: (keys) => { policyServer.server.setTicketKeys(Buffer.from(keys)); },
    // In this process: it accepts as long as its listener is open (the event loop answering is the probe itself).
    health: (): Promise<BrokerHealth> => Promise.resolve(policyServer.listening
      ? { ok: true, detail: `embedded broker listening on port ${listening}` }
      : { ok: false, detail: 'the embedded broker\'s listener is closed' }),
    close: async () => {
      sampled.close();
      await policyServer.close();
      await new Promise<void>((resolve) => { broker.close(() => { resolve(); }); });
    },
  };
}
