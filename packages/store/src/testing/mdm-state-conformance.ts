// The conformance suite of the MDM state part of the store port (store/mdm-state.ts): watermarks,
// alarm engine slots, alarms and the transition outbox. Both stores run it beside the main suite
// (sqlite-meter-store.test.ts, postgres-meter-store.test.ts).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock, parseMeterId, Q } from '@phasewire/core';
import type { AlarmRecord, MdmCommit } from '../mdm-state.ts';
import { alarmId } from '../mdm-state.ts';
import { day0, type StoreTarget } from './store-conformance.ts';

const m1 = parseMeterId('meter-0001');
const m2 = parseMeterId('meter-0002');
const minute = 60_000;

const alarmOf = (
  meter: typeof m1,
  type: string,
  occurrence: number,
  raisedAt: number,
  state: AlarmRecord['state'] = 'raised',
  severity: AlarmRecord['severity'] = 'warn',
): AlarmRecord => ({
  id: alarmId(meter, type, occurrence), meter, type, occurrence, state, severity, raisedAt,
  clearedAt: state === 'cleared' ? raisedAt + minute : null,
  value: 0.021, peak: 0.024, reopened: 0,
  acknowledgement: state === 'acknowledged' ? { at: raisedAt + minute, actor: 'op', note: 'crew sent' } : null,
});

const empty: MdmCommit = { watermarks: [], slots: [], alarms: [], transitions: [] };
let databases = 0;

export function mdmStateConformance(name: string, target: StoreTarget): void {
  const fresh = async () => {
    const clock = new ManualClock(day0 + 3_600_000);
    return { store: await target.open(`mdm_conformance_${++databases}`, { clock }), clock };
  };
  const test = (title: string, body: () => Promise<void>): void => { void it(title, body); };

  void describe(`MeterStore conformance, MDM state: ${name}`, () => {
    test('lists the meters that sent readings, in name order', async () => {
      const { store } = await fresh();
      assert.deepEqual(await store.meterIds(), []);
      await store.appendReadings([{ meter: m2, quantity: Q.voltageL1, at: day0, value: 230 },
        { meter: m1, quantity: Q.voltageL1, at: day0, value: 231 }]);
      assert.deepEqual(await store.meterIds(), [m1, m2]);
      await store.close();
    });

    test('keeps watermarks and alarm slots across a reopen, the last commit winning', async () => {
      const db = `mdm_conformance_${++databases}`;
      const clock = new ManualClock(day0);
      let store = await target.open(db, { clock });
      await store.commitMdm({ ...empty,
        watermarks: [{ meter: m1, analysedUntil: day0, validatedUntil: day0, fingerprint: 'a', updatedAt: 0 }],
        slots: [{ meter: m1, type: 'phase-loss', state: '{"x":1}' }] });
      clock.advance(minute);
      await store.commitMdm({ ...empty,
        watermarks: [{ meter: m1, analysedUntil: day0 + 900_000, validatedUntil: day0 + 900_000, fingerprint: 'b', updatedAt: 0 }],
        slots: [{ meter: m1, type: 'phase-loss', state: '{"x":2}' }, { meter: m1, type: 'vee-failure', state: '{}' }] });
      await store.close();
      store = await target.open(db, { clock });
      assert.deepEqual(await store.mdmWatermarks(),
        [{ meter: m1, analysedUntil: day0 + 900_000, validatedUntil: day0 + 900_000, fingerprint: 'b', updatedAt: day0 + minute }]);
      assert.deepEqual(await store.alarmSlots(m1),
        [{ meter: m1, type: 'phase-loss', state: '{"x":2}' }, { meter: m1, type: 'vee-failure', state: '{}' }]);
      assert.deepEqual(await store.alarmSlots(m2), []);
      await store.close();
    });

    test('lists alarms newest first with filters and pages that continue where the last ended', async () => {
      const { store } = await fresh();
      const alarms = [
        alarmOf(m1, 'voltage-unbalance', 1, day0, 'cleared'),
        alarmOf(m1, 'voltage-unbalance', 2, day0 + 10 * minute, 'escalated', 'critical'),
        alarmOf(m2, 'phase-loss', 1, day0 + 10 * minute, 'raised', 'critical'),
        alarmOf(m2, 'meter-silent', 1, day0 + 20 * minute, 'acknowledged'),
      ];
      await store.commitMdm({ ...empty, alarms });
      const ids = (list: readonly AlarmRecord[]): string[] => list.map((a) => a.id);
      assert.deepEqual(ids(await store.alarms({ state: 'all', limit: 10 })),
        ['meter-0002:meter-silent:1', 'meter-0002:phase-loss:1', 'meter-0001:voltage-unbalance:2', 'meter-0001:voltage-unbalance:1']);
      assert.deepEqual(ids(await store.alarms({ state: 'active', limit: 10 })),
        ['meter-0002:meter-silent:1', 'meter-0002:phase-loss:1', 'meter-0001:voltage-unbalance:2']);
      assert.deepEqual(ids(await store.alarms({ state: 'all', meter: m1, limit: 10 })),
        ['meter-0001:voltage-unbalance:2', 'meter-0001:voltage-unbalance:1']);
      assert.deepEqual(ids(await store.alarms({ state: 'active', severity: 'critical', limit: 10 })),
        ['meter-0002:phase-loss:1', 'meter-0001:voltage-unbalance:2']);
      const first = await store.alarms({ state: 'all', limit: 2 });
      const last = first.at(-1) as AlarmRecord;
      assert.deepEqual(ids(await store.alarms({ state: 'all', limit: 2, after: { raisedAt: last.raisedAt, id: last.id } })),
        ['meter-0001:voltage-unbalance:2', 'meter-0001:voltage-unbalance:1']);
      assert.deepEqual(await store.alarm('meter-0002:meter-silent:1'), alarms[3]);
      assert.equal(await store.alarm('meter-0002:meter-silent:9'), undefined);
      await store.close();
    });

    test('replaces an alarm by id and appends its transitions to an outbox that is emptied by marking them notified', async () => {
      const { store } = await fresh();
      const raised = alarmOf(m1, 'phase-loss', 1, day0);
      const acknowledged =
        { ...raised, state: 'acknowledged' as const, acknowledgement: { at: day0 + minute, actor: 'op', note: 'on it' } };
      const [s1] = await store.commitMdm({ ...empty, alarms: [raised],
        transitions: [{ alarm: raised, from: 'normal', at: day0, reason: 'raised at critical (0.2)' }] });
      const [s2] = await store.commitMdm({ ...empty, alarms: [acknowledged],
        transitions: [{ alarm: acknowledged, from: 'raised', at: day0 + minute, reason: 'acknowledged by op: on it' }] });
      assert.ok(s1 !== undefined && s2 !== undefined && s2 > s1);
      assert.deepEqual(await store.alarm(raised.id), acknowledged);
      const pending = await store.alarmTransitions({ unnotifiedOnly: true });
      assert.deepEqual(pending.map((t) => [t.seq, t.from, t.alarm.state, t.notified]),
        [[s1, 'normal', 'raised', false], [s2, 'raised', 'acknowledged', false]]);
      assert.deepEqual(pending[1]?.alarm, acknowledged);
      await store.markAlarmTransitionsNotified([s1]);
      assert.deepEqual((await store.alarmTransitions({ unnotifiedOnly: true })).map((t) => t.seq), [s2]);
      assert.deepEqual((await store.alarmTransitions({ afterSeq: s1 })).map((t) => t.seq), [s2]);
      assert.deepEqual((await store.alarmTransitions({ alarmId: raised.id })).map((t) => t.notified), [true, false]);
      await store.close();
    });

    test('keeps a cursor per notifier that only moves forward and survives a reopen; a new notifier starts at the oldest transition not '
      + 'every notifier had', async () => {
      const db = `mdm_conformance_${++databases}`;
      const clock = new ManualClock(day0 + 3_600_000);
      const store = await target.open(db, { clock });
      const raised = alarmOf(m1, 'phase-loss', 1, day0);
      const transition = { alarm: raised, from: 'normal', at: day0, reason: 'raised' };
      assert.equal(await store.notifierCursor('webhook https://a.example/hook'), 0, 'nothing in the log: 0');
      const [s1, s2, s3] = await store.commitMdm({ ...empty, alarms: [raised], transitions: [transition, transition, transition] });
      assert.ok(s1 !== undefined && s2 !== undefined && s3 !== undefined);
      await store.markAlarmTransitionsNotified([s1]);
      assert.equal(await store.notifierCursor('mqtt mqtts://b.example'), s1, 'a notifier never seen starts after what every notifier had');
      await store.advanceNotifierCursor('mqtt mqtts://b.example', s3);
      await store.advanceNotifierCursor('mqtt mqtts://b.example', s2);
      assert.equal(await store.notifierCursor('mqtt mqtts://b.example'), s3, 'a cursor never moves back');
      await store.advanceNotifierCursor('webhook https://a.example/hook', s2);
      await store.close();
      const again = await target.open(db, { clock });
      assert.deepEqual([await again.notifierCursor('webhook https://a.example/hook'), await again.notifierCursor('mqtt mqtts://b.example')],
        [s2, s3]);
      await again.markAlarmTransitionsNotified([s2, s3]);
      assert.equal(await again.notifierCursor('another'), s3, 'everything delivered: a new notifier starts after the last');
      await again.close();
    });

    test('commits a run as a whole or not at all', async () => {
      const { store } = await fresh();
      const bad = { ...alarmOf(m1, 'phase-loss', 1, day0), raisedAt: Number.NaN };
      await assert.rejects(store.commitMdm({ ...empty,
        watermarks: [{ meter: m1, analysedUntil: day0, validatedUntil: day0, fingerprint: 'x', updatedAt: 0 }], alarms: [bad] }));
      assert.deepEqual(await store.mdmWatermarks(), []);
      await store.close();
    });
  });
}
