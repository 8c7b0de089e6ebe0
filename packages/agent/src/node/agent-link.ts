// The agent's MQTT link to the head-end: connect over mutual TLS (resuming the last session where
// the profile says so), subscribe, announce `online`, and keep the link as the link profile wants:
// `persistent` reconnects after a loss with full-jitter backoff; `per-window` connects when there
// is work, and after the work is done says `offline` itself and sleeps. The agent decides what
// is sent; the link only keeps the connection.
import type { MqttClient } from 'mqtt';
import { deviceTopic } from '@phasewire/core';
import { encodeStatus } from '@phasewire/core/protocol';
import type { FirmwareRunning } from '@phasewire/core/protocol';
import type { MeterId, Random } from '@phasewire/core';
import { Backoff } from '../backoff.ts';
import { UplinkPolicy } from '../uplink-policy.ts';
import type { UplinkWork } from '../uplink-policy.ts';
import type { LinkProfile } from '../link-profile.ts';
import type { AgentDescription, AgentEvent, AgentStats } from './agent-types.ts';
import type { AgentIdentity } from './enrollment.ts';
import { openMqttLink } from './mqtt-link.ts';

export interface AgentLinkOptions {
  readonly meter: MeterId;
  readonly identity: AgentIdentity;
  readonly broker: { readonly host: string; readonly port: number; readonly servername?: string };
  readonly profile: LinkProfile;
  readonly random: Random;
  readonly stats: AgentStats;
  readonly onEvent?: (event: AgentEvent) => void;
  /** The agent's work now (queued messages, commands in progress): the policy decides on it. */
  readonly work: () => UplinkWork;
  /** Subscribed and announced: the agent may publish. */
  readonly onReady: () => void;
  readonly onMessage: (topic: string, payload: Buffer) => void;
  /** The connection closed (whatever the reason): nothing is in flight any more. */
  readonly onClosed: () => void;
  readonly describe?: AgentDescription;
  /** The firmware it runs, said in each `online` status. */
  readonly firmware?: () => FirmwareRunning;
}

/** How long a stopping agent waits for the broker to acknowledge its goodbye. */
const goodbyeTimeoutMs = 3000;


export class AgentLink {
  readonly #o: AgentLinkOptions;
  readonly #backoff: Backoff;
  readonly #policy: UplinkPolicy;
  #client: MqttClient | undefined;
  /**
   * A per-window connection saying goodbye: it is not the agent's to publish on any more, but it is
   * still open. The next connection waits for it to close: both would use the meter's client id,
   * and the broker would take the session over from the one still saying goodbye.
   */
  #closing: MqttClient | undefined;
  #connecting = false;
  #running = false;
  #session: Buffer | undefined;
  #retryTimer: NodeJS.Timeout | undefined;

  /**
   * The protocol's status message: the head-end records the state, keeps the model and link in its
   * registry and counts the messages queued as the agent comes online (its fleet metrics).
   */
  readonly #statusPayload: (state: 'online' | 'offline') => Buffer;
  readonly #describe: AgentDescription | undefined;

  constructor(options: AgentLinkOptions) {
    this.#o = options;
    const describe = options.describe;
    // Built once for both states here, so a model the head-end would refuse fails the agent's start, not each status.
    const payloads = {
      online: Buffer.from(encodeStatus({ state: 'online', ...describe })),
      offline: Buffer.from(encodeStatus({ state: 'offline', ...describe })),
    };
    this.#statusPayload = (state) => payloads[state];
    this.#describe = describe;
    this.#backoff = new Backoff(options.profile.reconnect, options.random);
    this.#policy = new UplinkPolicy(options.profile);
  }

  /** The client while connected (or connecting its subscriptions). */
  get client(): MqttClient | undefined {
    return this.#client;
  }

  get connected(): boolean {
    return this.#client?.connected === true;
  }

  get running(): boolean {
    return this.#running;
  }

  start(): void {
    this.#running = true;
    if (this.#policy.shouldConnect(this.#o.work())) this.connect();
  }

  connect(): void {
    if (!this.#running || this.#connecting || this.#client !== undefined || this.#retryTimer !== undefined) return;
    // Work that came during a goodbye (a command's answer) opens a window of its own once it closed.
    if (this.#closing !== undefined) return;
    this.#connecting = true;
    const { identity, broker, profile, meter } = this.#o;
    openMqttLink({
      host: broker.host, port: broker.port, ...(broker.servername === undefined ? {} : { servername: broker.servername }),
      identity: identity.tls, trust: identity.trust, clientId: meter, keepAliveSeconds: profile.keepAliveSeconds,
      connectTimeoutMs: Math.min(profile.ackTimeoutMs, 30_000),
      ...(profile.resumeSessions && this.#session !== undefined ? { session: this.#session } : {}),
      will: { topic: deviceTopic(meter, 'status'), payload: this.#statusPayload('offline') },
      onSession: (ticket) => { this.#session = ticket; },
    }).then((link) => {
      this.#connecting = false;
      if (!this.#running) {
        link.client.end(true);
        return;
      }
      this.#online(link.client, link.resumed);
    }, (error: unknown) => {
      this.#connecting = false;
      this.#retry(error instanceof Error ? error.message : String(error));
    });
  }

  /** Publishes the retained `online` status again, with what the agent is now (a firmware it committed). */
  announce(): void {
    const client = this.#client;
    if (client === undefined || !client.connected) return;
    const firmware = this.#o.firmware?.();
    const online = Buffer.from(encodeStatus({ state: 'online', ...this.#describe, queued: this.#o.work().queued,
      ...(firmware === undefined ? {} : { firmware }) }));
    client.publish(deviceTopic(this.#o.meter, 'status'), online, { qos: 1, retain: true });
  }

  /** A per-window link whose work is done says goodbye (so the broker does not publish the will) and sleeps. */
  sleepIfDone(): void {
    const client = this.#client;
    if (client === undefined || !this.#policy.shouldSleep(this.#o.work())) return;
    this.#client = undefined;
    this.#closing = client;
    // Bounded like an ack: a goodbye whose PUBACK never comes must not hold the next window back.
    const timer = setTimeout(() => { client.end(true); }, this.#o.profile.ackTimeoutMs);
    client.once('close', () => { clearTimeout(timer); });
    client.publish(deviceTopic(this.#o.meter, 'status'), this.#statusPayload('offline'), { qos: 1, retain: true }, () => { client.end(); });
  }

  /** A graceful goodbye (retained `offline`) and the end of the link. */
  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#retryTimer);
    this.#closing?.end(true);
    const client = this.#client;
    this.#client = undefined;
    // Nothing is in flight on a link stopped (a restart into another firmware image starts it again).
    if (client !== undefined) this.#o.onClosed();
    if (client?.connected === true) {
      // The goodbye is QoS 1: a link that dies before its PUBACK would leave the callback waiting
      // for a resend that never comes (no reconnect once stopped). Whatever comes first ends it:
      // the PUBACK, the connection closing, or the bound.
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        client.once('close', resolve);
        timer = setTimeout(resolve, goodbyeTimeoutMs);
        client.publish(deviceTopic(this.#o.meter, 'status'), this.#statusPayload('offline'), { qos: 1, retain: true }, () => {
          resolve();
        });
      });
      clearTimeout(timer);
      // A graceful end waits for in-flight publishes; on a hung link that wait is bounded too.
      await Promise.race([
        client.endAsync(!client.connected),
        new Promise((resolve) => { timer = setTimeout(resolve, goodbyeTimeoutMs); }),
      ]);
      clearTimeout(timer);
      if (!client.disconnected) client.end(true);
    } else {
      client?.end(true);
    }
  }

  #retry(reason: string): void {
    this.#o.onEvent?.({ kind: 'disconnected', reason });
    if (!this.#running) return;
    const delay = this.#backoff.next();
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      if (this.#policy.shouldConnect(this.#o.work())) this.connect();
    }, delay);
  }

  #online(client: MqttClient, resumed: boolean): void {
    const { meter, stats } = this.#o;
    this.#client = client;
    this.#backoff.reset();
    stats.connections++;
    if (resumed) stats.resumedHandshakes++;
    this.#o.onEvent?.({ kind: 'connected', resumed });
    client.on('message', (topic, payload) => { this.#o.onMessage(topic, payload); });
    client.on('close', () => {
      if (this.#closing === client) {
        this.#closing = undefined;
        if (this.#policy.shouldConnect(this.#o.work())) this.connect();
        return;
      }
      if (this.#client !== client) return;
      this.#client = undefined;
      this.#o.onClosed();
      // A per-window link that closed after its work is done is asleep, not broken.
      if (this.#policy.afterClose(this.#o.work()) === 'asleep') return;
      this.#retry('the connection closed');
    });
    client.on('error', () => { client.end(true); });
    client.subscribe([deviceTopic(meter, 'cmd/req'), deviceTopic(meter, 'ack')], { qos: 1 }, (error) => {
      if (error !== null || this.#client !== client || !client.connected) return;
      this.announce();
      this.#o.onReady();
    });
  }
}
