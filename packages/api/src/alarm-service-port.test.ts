import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AlarmListQuery, AlarmService } from '@phasewire/mdm';
import type { AlarmListener } from '@phasewire/mdm';
import { alarmLiveSource, alarmServicePort } from './alarm-service-port.ts';
import type { AlarmDto } from './dto.ts';
import type { LiveEvent } from './ports.ts';

const alarm = (i: number, meter: string): AlarmDto => ({
  id: `${meter}:voltage-unbalance:${i}`, meter, type: 'voltage-unbalance', state: 'raised', severity: 'warn',
  raisedAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(), clearedAt: null, value: 2, peak: 3, unit: '%', acknowledgement: null,
});

function fakeService(
  alarms: readonly AlarmDto[],
  queries: AlarmListQuery[],
): AlarmService & { emit(event: Parameters<AlarmListener>[0]): void } {
  let listener: AlarmListener | undefined;
  return {
    list(query) {
      queries.push(query);
      const start = query.cursor === undefined || query.cursor === null ? 0 : Number(query.cursor);
      const items = alarms.slice(start, start + query.limit);
      return Promise.resolve({ items, nextCursor: start + query.limit < alarms.length ? String(start + query.limit) : null });
    },
    get: (id) => Promise.resolve(alarms.find((a) => a.id === id)),
    acknowledge: (id) => Promise.resolve({ ...alarms.find((a) => a.id === id)!, state: 'acknowledged' }),
    subscribe(l) { listener = l; return () => { listener = undefined; }; },
    emit(event) { listener?.(event); },
  };
}

describe('alarm service as the API port', () => {
  it('reads every page and keeps the alarms of the given meters', async () => {
    const alarms = Array.from({ length: 2500 }, (_, i) => alarm(i, i % 5 === 0 ? 'm-mine' : 'm-other'));
    const queries: AlarmListQuery[] = [];
    const port = alarmServicePort(fakeService(alarms, queries));
    const listed = await port.list({ meters: new Set(['m-mine']), activeOnly: true, severity: 'warn' });
    assert.equal(listed.length, 500);
    assert.equal(listed.every((a) => a.meter === 'm-mine'), true);
    assert.deepEqual(queries.map((q) => [q.state, q.severity, q.cursor ?? null]),
      [['active', 'warn', null], ['active', 'warn', '1000'], ['active', 'warn', '2000']]);
  });

  it('stops at the bound of alarms read for one request', async () => {
    const queries: AlarmListQuery[] = [];
    const port = alarmServicePort(fakeService(Array.from({ length: 5000 }, (_, i) => alarm(i, 'm-mine')), queries), 2000);
    assert.equal((await port.list({ meters: new Set(['m-mine']), activeOnly: false })).length, 2000);
    assert.equal(queries.length, 2);
  });

  it('turns transitions into live alarm events until unsubscribed', () => {
    const service = fakeService([], []);
    const events: LiveEvent[] = [];
    const unsubscribe = alarmLiveSource(service).subscribe((event) => { events.push(event); });
    const view = alarm(1, 'm-mine');
    service.emit({ alarm: view, from: 'normal', at: view.raisedAt, reason: 'raised' });
    unsubscribe();
    service.emit({ alarm: view, from: 'raised', at: view.raisedAt, reason: 'cleared' });
    assert.deepEqual(events, [{ type: 'alarm', alarm: view }]);
  });
});
