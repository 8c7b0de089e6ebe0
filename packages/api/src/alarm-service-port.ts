// The MDM's alarm service (packages/mdm/src/service/alarm-service.ts) fitted to the API's AlarmPort and
// LiveSource. The service pages over every meter; the API keeps a tenant's meters only, so the
// adapter reads pages until it has them all, up to `maxAlarms` (a bound on one request's work:
// past it, the oldest alarms of a tenant are not listed).
import type { AlarmService } from '@phasewire/mdm';
import type { AlarmDto } from './dto.ts';
import type { AlarmPort, LiveSource } from './ports.ts';

export function alarmServicePort(service: AlarmService, maxAlarms = 10_000): AlarmPort {
  return {
    async list(query) {
      const found: AlarmDto[] = [];
      let cursor: string | null = null;
      let read = 0;
      do {
        const page = await service.list({
          state: query.activeOnly ? 'active' : 'all', limit: 1000,
          ...(query.meter === undefined ? {} : { meter: query.meter }),
          ...(query.severity === undefined ? {} : { severity: query.severity }),
          ...(cursor === null ? {} : { cursor }),
        });
        read += page.items.length;
        for (const alarm of page.items) if (query.meters.has(alarm.meter)) found.push(alarm);
        cursor = page.nextCursor;
      } while (cursor !== null && read < maxAlarms);
      return found;
    },
    get: (id) => service.get(id),
    acknowledge: (id, actor, note) => service.acknowledge(id, actor, note),
  };
}

/** Alarm transitions as live events (the API filters them by tenant). */
export function alarmLiveSource(service: AlarmService): LiveSource {
  return { subscribe: (listener) => service.subscribe((event) => { listener({ type: 'alarm', alarm: event.alarm }); }) };
}
