import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseMeterId } from '@phasewire/core';
import { AlarmEngine } from './alarm-engine.ts';
import { judgeLateSegment } from './late-intervals.ts';
import type { AlarmType } from './alarm-rules.ts';

const q = 900_000;
const t0 = Date.UTC(2026, 0, 5);
const at = (k: number): number => t0 + k * q;
const meta = { meter: parseMeterId('meter-0001'), groups: [] };
/** VUF per interval (defaults: warn 2 %, critical 3 %, hysteresis 0.2 %, raise and clear after 2). */
const vufs = (from: number, values: readonly number[]) => values.map((v, i) => ({ at: at(from + i), metrics: { 'voltage-unbalance': v } }));
const none = new Set<AlarmType>();

describe('alarms on late intervals', () => {
  it('records an occurrence that began and ended inside the late data at its intervals\' times', () => {
    const live = new AlarmEngine();
    const transitions = judgeLateSegment(live, {}, meta,
      { intervals: vufs(10, [0.005, 0.025, 0.026, 0.031, 0.032, 0.01, 0.01, 0.01]), resumeAt: at(18), covered: none });
    assert.deepEqual(transitions.map((t) => [t.from, t.alarm.state, (t.at - t0) / q, t.alarm.occurrence]), [
      ['normal', 'raised', 12, 1], ['raised', 'escalated', 14, 1], ['escalated', 'cleared', 16, 1],
    ]);
    assert.equal(transitions.at(-1)?.alarm.peak, 0.032);
    assert.equal(live.alarm(meta.meter, 'voltage-unbalance').state, 'normal', 'the live state is untouched');
  });

  it('ends an occurrence still open at the last late interval where the judged data resumes', () => {
    const transitions =
      judgeLateSegment(new AlarmEngine(), {}, meta, { intervals: vufs(4, [0.01, 0.022, 0.023]), resumeAt: at(9), covered: none });
    assert.deepEqual(transitions.map((t) => [t.from, t.alarm.state, (t.at - t0) / q]), [['normal', 'raised', 6], ['raised', 'cleared', 9]]);
    const ended = transitions.at(-1);
    assert.ok(ended !== undefined);
    assert.equal(ended.alarm.clearedAt, at(9));
    assert.match(ended.reason, /first interval judged before this late data/);
  });

  it('leaves a type alone whose recorded occurrence spans the late intervals', () => {
    const transitions = judgeLateSegment(new AlarmEngine(), {}, meta,
      { intervals: vufs(4, [0.03, 0.03, 0.03]), resumeAt: at(7), covered: new Set(['voltage-unbalance']) });
    assert.deepEqual(transitions, []);
  });

  it('numbers late occurrences after the live ones, and the next live raise after those', () => {
    const live = new AlarmEngine();
    for (const k of [0, 1, 2, 3]) live.evaluate(meta, at(k), { 'voltage-unbalance': k < 2 ? 0.025 : 0.005 });
    assert.equal(live.alarm(meta.meter, 'voltage-unbalance').occurrence, 1);
    const late = judgeLateSegment(live, {}, meta, { intervals: vufs(20, [0.025, 0.025, 0.005, 0.005]), resumeAt: at(30), covered: none });
    assert.deepEqual(late.map((t) => t.alarm.occurrence), [2, 2]);
    const restored = AlarmEngine.restore({}, live.state());
    const next = [40, 41].flatMap((k) => restored.evaluate(meta, at(k), { 'voltage-unbalance': 0.025 }));
    assert.deepEqual(next.map((t) => [t.alarm.state, t.alarm.occurrence]), [['raised', 3]]);
    const after = [42, 43, 44, 45].flatMap((k) => restored.evaluate(meta, at(k), { 'voltage-unbalance': k < 44 ? 0.005 : 0.025 }));
    assert.deepEqual(after.map((t) => [t.alarm.state, t.alarm.occurrence, t.alarm.reopened]), [['cleared', 3, 0], ['raised', 3, 1]],
      'a reopen keeps its number');
  });

  it('judges each interval alarm type but not silence or VEE failures, which belong to the run\'s time', () => {
    const intervals = [8, 9].map((k) => ({ at: at(k), metrics: { 'over-voltage': 1.2, 'meter-silent': 100, 'vee-failure': 20 } }));
    const transitions = judgeLateSegment(new AlarmEngine(), {}, meta, { intervals, resumeAt: at(10), covered: none });
    assert.deepEqual(transitions.map((t) => [t.alarm.type, t.alarm.state]), [['over-voltage', 'raised'], ['over-voltage', 'cleared']]);
  });

  it('for any late values: leaves the live alarms as they were, closes every late occurrence by resumeAt, numbers past the live ones',
    () => {
    fc.assert(fc.property(
      fc.array(fc.double({ min: 0, max: 0.05, noNaN: true }), { maxLength: 8 }),
      fc.array(fc.double({ min: 0, max: 0.05, noNaN: true }), { minLength: 1, maxLength: 24 }),
      (liveValues, lateValues) => {
        const live = new AlarmEngine();
        liveValues.forEach((v, k) => live.evaluate(meta, at(k), { 'voltage-unbalance': v }));
        const before = live.alarm(meta.meter, 'voltage-unbalance');
        const resumeAt = at(100 + lateValues.length);
        const transitions = judgeLateSegment(live, {}, meta, { intervals: vufs(100, lateValues), resumeAt, covered: none });
        assert.deepEqual(live.alarm(meta.meter, 'voltage-unbalance'), before);
        assert.ok(transitions.every((t) => t.alarm.occurrence > before.occurrence && t.at <= resumeAt));
        assert.ok(transitions.every((t, i) => i === 0 || (transitions[i - 1]?.at ?? 0) <= t.at), 'in time order');
        const last = new Map(transitions.map((t) => [t.alarm.occurrence, t.alarm.state]));
        assert.ok([...last.values()].every((state) => state === 'cleared'));
        assert.equal(live.lastOccurrence(meta.meter, 'voltage-unbalance'), Math.max(before.occurrence, ...last.keys()));
      },
    ));
  });
});
