// The server's own alarm notifications on its embedded broker (mdm.mqttNotify pointing at it): the
// one client holding the server's own client certificate may publish, and subscribe, under the
// notifications' topic prefix, and nowhere else. Devices never reach these topics: their namespace
// rule (topic-authorisation.ts) keeps them in their own.
import { isTopicPrefix } from '@phasewire/core';

export interface AlarmChannel {
  /** SHA-256 (hex) of the DER certificate the server's notifier connects with. */
  readonly fingerprint: string;
  /** mdm.mqttNotify.topicPrefix. */
  readonly topicPrefix: string;
}

/** Whether a topic name or filter lies under the prefix: `<prefix>/…` (MQTT 3.1.1 §4.7). */
export function underAlarmPrefix(channel: AlarmChannel, topic: string): boolean {
  return isTopicPrefix(channel.topicPrefix) && topic.startsWith(`${channel.topicPrefix}/`) && topic.length > channel.topicPrefix.length + 1;
}
