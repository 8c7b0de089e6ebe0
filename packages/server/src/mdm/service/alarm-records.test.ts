import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseMeterId } from '@phasewire/core';
import { newAlarm } from '../alarms/lifecycle/alarm-lifecycle.ts';
import { alarmView, parseAlarmId, recordOfAlarm } from './alarm-records.ts';

const meter = parseMeterId('meter-0001');
const t0 = Date.UTC(2026, 0, 5);

describe('alarm records', () => {
  it('names an occurrence <meter>:<type>:<occurrence> and parses the name back', () => {
    const alarm = { ...newAlarm(meter, 'phase-loss'), occurrence: 3, state: 'raised' as const, severity: 'critical' as const, raisedAt: t0, value: 0.2, peak: 0.1 };
    const record = recordOfAlarm(alarm);
    assert.equal(record?.id, 'meter-0001:phase-loss:3');
    assert.deepEqual(parseAlarmId('meter-0001:phase-loss:3'), { meter, type: 'phase-loss', occurrence: 3 });
    assert.equal(alarmView(record).raisedAt, '2026-01-05T00:00:00.000Z');
  });

  it('has no record before the first raise', () => {
    assert.equal(recordOfAlarm(newAlarm(meter, 'phase-loss')), null);
  });

  for (const bad of ['meter-0001:phase-loss', 'meter-0001:phase-loss:0', 'meter-0001:no-such-alarm:1', 'meter-0001:phase-loss:1:2', 'meter-0001:phase-loss:01']) {
    it(`refuses ${JSON.stringify(bad)} as an alarm id`, () => {
      assert.equal(parseAlarmId(bad), undefined);
    });
  }
});
