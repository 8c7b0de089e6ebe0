// Configuration of an external Mosquitto (Debian's 2.0.11) for phasewire: the same transport and
// namespace rules as the embedded broker. TLS 1.3 only with TLS_AES_256_GCM_SHA384 (SECURITY.md,
// transport), a client certificate required and its CN taken as the user name (the certificate is
// the identity), the CRL enforced, an ACL built from core's namespace rule, persistence on.
// mosquitto.conf(5) names every option used here.
import { topicRoot } from '@phasewire/core';
import type { UplinkChannel, DownlinkChannel } from '@phasewire/core';

export interface MosquittoFiles {
  readonly cafile: string;
  readonly certfile: string;
  readonly keyfile: string;
  readonly crlfile: string;
  readonly aclfile: string;
  /** Directory of mosquitto.db (with a trailing slash, as mosquitto.conf(5) asks). */
  readonly persistenceLocation: string;
}

export interface MosquittoConfigOptions {
  readonly port: number;
  readonly host: string;
  readonly files: MosquittoFiles;
  /** Room for a burst of uplink queued for the ingest's persistent session. */
  readonly maxQueuedMessages?: number;
  /** QoS 1 messages in flight to one client; the ingest's group commit needs many. */
  readonly maxInflightMessages?: number;
  /** Run as root (tests in a container) instead of dropping to the mosquitto user. */
  readonly user?: string;
  /** Largest MQTT packet a client may send, as its remaining length (MQTT 3.1.1 §2.2.3), bytes; no limit when absent. */
  readonly maxPacketBytes?: number;
  /** Connections open at once on the listener; no limit when absent. Mosquitto has no limit per address. */
  readonly maxConnections?: number;
}

/** MQTT 3.1.1 §2.2: a fixed header is one type byte and at most four bytes of remaining length. */
const maxFixedHeaderBytes = 5;

export function mosquittoConfig(options: MosquittoConfigOptions): string {
  const { files } = options;
  return [
    '# phasewire external broker (generated: edit the generator, not this file)',
    ...(options.user === undefined ? [] : [`user ${options.user}`]),
    'per_listener_settings false',
    'allow_anonymous false',
    `acl_file ${files.aclfile}`,
    'persistence true',
    `persistence_location ${files.persistenceLocation}`,
    `max_queued_messages ${options.maxQueuedMessages ?? 1_000_000}`,
    `max_inflight_messages ${options.maxInflightMessages ?? 1000}`,
    // mosquitto.conf(5): max_packet_size counts the whole packet and disconnects a client that sends more.
    ...(options.maxPacketBytes === undefined ? [] : [`max_packet_size ${options.maxPacketBytes + maxFixedHeaderBytes}`]),
    'log_type error',
    'log_type warning',
    'log_type notice',
    // 'Reloading config.' is logged at this level: the head-end waits for it after a SIGHUP.
    'log_type information',
    'log_dest stderr',
    `listener ${options.port} ${options.host}`,
    ...(options.maxConnections === undefined ? [] : [`max_connections ${options.maxConnections}`]),
    `cafile ${files.cafile}`,
    `certfile ${files.certfile}`,
    `keyfile ${files.keyfile}`,
    `crlfile ${files.crlfile}`,
    'require_certificate true',
    'use_identity_as_username true',
    'tls_version tlsv1.3',
    'ciphers_tls1.3 TLS_AES_256_GCM_SHA384',
    '',
  ].join('\n');
}

const uplink: readonly UplinkChannel[] = ['up/readings', 'up/events', 'cmd/res', 'status'];
const downlink: readonly DownlinkChannel[] = ['cmd/req', 'fw', 'ack'];

export interface AclOptions {
  /** The ingest workers' user names (their certificates' CN). */
  readonly ingestUsers: readonly string[];
  /** Each gateway and the meters registered behind it. */
  readonly gateways: readonly { readonly gateway: string; readonly meters: readonly string[] }[];
}

/**
 * The ACL: every device writes its own uplink channels and reads its own downlink channels
 * (`pattern` with %u, the certificate's CN); a gateway also those of its meters; the ingest reads all
 * uplink and writes all downlink. Anything else is denied (mosquitto denies what no line allows).
 */
export function mosquittoAcl(options: AclOptions): string {
  const own = (who: string): string[] => [
    ...uplink.map((channel) => `${who === '%u' ? 'pattern' : 'topic'} write ${topicRoot}/${who}/${channel}`),
    ...downlink.map((channel) => `${who === '%u' ? 'pattern' : 'topic'} read ${topicRoot}/${who}/${channel}`),
  ];
  const lines: string[] = ['# phasewire namespace ACL (generated)'];
  for (const user of options.ingestUsers) {
    lines.push(`user ${user}`, ...uplink.map((channel) => `topic read ${topicRoot}/+/${channel}`),
      ...downlink.map((channel) => `topic write ${topicRoot}/+/${channel}`));
  }
  for (const { gateway, meters } of options.gateways) {
    lines.push(`user ${gateway}`, ...meters.flatMap((meter) => own(meter)));
  }
  lines.push('', '# every device, its own namespace', ...own('%u'), '');
  return lines.join('\n');
}
