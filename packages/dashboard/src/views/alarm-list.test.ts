import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AlarmDto } from '@phasewire/api';
import { alarmValueText, mergeAlarm } from './alarm-list.ts';

const alarm = (id: string, state: AlarmDto['state']): AlarmDto => ({
  id, meter: 'm-1', type: 'voltage-unbalance', state, severity: 'warn', raisedAt: '2026-01-01T00:00:00Z', clearedAt: null,
  value: 2.4, peak: 2.9, unit: '%', acknowledgement: null,
});

describe('alarmValueText', () => {
  it('shows a value in the unit the API names, with no guessing from its size', () => {
    assert.equal(alarmValueText({ value: 2.4, peak: 2.9, unit: '%' }), '2.40 % (peak 2.90 %)');
    // A 200 % current unbalance is 200 %, and a 0.5 % one is 0.5 %.
    assert.equal(alarmValueText({ value: 200, peak: 250, unit: '%' }), '200.00 % (peak 250.00 %)');
    assert.equal(alarmValueText({ value: 0.5, peak: 0.5, unit: '%' }), '0.50 % (peak 0.50 %)');
  });
  it('shows a power factor as it is, counts in intervals, and a dash for none', () => {
    assert.equal(alarmValueText({ value: 0.8512, peak: 0.8, unit: '1' }), '0.85 (peak 0.80)');
    assert.equal(alarmValueText({ value: 5, peak: 1, unit: 'intervals' }), '5 intervals (peak 1 interval)');
    assert.equal(alarmValueText({ value: null, peak: null, unit: '1' }), '—');
  });
});

describe('mergeAlarm', () => {
  it('replaces an alarm by id and puts a new one on top', () => {
    const list = [alarm('a', 'raised'), alarm('b', 'raised')];
    assert.deepEqual(mergeAlarm(list, alarm('b', 'acknowledged')).map((a) => [a.id, a.state]), [['a', 'raised'], ['b', 'acknowledged']]);
    assert.deepEqual(mergeAlarm(list, alarm('c', 'raised')).map((a) => a.id), ['c', 'a', 'b']);
  });
});
