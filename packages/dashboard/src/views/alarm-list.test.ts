import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Alarm } from '../api/types.ts';
import { alarmValueText, mergeAlarm } from './alarm-list.ts';

const alarm = (id: string, state: Alarm['state']): Alarm => ({
  id, meter: 'm-1', type: 'voltage-unbalance', state, severity: 'warn', raisedAt: '2026-01-01T00:00:00Z', clearedAt: null,
  value: 0.024, peak: 0.029, acknowledgement: null,
});

describe('alarmValueText', () => {
  it('shows unbalance in percent whether it comes as a ratio or as percent', () => {
    assert.equal(alarmValueText({ type: 'voltage-unbalance', value: 0.024, peak: 0.029 }), '2.40 % (peak 2.90 %)');
    assert.equal(alarmValueText({ type: 'voltage-unbalance', value: 2.4, peak: 2.9 }), '2.40 % (peak 2.90 %)');
  });
  it('shows other values as they are, and a dash for none', () => {
    assert.equal(alarmValueText({ type: 'neutral-current', value: 12.345, peak: null }), '12.35 (peak —)');
    assert.equal(alarmValueText({ type: 'neutral-current', value: null, peak: null }), '—');
  });
});

describe('mergeAlarm', () => {
  it('replaces an alarm by id and puts a new one on top', () => {
    const list = [alarm('a', 'raised'), alarm('b', 'raised')];
    assert.deepEqual(mergeAlarm(list, alarm('b', 'acknowledged')).map((a) => [a.id, a.state]), [['a', 'raised'], ['b', 'acknowledged']]);
    assert.deepEqual(mergeAlarm(list, alarm('c', 'raised')).map((a) => a.id), ['c', 'a', 'b']);
  });
});
