// Alarm notifications over MQTT: each transition is published as JSON to
// `<prefix>/<meter>/<alarm type>`, QoS 1 by default, so that dashboards and other systems subscribe
// with a wildcard (`phasewire/alarms/#`, or `phasewire/alarms/+/voltage-unbalance`). With `retain`
// the broker keeps the latest state of each alarm for a subscriber that connects later.
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { ConfigError, TransportError } from '@phasewire/core';
import { alarmTopic, type AlarmNotification, type AlarmNotifier } from '../../mdm/alarms/notification.ts';

export interface MqttNotifierOptions {
  /** Topic prefix, without a trailing '/' or wildcards (default `phasewire/alarms`). */
  readonly topicPrefix?: string;
  readonly qos?: 0 | 1 | 2;
  readonly retain?: boolean;
}

export class MqttNotifier implements AlarmNotifier {
  readonly #client: MqttClient;
  readonly #prefix: string;
  readonly #qos: 0 | 1 | 2;
  readonly #retain: boolean;
  readonly #owned: boolean;

  /** Publishes through a client the caller connected (and closes). */
  constructor(client: MqttClient, options: MqttNotifierOptions = {}, owned = false) {
    this.#client = client;
    this.#prefix = topicPrefix(options);
    this.#qos = options.qos ?? 1;
    this.#retain = options.retain ?? false;
    this.#owned = owned;
  }

  /** Connects to a broker (`mqtt://`, `mqtts://`) and publishes through that connection; `close` ends it. */
  static async connect(url: string, options: MqttNotifierOptions & { readonly client?: IClientOptions } = {}): Promise<MqttNotifier> {
    if (!/^mqtts?:\/\//.test(url)) {
      throw new ConfigError('PW_ERR_NOTIFY_CONFIG', `Cannot set up the MQTT notifier for ${JSON.stringify(url)}: expected an mqtt:// or mqtts:// URL`);
    }
    topicPrefix(options);
    try {
      const client = await mqtt.connectAsync(url, { protocolVersion: 5, reconnectPeriod: 1_000, connectTimeout: 10_000, ...options.client });
      return new MqttNotifier(client, options, true);
    } catch (error) {
      throw new TransportError('PW_ERR_NOTIFY_FAILED', `Cannot connect the MQTT notifier to ${url}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }

  async notify(notification: AlarmNotification): Promise<void> {
    const topic = alarmTopic(this.#prefix, notification);
    try {
      await this.#client.publishAsync(topic, JSON.stringify(notification), { qos: this.#qos, retain: this.#retain });
    } catch (error) {
      throw new TransportError('PW_ERR_NOTIFY_FAILED', `Cannot publish alarm notification ${notification.id} to ${topic}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }

  async close(): Promise<void> {
    if (this.#owned) await this.#client.endAsync();
  }
}

/** The checked prefix: a topic name has no wildcards and no U+0000 (MQTT 5.0 §4.7.1, §4.7.3). */
function topicPrefix(options: MqttNotifierOptions): string {
  const prefix = options.topicPrefix ?? 'phasewire/alarms';
  if (prefix === '' || /[#+]/.test(prefix) || prefix.includes(String.fromCharCode(0)) || prefix.startsWith('/') || prefix.endsWith('/')) {
    throw new ConfigError('PW_ERR_NOTIFY_CONFIG', `Cannot set up the MQTT notifier: topic prefix ${JSON.stringify(prefix)} is not a valid topic name (no wildcards, no leading or trailing '/')`);
  }
  return prefix;
}
