// Home Assistant over MQTT (config `homeAssistant`, docs/operations.md): every meter of the
// registry is announced by retained discovery messages (api/home-assistant.ts builds them, after
// https://www.home-assistant.io/integrations/mqtt/#mqtt-discovery), its latest committed values are
// published as one retained state message, and its availability follows its link to the head-end.
// The publisher's own availability (`<prefix>/status`) is its MQTT will: when the server dies or
// loses the broker, Home Assistant marks every meter unavailable.
//
// The client connects and reconnects in the background (a broker that is down never delays the
// server's start) and announces everything again on each connect, so a broker that lost its
// retained messages is filled again. States are QoS 0 and dropped while disconnected (the next
// commit, or the next connect, brings the latest); discovery and availability are QoS 1. A broker
// that refuses the connection (a wrong password, or "server unavailable" while it starts) is tried
// again like one that is down, and each error is logged once until the next connect, not every 2 s.
// Closing waits for the broker's ack of the offline status at most `closeGraceMs`: a broker that has
// stopped answering does not hold up the server's shutdown (its will says offline then). A meter's
// state is sent when its last one is written: commits that come faster than the socket takes them
// are folded into the latest, not queued one message (and one drain listener) each.
import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { ConfigError } from '@phasewire/core';
import type { MeterId, Snapshot } from '@phasewire/core';
import {
  haAvailabilityMessage, haAvailable, haBridgeTopic, haDiscoveryMessages, haNotAvailable, haStateMessage,
} from '@phasewire/api';
import type { HaMessage, HomeAssistantTopics } from '@phasewire/api';
import { tlsClientOptions, tlsIdentity, tlsTrust } from '@phasewire/secure/node';
import type { TlsIdentity } from '@phasewire/secure/node';
import type { HomeAssistantConfig } from '../server-config.ts';
import { inData } from './data-directory.ts';
import type { ServerContext, StartedService } from './phasewire-server.ts';

/** MQTT 3.1.1 §3.1.2.2: protocol level 4, which every broker (HA's Mosquitto add-on included) speaks. */
const mqtt311 = 4;
const swVersion = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
const closeGraceMs = 3_000;

export interface HomeAssistantPublisherOptions {
  readonly url: string;
  readonly topics: HomeAssistantTopics;
  /** TLS, credentials and the rest, handed to mqtt.js as they are. */
  readonly client: IClientOptions;
  /** The meters to announce now (the registry's). */
  readonly meters: () => readonly { readonly meter: MeterId; readonly model: string | null }[];
  readonly online: (meter: MeterId) => boolean;
  /** The meter's latest stored values (OBIS code → value), for the state after a connect. */
  readonly latest: (meter: MeterId) => Promise<ReadonlyMap<string, number>>;
  readonly onError: (message: string) => void;
}

export class HomeAssistantPublisher {
  readonly #o: HomeAssistantPublisherOptions;
  readonly #client: MqttClient;
  /** The latest value of every quantity of every meter seen since start. */
  readonly #values = new Map<MeterId, Map<string, number>>();
  readonly #announced = new Set<MeterId>();
  /** The errors logged since the last connect: a broker that stays down is said once, not at each retry. */
  readonly #said = new Set<string>();
  /** Meters whose state message is not written yet, and those of them with newer values meanwhile. */
  readonly #writing = new Set<MeterId>();
  readonly #newer = new Set<MeterId>();

  private constructor(options: HomeAssistantPublisherOptions) {
    this.#o = options;
    const bridge = haBridgeTopic(options.topics);
    this.#client = mqtt.connect(options.url, {
      protocolVersion: mqtt311, reconnectPeriod: 2_000, connectTimeout: 10_000, queueQoSZero: false, reconnectOnConnackError: true,
      will: { topic: bridge, payload: Buffer.from(haNotAvailable), qos: 1, retain: true },
      ...options.client,
    });
    this.#client.on('error', (error) => {
      const message = `Home Assistant broker ${options.url}: ${error.message}`;
      if (this.#said.has(message)) return;
      this.#said.add(message);
      options.onError(`${message} (retrying every 2 s; said once until connected)`);
    });
    this.#client.on('connect', () => {
      this.#said.clear();
      this.#writing.clear();
      this.#newer.clear();
      void this.#announceAll();
    });
  }

  static start(options: HomeAssistantPublisherOptions): HomeAssistantPublisher {
    return new HomeAssistantPublisher(options);
  }

  get connected(): boolean {
    return this.#client.connected;
  }

  /** Committed readings: the state of each meter in them, with its latest value of every quantity. */
  committed(snapshots: readonly Snapshot[]): void {
    const touched = new Set<MeterId>();
    for (const snapshot of snapshots) {
      const values = this.#values.get(snapshot.meter) ?? new Map<string, number>();
      for (const [quantity, value] of snapshot.values) values.set(quantity, value);
      this.#values.set(snapshot.meter, values);
      touched.add(snapshot.meter);
    }
    if (!this.#client.connected) return;
    for (const meter of touched) {
      if (!this.#announced.has(meter)) { void this.#announce(meter, null); continue; }
      this.#sendState(meter);
    }
  }

  /** The meter's latest state, once its previous state message is written (see the head of this file). */
  #sendState(meter: MeterId): void {
    if (this.#writing.has(meter)) { this.#newer.add(meter); return; }
    const state = haStateMessage(this.#o.topics, meter, this.#values.get(meter) ?? new Map());
    if (state === undefined) return;
    this.#writing.add(meter);
    this.#client.publish(state.topic, state.payload, { qos: 0, retain: true }, (error) => {
      this.#writing.delete(meter);
      if (error instanceof Error) this.#o.onError(`Cannot publish ${state.topic} to Home Assistant: ${error.message}`);
      if (this.#newer.delete(meter) && this.#client.connected) this.#sendState(meter);
    });
  }

  /** A meter's link went up or down. */
  status(meter: MeterId, online: boolean): void {
    if (!this.#client.connected) return;
    if (!this.#announced.has(meter)) { void this.#announce(meter, null); return; }
    this.#publish(haAvailabilityMessage(this.#o.topics, meter, online), 1);
  }

  async close(): Promise<void> {
    if (this.#client.connected) {
      // Said, not left to the will: a broker publishes the will only when the connection is lost.
      const offline = { qos: 1, retain: true } as const;
      const said = this.#client.publishAsync(haBridgeTopic(this.#o.topics), haNotAvailable, offline).catch(() => undefined);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([said, new Promise((resolve) => { timer = setTimeout(resolve, closeGraceMs); })]);
      clearTimeout(timer);
    }
    // Forced: a graceful end waits for the acks of the messages in flight, which a broker that stopped answering never sends.
    await this.#client.endAsync(true);
  }

  async #announceAll(): Promise<void> {
    this.#announced.clear();
    const meters = this.#o.meters();
    await Promise.all(meters.map(({ meter, model }) => this.#announce(meter, model)));
    this.#publish({ topic: haBridgeTopic(this.#o.topics), payload: haAvailable }, 1);
  }

  /** Discovery, availability and the latest state of one meter. */
  async #announce(meter: MeterId, model: string | null): Promise<void> {
    this.#announced.add(meter);
    const modelOf = model ?? this.#o.meters().find((entry) => entry.meter === meter)?.model ?? null;
    for (const message of haDiscoveryMessages(this.#o.topics, { meter, ...(modelOf === null ? {} : { model: modelOf }) }, swVersion)) {
      this.#publish(message, 1);
    }
    this.#publish(haAvailabilityMessage(this.#o.topics, meter, this.#o.online(meter)), 1);
    let values = this.#values.get(meter);
    if (values === undefined) {
      try {
        values = new Map(await this.#o.latest(meter));
        // Readings committed while the store answered are newer than what it returned.
        for (const [quantity, value] of this.#values.get(meter) ?? []) values.set(quantity, value);
        this.#values.set(meter, values);
      } catch (error) {
        this.#o.onError(`Cannot read the latest values of ${meter} for Home Assistant: ${(error as Error).message}`);
        return;
      }
    }
    const state = haStateMessage(this.#o.topics, meter, values);
    if (state !== undefined) this.#publish(state, 0);
  }

  #publish(message: HaMessage, qos: 0 | 1): void {
    this.#client.publish(message.topic, message.payload, { qos, retain: true }, (error) => {
      // mqtt.js passes null, not undefined, for a publish that went through (its type says otherwise).
      if (error instanceof Error) this.#o.onError(`Cannot publish ${message.topic} to Home Assistant: ${error.message}`);
    });
  }
}

async function readPem(dataDir: string, file: string, field: string): Promise<string> {
  try {
    return await readFile(inData(dataDir, file), 'utf8');
  } catch (error) {
    throw new ConfigError('PW_ERR_SERVER_CONFIG', `Cannot read ${field} ${JSON.stringify(file)} for Home Assistant: `
      + `${(error as Error).message}; expected a readable PEM file`, { cause: error });
  }
}

/** mqtt.js's options for the configured broker: TLS 1.3 under the phasewire policy, the user and the password from the environment. */
async function clientOptions(config: HomeAssistantConfig, context: ServerContext): Promise<IClientOptions> {
  let credentials: { username: string; password: string } | undefined;
  if (config.credentials !== undefined) {
    const password = context.env[config.credentials.passwordEnv];
    if (password === undefined || password === '') {
      throw new ConfigError('PW_ERR_SERVER_CONFIG', `Cannot use the server configuration: homeAssistant.passwordEnv names `
        + `${config.credentials.passwordEnv}, which is not set; expected the environment variable that holds the broker password`);
    }
    credentials = { username: config.credentials.username, password };
  }
  const clientId = `phasewire-ha-${config.topicPrefix.replace(/[^a-zA-Z0-9_-]/g, '_')}`.slice(0, 23);
  if (config.url.startsWith('mqtt://')) return { clientId, ...credentials };
  let identity: TlsIdentity | undefined;
  if (config.certificate !== undefined && config.key !== undefined) {
    const [chain, key] = await Promise.all([
      readPem(context.dataDir, config.certificate, 'homeAssistant.certificate'), readPem(context.dataDir, config.key, 'homeAssistant.key'),
    ]);
    identity = tlsIdentity(chain, key);
  }
  const trust = config.caFile === undefined
    ? context.trust
    : tlsTrust(await readPem(context.dataDir, config.caFile, 'homeAssistant.caFile'));
  const tls = tlsClientOptions(identity, trust);
  // mqtt.js hands these to tls.connect; its IClientOptions type does not list secureContext.
  return {
    clientId, ...credentials, rejectUnauthorized: true,
    secureContext: tls.secureContext, minVersion: tls.minVersion, maxVersion: tls.maxVersion,
  } as IClientOptions;
}

/** The server's Home Assistant service: started when `homeAssistant` is configured. */
export async function startHomeAssistant(context: ServerContext): Promise<StartedService> {
  const config = context.config.homeAssistant;
  if (config === undefined) return { summary: 'Home Assistant          off', close: () => Promise.resolve() };
  const { headEnd, store } = context;
  const isMeter = (id: string): boolean => headEnd.registry.get(id)?.kind === 'meter';
  const publisher = HomeAssistantPublisher.start({
    url: config.url,
    topics: { discoveryPrefix: config.discoveryPrefix, topicPrefix: config.topicPrefix },
    client: await clientOptions(config, context),
    meters: () => headEnd.registry.list().filter((r) => r.kind === 'meter' && r.state !== 'revoked')
      .map((r) => ({ meter: r.id as MeterId, model: r.model })),
    online: (meter) => headEnd.activity.get(meter)?.online === true,
    latest: async (meter) => new Map((await store.latest(meter)).map((r) => [r.quantity, r.value] as const)),
    onError: (message) => { context.log({ level: 'warn', msg: message }); },
  });
  const stops = [
    headEnd.ingest.onCommitted((snapshots) => { publisher.committed(snapshots); }),
    headEnd.onDeviceStatus((status) => { if (isMeter(status.id)) publisher.status(status.id as MeterId, status.online); }),
  ];
  return {
    summary: `Home Assistant          ${config.url} (discovery ${config.discoveryPrefix}/sensor/…, states ${config.topicPrefix}/…)`,
    async close() {
      for (const stop of stops) stop();
      await publisher.close();
    },
  };
}
