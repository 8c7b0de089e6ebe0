// Alarm notifications over MQTT: each transition is published as JSON to
// `<prefix>/<meter>/<alarm type>`, QoS 1 by default, so that dashboards and other systems subscribe
// with a wildcard (`phasewire/alarms/#`, or `phasewire/alarms/+/voltage-unbalance`). With `retain`
// the broker keeps the latest state of each alarm for a subscriber that connects later.
//
// `connect` waits for the broker; `open` (the server's, from mdm.mqttNotify) does not: its client
// connects and reconnects in the background, so a broker that is down delays notifications, never
// the server's start. While it is not connected, or when a PUBACK does not come in time, `notify`
// fails at once and the notifier's queue in the outbox tries the transition again after its backoff
// (at least once). Stopping the service aborts a publish waiting for its PUBACK.
//
// The client speaks MQTT 3.1.1 (protocol level 4): every broker accepts it, the server's embedded
// one included, which speaks nothing newer; a notification uses nothing of MQTT 5.
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { ConfigError, isTopicPrefix, TransportError } from '@phasewire/core';
import { alarmTopic, type AlarmDelivery, type AlarmNotification, type AlarmNotifier } from '../alarms/notification.ts';

export interface MqttNotifierOptions {
  /** Topic prefix, without a trailing '/' or wildcards (default `phasewire/alarms`). */
  readonly topicPrefix?: string;
  readonly qos?: 0 | 1 | 2;
  readonly retain?: boolean;
  /** How long a publish may wait for its PUBACK before it counts as failed (default 10 s). */
  readonly publishTimeoutMs?: number;
}

/** MQTT 3.1.1 §3.1.2.2: protocol level 4. */
const mqtt311 = 4;

export class MqttNotifier implements AlarmNotifier {
  readonly name: string;
  readonly #client: MqttClient;
  readonly #prefix: string;
  readonly #qos: 0 | 1 | 2;
  readonly #retain: boolean;
  readonly #owned: boolean;
  readonly #timeoutMs: number;
  #lastError: Error | undefined;

  /** Publishes through a client the caller connected (and closes). */
  constructor(client: MqttClient, options: MqttNotifierOptions = {}, owned = false) {
    this.#client = client;
    const { protocol, hostname, port } = client.options;
    this.name = `mqtt ${protocol ?? 'mqtt'}://${hostname ?? ''}${port === undefined ? '' : `:${port}`}`;
    this.#prefix = topicPrefix(options);
    this.#qos = options.qos ?? 1;
    this.#retain = options.retain ?? false;
    this.#owned = owned;
    this.#timeoutMs = options.publishTimeoutMs ?? 10_000;
    // An 'error' event without a listener would throw; the error is kept for the next failed notify.
    client.on('error', (error) => { this.#lastError = error; });
    client.on('connect', () => { this.#lastError = undefined; });
  }

  /** A notifier whose connection is made, and remade, in the background; `close` ends it. */
  static open(url: string, options: MqttNotifierOptions & { readonly client?: IClientOptions } = {}): MqttNotifier {
    checkUrl(url);
    topicPrefix(options);
    const client = mqtt.connect(url, { protocolVersion: mqtt311, reconnectPeriod: 2_000, connectTimeout: 10_000, ...options.client });
    return new MqttNotifier(client, options, true);
  }

  /** Whether the client is connected to the broker now. */
  get connected(): boolean {
    return this.#client.connected;
  }

  /** Connects to a broker (`mqtt://`, `mqtts://`) and publishes through that connection; `close` ends it. */
  static async connect(url: string, options: MqttNotifierOptions & { readonly client?: IClientOptions } = {}): Promise<MqttNotifier> {
    checkUrl(url);
    topicPrefix(options);
    try {
      const client =
        await mqtt.connectAsync(url, { protocolVersion: mqtt311, reconnectPeriod: 1_000, connectTimeout: 10_000, ...options.client });
      return new MqttNotifier(client, options, true);
    } catch (error) {
      throw new TransportError('PW_ERR_NOTIFY_FAILED',
        `Cannot connect the MQTT notifier to ${url}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }

  async notify(notification: AlarmNotification, { signal }: AlarmDelivery): Promise<void> {
    const topic = alarmTopic(this.#prefix, notification);
    if (!this.#client.connected) {
      const why = this.#lastError === undefined ? '' : ` (last error: ${this.#lastError.message})`;
      throw new TransportError('PW_ERR_NOTIFY_FAILED', `Cannot publish alarm notification ${notification.id} to ${topic}: the client is `
        + `not connected to the broker${why}; expected a connection, it is retried in the background`);
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    let onAbort: (() => void) | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => { reject(new Error(`no PUBACK within ${this.#timeoutMs} ms`)); }, this.#timeoutMs);
      onAbort = () => { reject(new Error('the service is stopping')); };
      signal.addEventListener('abort', onAbort);
      if (signal.aborted) onAbort();
    });
    try {
      await Promise.race([this.#client.publishAsync(topic, JSON.stringify(notification), { qos: this.#qos, retain: this.#retain }),
        timeout]);
    } catch (error) {
      throw new TransportError('PW_ERR_NOTIFY_FAILED', `Cannot publish alarm notification ${notification.id} `
        + `to ${topic}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    } finally {
      clearTimeout(timer);
      if (onAbort !== undefined) signal.removeEventListener('abort', onAbort);
    }
  }

  async close(): Promise<void> {
    // Forced: a client still reconnecting to a broker that is down would otherwise wait for it.
    if (this.#owned) await this.#client.endAsync(!this.#client.connected);
  }
}

function checkUrl(url: string): void {
  if (!/^mqtts?:\/\//.test(url)) {
    throw new ConfigError('PW_ERR_NOTIFY_CONFIG',
      `Cannot set up the MQTT notifier for ${JSON.stringify(url)}: expected an mqtt:// or mqtts:// URL`);
  }
}

/** The checked prefix (core's topics.ts, isTopicPrefix). */
function topicPrefix(options: MqttNotifierOptions): string {
  const prefix = options.topicPrefix ?? 'phasewire/alarms';
  if (!isTopicPrefix(prefix)) {
    throw new ConfigError('PW_ERR_NOTIFY_CONFIG', `Cannot set up the MQTT notifier: topic prefix ${JSON.stringify(prefix)} is not a valid `
      + `topic name (no wildcards, no leading or trailing '/')`);
  }
  return prefix;
}
