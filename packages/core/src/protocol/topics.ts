// The MQTT topic namespace of phasewire (MQTT 3.1.1 §4.7: '/'-separated levels; phasewire ids
// contain no '/', '+', '#' or NUL, so an id is always exactly one level). One namespace per device:
//
//   pw/v1/<device>/up/readings   device → head-end   sealed reading batches
//   pw/v1/<device>/up/events     device → head-end   sealed events (tamper, power loss, …)
//   pw/v1/<device>/cmd/res       device → head-end   sealed command responses
//   pw/v1/<device>/status        device → head-end   online/offline (also the will message)
//   pw/v1/<device>/cmd/req       head-end → device   sealed commands
//   pw/v1/<device>/fw            head-end → device   firmware manifests
//   pw/v1/<device>/ack           head-end → device   sealed receipts: these uplink messages are committed
//
// The certificate is the identity: a device may publish and subscribe only inside its own
// namespace; a gateway also inside the namespaces of the meters registered behind it.
import { parseMeterId, type MeterId } from '../ids.ts';

export const topicRoot = 'pw/v1';

export type UplinkChannel = 'up/readings' | 'up/events' | 'cmd/res' | 'status';
export type DownlinkChannel = 'cmd/req' | 'fw' | 'ack';
export type Channel = UplinkChannel | DownlinkChannel;

const uplink: ReadonlySet<string> = new Set<UplinkChannel>(['up/readings', 'up/events', 'cmd/res', 'status']);
const downlink: ReadonlySet<string> = new Set<DownlinkChannel>(['cmd/req', 'fw', 'ack']);

export function deviceTopic(device: MeterId, channel: Channel): string {
  return `${topicRoot}/${device}/${channel}`;
}

export interface ParsedTopic {
  readonly device: MeterId;
  readonly channel: Channel;
  readonly direction: 'uplink' | 'downlink';
}

/** Parses a concrete topic (no wildcards); undefined when it is not one of phasewire's. */
export function parseTopic(topic: string): ParsedTopic | undefined {
  if (!topic.startsWith(`${topicRoot}/`)) return undefined;
  const rest = topic.slice(topicRoot.length + 1);
  const slash = rest.indexOf('/');
  if (slash < 0) return undefined;
  const channel = rest.slice(slash + 1);
  let device: MeterId;
  try {
    device = parseMeterId(rest.slice(0, slash));
  } catch {
    return undefined;
  }
  if (uplink.has(channel)) return { device, channel: channel as Channel, direction: 'uplink' };
  if (downlink.has(channel)) return { device, channel: channel as Channel, direction: 'downlink' };
  return undefined;
}

/**
 * Whether a client authenticated as `client` (its certificate's device id) may publish to `topic`:
 * only uplink channels of its own namespace or of a meter registered behind it (`behind`, for a
 * gateway).
 */
export function mayPublish(client: MeterId, topic: string, behind: ReadonlySet<MeterId> = new Set()): boolean {
  const parsed = parseTopic(topic);
  return parsed !== undefined && parsed.direction === 'uplink' && (parsed.device === client || behind.has(parsed.device));
}

/**
 * Whether `client` may subscribe to `filter`: a concrete downlink topic of its own namespace (or of a
 * meter behind it), or `pw/v1/<own id>/cmd/req`-style filters with no wildcard outside its namespace.
 * Wildcards are allowed only as the channel of one's own namespace (`pw/v1/<id>/#`).
 */
export function maySubscribe(client: MeterId, filter: string, behind: ReadonlySet<MeterId> = new Set()): boolean {
  const allowed = (device: string): boolean => device === client || behind.has(device as MeterId);
  const wildcard = /^pw\/v1\/([^/+#]+)\/#$/.exec(filter);
  if (wildcard !== null) return allowed(wildcard[1] ?? '');
  const parsed = parseTopic(filter);
  return parsed !== undefined && parsed.direction === 'downlink' && allowed(parsed.device);
}

/** Whether `prefix` can start a topic name: not empty, no wildcards or U+0000 (MQTT 5.0 §4.7.1, §4.7.3), no leading or trailing '/'. */
export const isTopicPrefix = (prefix: string): boolean =>
  prefix !== '' && !/[#+]/.test(prefix) && !prefix.includes(String.fromCharCode(0)) && !prefix.startsWith('/') && !prefix.endsWith('/');
