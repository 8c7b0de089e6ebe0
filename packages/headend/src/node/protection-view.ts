// What the head-end knows of a meter's local protection: the settings it last confirmed (the
// params of its latest protection-settings command answered ok) and its trips (sealed events of
// kind `protection-trip`, each with its sequence of events and pre-trip values), newest first.
import type { CommandLog } from './command-log.ts';
import type { DeviceActivity } from './device-activity.ts';
import type { ProtectionFleetView, ProtectionView } from '../protection-view.ts';
import { distinctTrips, type RelayStates } from './relay-states.ts';

export function protectionView(log: CommandLog, activity: DeviceActivity, relays: RelayStates, device: string,
  limit: number): ProtectionView {
  const latest = log.latestDone(device, 'protection-settings');
  const settings = latest?.params['settings'];
  const limited = log.latestDone(device, 'load-limit');
  const loadLimit = limited?.params['loadLimit'];
  const { device: _device, ...relay } = relays.get(device) ?? { device };
  const trips = distinctTrips(activity.events(device, 10 * limit).filter((event) => event.kind === 'protection-trip')
    .map((event) => ({ receivedAt: event.at, record: event.body as Record<string, unknown> })), device).slice(0, limit);
  return {
    relay: 'relay' in relay ? relay : null,
    loadLimit: limited === undefined || typeof loadLimit !== 'object' || loadLimit === null ? null : {
      version: Number((loadLimit as Record<string, unknown>)['version']), limit: loadLimit as Record<string, unknown>,
      confirmedAt: limited.record.settledAt ?? limited.record.sentAt,
    },
    settings: latest === undefined || typeof settings !== 'object' || settings === null ? null : {
      version: Number((settings as Record<string, unknown>)['version']), settings: settings as Record<string, unknown>,
      confirmedAt: latest.record.settledAt ?? latest.record.sentAt, command: latest.record.id,
    },
    trips,
  };
}

export function protectionFleetView(relays: RelayStates, limit: number, keep: (device: string) => boolean = () => true,
): ProtectionFleetView {
  return { trips: relays.trips(limit, keep), open: relays.open().filter((relay) => keep(relay.device)) };
}
