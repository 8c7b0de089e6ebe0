import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseMeterId, ValidationError } from '@phasewire/core';
import { newAlarm, stepAlarm, type Alarm, type AlarmEvent } from './alarm-lifecycle.ts';
import { defaultLifecycle, type AlarmLevel } from '../alarm-rules.ts';

const meter = parseMeterId('meter-0007');
const policy = { escalateAfterMs: 60 * 60_000, reopenWithinMs: 30 * 60_000 };
const level = (at: number, l: AlarmLevel, value = 0.025): AlarmEvent => ({ kind: 'level', at, level: l, value, direction: 'above' });
const min = 60_000;

function play(events: readonly AlarmEvent[], start: Alarm = newAlarm(meter, 'voltage-unbalance')): { alarm: Alarm; path: string[] } {
  let alarm = start;
  const path: string[] = [];
  for (const event of events) {
    const step = stepAlarm(alarm, event, policy);
    alarm = step.alarm;
    if (step.transition !== null) path.push(`${step.transition.from}→${alarm.state}@${step.transition.at / min}`);
  }
  return { alarm, path };
}

describe('the alarm lifecycle', () => {
  it('goes raised → escalated → acknowledged → cleared', () => {
    const { alarm, path } = play([
      level(0, 'normal', 0.01), level(15 * min, 'warn'), level(30 * min, 'critical', 0.032),
      { kind: 'acknowledge', at: 35 * min, actor: 'op-li', note: 'crew sent to feeder 7' }, level(45 * min, 'critical', 0.034),
      level(60 * min, 'normal', 0.01),
    ]);
    assert.deepEqual(path, ['normal→raised@15', 'raised→escalated@30', 'escalated→acknowledged@35', 'acknowledged→cleared@60']);
    assert.deepEqual([alarm.occurrence, alarm.severity, alarm.peak, alarm.clearedAt], [1, 'critical', 0.034, 60 * min]);
    assert.deepEqual(alarm.acknowledgement, { at: 35 * min, actor: 'op-li', note: 'crew sent to feeder 7' });
  });

  it('escalates an alarm nobody acknowledged after the configured time, not one that was acknowledged', () => {
    assert.deepEqual(play([level(0, 'warn'), { kind: 'tick', at: 59 * min }, { kind: 'tick', at: 60 * min }]).path,
      ['normal→raised@0', 'raised→escalated@60']);
    assert.deepEqual(play([level(0, 'warn'), { kind: 'acknowledge', at: 1 * min, actor: 'op', note: 'seen' },
      { kind: 'tick', at: 90 * min }]).path, ['normal→raised@0', 'raised→acknowledged@1']);
  });

  it('escalates an acknowledged warning that turns critical, asking for a new acknowledgement', () => {
    const { alarm, path } =
      play([level(0, 'warn'), { kind: 'acknowledge', at: 1 * min, actor: 'op', note: 'watching' }, level(5 * min, 'critical', 0.04)]);
    assert.deepEqual(path, ['normal→raised@0', 'raised→acknowledged@1', 'acknowledged→escalated@5']);
    assert.equal(alarm.severity, 'critical');
  });

  it('reopens the same occurrence when raised again soon after clearing, and starts a new one later', () => {
    const soon = play([level(0, 'warn'), { kind: 'acknowledge', at: 1 * min, actor: 'op', note: 'ok' }, level(10 * min, 'normal'),
      level(20 * min, 'warn')]);
    assert.deepEqual([soon.alarm.state, soon.alarm.occurrence, soon.alarm.reopened, soon.alarm.acknowledgement], ['raised', 1, 1, null]);
    const later = play([level(0, 'warn'), level(10 * min, 'normal'), level(50 * min, 'warn')]);
    assert.deepEqual([later.alarm.state, later.alarm.occurrence, later.alarm.reopened], ['raised', 2, 0]);
  });

  it('refuses an acknowledgement without a note, and one of an alarm that is not raised', () => {
    const raised = play([level(0, 'warn')]).alarm;
    assert.throws(() => stepAlarm(raised, { kind: 'acknowledge', at: 1, actor: 'op', note: ' ' }, policy), (error: unknown) => {
      assert.ok(error instanceof ValidationError);
      assert.equal(error.code, 'PW_ERR_EDIT_REASON_REQUIRED');
      return true;
    });
    assert.throws(() => stepAlarm(newAlarm(meter, 'phase-loss'), { kind: 'acknowledge', at: 1, actor: 'op', note: 'x' }, defaultLifecycle),
      { code: 'PW_ERR_ALARM_TRANSITION' });
  });

  it('does nothing on normal values while normal, or on warn while already raised', () => {
    assert.deepEqual(play([level(0, 'normal'), level(1, 'normal')]).path, []);
    assert.deepEqual(play([level(0, 'warn'), level(1, 'warn', 0.027)]).path, ['normal→raised@0']);
  });
});
