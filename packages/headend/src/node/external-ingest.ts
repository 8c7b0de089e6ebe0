// External-broker mode: Mosquitto terminates TLS 1.3 with mutual authentication and enforces the
// namespace through its ACL (mosquitto-config.ts); this process is an ingest client on a shared
// subscription ($share/ingest/…, QoS 1, persistent session), so any number of workers share the
// uplink and a message is PUBACKed to the broker only after its readings are committed. The sealed
// `ack` goes back through the broker as in the embedded mode.
//
// The broker does not tell the client which certificate published a message. The ACL lets only a
// meter itself, or the gateway it is registered behind, publish on its topics, so the envelope's
// device is the registry's gateway of the topic's meter when it has one, the meter otherwise.
import { parseTopic } from '@phasewire/core';
import type { Clock } from '@phasewire/core';
import type { DeviceId } from '@phasewire/secure';
import { tlsClientOptions } from '@phasewire/secure/node';
import type { MqttTlsEndpoint } from '@phasewire/secure/node';
import { SecurityError } from '@phasewire/core';
import type { HeadEndLog } from '../head-end-log.ts';
import type { DeviceRegistry } from '../registry.ts';
import type { Commands } from './commands.ts';
import type { Ingest } from './ingest.ts';
import type { SideChannels } from './side-channels.ts';
import { openIngestConnection } from './ingest-connection.ts';
import { openResilientIngest } from './resilient-ingest.ts';
import type { Backoff } from './resilient-ingest.ts';
import { externalBrokerHealth } from './broker-health.ts';

/**
 * The endpoint's identity is the ingest worker's client certificate (its CN is its user name in the
 * broker's ACL); its client id is unique per worker, the session persistent under it.
 */
export interface ExternalIngestOptions extends MqttTlsEndpoint {
  /** Makes the broker refuse the revoked device's next handshake (new CRL, reload). */
  readonly onRevoked?: (device: string) => Promise<void>;
  readonly registry: DeviceRegistry;
  readonly ingest: Ingest;
  readonly commands: Commands;
  /** Status and events (device-activity.ts); not subscribed when absent. */
  readonly sideChannels?: SideChannels;
  readonly clock: Clock;
  readonly log: HeadEndLog;
  /** The backoff of reconnects to the broker (resilient-ingest.ts). */
  readonly reconnect?: Backoff;
}

export const sharedGroup = 'ingest';
export const ingestFilters = [`$share/${sharedGroup}/pw/v1/+/up/readings`, `$share/${sharedGroup}/pw/v1/+/cmd/res`] as const;
/** The status (will included) and events channels, subscribed when the head-end records them. */
export const sideChannelFilters = [`$share/${sharedGroup}/pw/v1/+/status`, `$share/${sharedGroup}/pw/v1/+/up/events`] as const;

export async function startExternalIngest(options: ExternalIngestOptions) {
  const { registry, ingest, commands } = options;
  const tls = tlsClientOptions(options.identity, options.trust, options.servername === undefined ? {} : { servername: options.servername });
  const onMessage = async (topicText: string, payload: Buffer): Promise<void> => {
    const topic = parseTopic(topicText);
    if (topic === undefined) return;
    const record = registry.get(topic.device);
    const sender: DeviceId = record?.gateway ?? topic.device;
    if (record?.state === 'revoked' || (sender !== topic.device && registry.get(sender)?.state === 'revoked')) {
      ingest.refuse(sender, new SecurityError('PW_ERR_HEADEND_UNAUTHORISED',
        `Cannot accept a message on ${topicText}: ${sender} is revoked in the registry`));
      return;
    }
    if (record === undefined) registry.enrol({ id: topic.device, kind: 'meter' });
    options.sideChannels?.activity.seen(topic.device, options.clock.now());
    if (topic.channel === 'status' || topic.channel === 'up/events') {
      await options.sideChannels?.handle(sender, topic.device, topic.channel, payload);
      return;
    }
    if (topic.channel === 'cmd/res') { await commands.handleResponse(sender, payload, topic.device); return; }
    const outcome = await ingest.handle(sender, topic.device, payload);
    // A store failure must not be PUBACKed: the broker redelivers it.
    if (outcome.kind === 'refused' && outcome.reason === 'store-failed') throw outcome.error;
  };
  const filters = [...ingestFilters, ...(options.sideChannels === undefined ? [] : sideChannelFilters)];
  // Reopened with backoff when the broker goes away (resilient-ingest.ts); publish fails while it is down.
  const connection = await openResilientIngest({
    host: options.host, port: options.port, tls, clientId: options.clientId, onMessage, filters, log: options.log,
    ...(options.reconnect === undefined ? {} : { backoff: options.reconnect }),
  });
  return {
    port: options.port,
    publish: (topic: string, payload: Uint8Array) => connection.publish(topic, payload),
    /**
     * Takes the device's session over (same client id, clean session) and leaves at once: the broker
     * closes the device's live connection and drops its session.
     */
    async disconnect(device: string): Promise<number> {
      const takeover = await openIngestConnection({
        host: options.host, port: options.port, tls, clientId: device, clean: true, onMessage: () => Promise.resolve(),
      });
      await takeover.close();
      await options.onRevoked?.(device);
      return 1;
    },
    enforceRevocations: () => 0,
    health: externalBrokerHealth({
      host: options.host, port: options.port, tls, clientId: `${options.clientId}-probe`, ingestOpen: () => connection.isOpen(),
    }),
    async close(): Promise<void> {
      await connection.close();
    },
  };
}
