// What the head-end knows of a meter's local protection: the settings it last confirmed (the
// params of its latest protection-settings command answered ok) and its trips (sealed events of
// kind `protection-trip`, each with its sequence of events and pre-trip values), newest first.
import type { CommandLog } from './command-log.ts';
import type { DeviceActivity } from './device-activity.ts';
import type { ProtectionView } from '../protection-view.ts';

export function protectionView(log: CommandLog, activity: DeviceActivity, device: string, limit: number): ProtectionView {
  const latest = log.latestDone(device, 'protection-settings');
  const settings = latest?.params['settings'];
  const trips = activity.events(device, 10 * limit).filter((event) => event.kind === 'protection-trip').slice(0, limit)
    .map((event) => ({ receivedAt: event.at, record: event.body as Record<string, unknown> }));
  return {
    settings: latest === undefined || typeof settings !== 'object' || settings === null ? null : {
      version: Number((settings as Record<string, unknown>)['version']), settings: settings as Record<string, unknown>,
      confirmedAt: latest.record.settledAt ?? latest.record.sentAt, command: latest.record.id,
    },
    trips,
  };
}
