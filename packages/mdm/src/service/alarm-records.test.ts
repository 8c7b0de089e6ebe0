import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseMeterId } from '@phasewire/core';
import { newAlarm, stepAlarm } from '../alarms/lifecycle/alarm-lifecycle.ts';
import { defaultLifecycle } from '../alarms/alarm-rules.ts';
import { notificationOf } from '../alarms/notification.ts';
import { alarmView, notificationOfRecord, parseAlarmId, recordOfAlarm } from './alarm-records.ts';

const meter = parseMeterId('meter-0001');
const t0 = Date.UTC(2026, 0, 5);

describe('alarm records', () => {
  it('names an occurrence <meter>:<type>:<occurrence> and parses the name back', () => {
    const alarm = { ...newAlarm(meter, 'phase-loss'), occurrence: 3, state: 'raised' as const, severity: 'critical' as const, raisedAt: t0,
      value: 0.2, peak: 0.1 };
    const record = recordOfAlarm(alarm);
    assert.equal(record?.id, 'meter-0001:phase-loss:3');
    assert.deepEqual(parseAlarmId('meter-0001:phase-loss:3'), { meter, type: 'phase-loss', occurrence: 3 });
    assert.equal(alarmView(record).raisedAt, '2026-01-05T00:00:00.000Z');
  });

  it('reports every ratio in percent with its unit, a power factor as it is and counts in intervals, in the view, the notifications '
    + 'and the reasons', () => {
    const raise = (type: 'voltage-unbalance' | 'current-unbalance' | 'low-power-factor' | 'meter-silent', value: number) =>
      stepAlarm(newAlarm(meter, type), { kind: 'level', at: t0, level: 'warn', value, direction: 'above' }, defaultLifecycle);
    const vuf = raise('voltage-unbalance', 0.026499999999999996);
    const record = recordOfAlarm(vuf.alarm);
    assert.ok(record !== null && vuf.transition !== null);
    assert.deepEqual([alarmView(record).value, alarmView(record).peak, alarmView(record).unit], [2.65, 2.65, '%']);
    assert.equal(vuf.transition.reason, 'raised at warn (2.65 %)');
    assert.deepEqual([notificationOf(vuf.transition).value, notificationOf(vuf.transition).unit], [2.65, '%']);
    const stored = { seq: 1, notified: false, alarm: record, from: 'normal', at: t0, reason: vuf.transition.reason };
    assert.deepEqual(notificationOfRecord(stored), notificationOf(vuf.transition));
    // A 200 % current unbalance is 200, never mistaken for 2 %.
    const current = recordOfAlarm(raise('current-unbalance', 2).alarm);
    assert.deepEqual(current === null ? null : [alarmView(current).value, alarmView(current).unit], [200, '%']);
    const pf = recordOfAlarm(raise('low-power-factor', 0.85).alarm);
    assert.deepEqual(pf === null ? null : [alarmView(pf).value, alarmView(pf).unit], [0.85, '1']);
    const silent = raise('meter-silent', 5);
    assert.deepEqual([silent.transition?.reason, recordOfAlarm(silent.alarm)?.value], ['raised at warn (5 intervals)', 5]);
  });

  it('has no record before the first raise', () => {
    assert.equal(recordOfAlarm(newAlarm(meter, 'phase-loss')), null);
  });

  for (const bad of ['meter-0001:phase-loss', 'meter-0001:phase-loss:0', 'meter-0001:no-such-alarm:1', 'meter-0001:phase-loss:1:2',
    'meter-0001:phase-loss:01']) {
    it(`refuses ${JSON.stringify(bad)} as an alarm id`, () => {
      assert.equal(parseAlarmId(bad), undefined);
    });
  }
});
