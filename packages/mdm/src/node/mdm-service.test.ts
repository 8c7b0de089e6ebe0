// The service's own behaviour apart from the data (the imbalance scenario through the service, on
// SQLite and PostgreSQL, is in packages/cli/test/imbalance-alarms.test.ts: server may not import
// the meter package): the schedule's timer, its options checked at start, and alarms on late data
// (a meter that goes silent, reports again, then backfills an imbalance).
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { abs, arg, complex, fromSymmetricalComponents, hasCode, ManualClock, parseMeterId, Q, type Snapshot } from '@phasewire/core';
import type { AlarmNotification } from '../alarms/notification.ts';
import type { MeterStore } from '@phasewire/store';
import { SqliteMeterStore } from '@phasewire/store/node';
import { startMdmService } from './mdm-service.ts';
import { qualityDays } from '../service/quality-days.ts';

const dir = mkdtempSync(join(tmpdir(), 'phasewire-mdm-timer-'));
after(() => { rmSync(dir, { recursive: true, force: true }); });
const t0 = Date.UTC(2026, 0, 5);

/** Counts the store calls the schedule makes. */
function counting(store: MeterStore): { store: MeterStore; calls: Record<string, number> } {
  const calls: Record<string, number> = { maintain: 0, purge: 0, mdmWatermarks: 0 };
  const proxy = new Proxy(store, {
    get(target, name: string) {
      const value = Reflect.get(target, name) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (name in calls) calls[name] = (calls[name] ?? 0) + 1;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: proxy, calls };
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await sleep(10);
  assert.ok(condition(), 'the condition was not reached within 5 s');
}

describe('the MDM service schedule', () => {
  it('runs every job at start, then each once per period of its clock', async () => {
    const clock = new ManualClock(t0);
    const sqlite = await SqliteMeterStore.open({ path: join(dir, 'timer.db'), clock });
    await sqlite.appendReadings([{ meter: parseMeterId('meter-0001'), quantity: Q.activeEnergyImport, at: t0, value: 1000 }]);
    const { store, calls } = counting(sqlite);
    const service =
      startMdmService({ store, clock, schedule: { pollMs: 5, runEveryMs: 900_000, maintainEveryMs: 300_000, purgeEveryMs: 86_400_000 } });
    await until(() => calls['purge'] === 1);
    assert.deepEqual([calls['mdmWatermarks'], calls['maintain'], calls['purge']], [1, 1, 1], 'run, maintain and purge: once each');
    clock.advance(300_000);
    await until(() => calls['maintain'] === 2);
    assert.equal(calls['mdmWatermarks'], 1, 'no run before its period');
    clock.advance(600_000);
    await until(() => calls['mdmWatermarks'] === 2);
    assert.equal(calls['purge'], 1);
    await service.stop();
    assert.equal((await sqlite.mdmWatermarks()).length, 1, 'the run committed the meter\'s watermark');
    await sqlite.close();
  });

  it('refuses a bad schedule, window or meter setup at start with PW_ERR_MDM_CONFIG', async () => {
    const store = await SqliteMeterStore.open({ path: join(dir, 'config.db'), clock: new ManualClock(t0) });
    assert.throws(() => startMdmService({ store, schedule: { runEveryMs: 0 } }),
      (e) => hasCode(e, 'PW_ERR_MDM_CONFIG') && /schedule\.runEveryMs is 0/.test(e.message));
    assert.throws(() => startMdmService({ store, lateWindowMs: -1 }), (e) => hasCode(e, 'PW_ERR_MDM_CONFIG'));
    assert.throws(() => startMdmService({ store, meters: { meters: { 'meter-1': { ctRatio: 0 } } } }),
      (e) => hasCode(e, 'PW_ERR_MDM_CONFIG') && /meter-1 has ctRatio 0/.test(e.message));
    assert.throws(() => startMdmService({ store, alarms: { defaults: { rules: { 'phase-loss': { hysteresis: -1 } } } } }),
      (e) => hasCode(e, 'PW_ERR_ALARM_CONFIG'));
    await store.close();
  });
});

const q = 900_000;
const at = (k: number): number => t0 + k * q;

describe('a new meter in the MDM service', () => {
  it('estimates nothing before its first reading: no interval of the two days before it gets a value', async () => {
    const clock = new ManualClock(t0);
    const store = await SqliteMeterStore.open({ path: join(dir, 'new-meter.db'), clock });
    const meter = parseMeterId('meter-new');
    const first = t0 + 3 * 86_400_000 + 10 * q;
    // Six hours of 250 Wh per interval from its first reading on.
    await store.appendReadings(Array.from({ length: 25 },
      (_, k) => ({ meter, quantity: Q.activeEnergyImport, at: first + k * q, value: 5000 + 250 * k })));
    const service = startMdmService({ store, clock, timer: false });
    try {
      await service.runOnce(first + 24 * q + 60_000);
      const intervals = await store.intervals(meter, Q.activeEnergyImport, { from: first - 2 * 86_400_000, to: first + 24 * q });
      assert.deepEqual(intervals.filter((i) => i.quality === 'estimated').map((i) => i.end), []);
      assert.ok(intervals.filter((i) => i.end <= first).every((i) => i.value === null), 'nothing before the first reading has a value');
      assert.deepEqual(intervals.filter((i) => i.end > first).map((i) => [i.value, i.quality]),
        Array.from({ length: 24 }, () => [250, 'validated']));
      const days = await store.rollups(meter, Q.activeEnergyImport, 'day', { from: first - 3 * 86_400_000, to: first + 86_400_000 });
      assert.deepEqual(days.map((d) => d.sum), [6000], 'the day holds the six hours the meter measured, nothing more');
      const quality =
        await qualityDays(store, meter, { from: first - 2 * 86_400_000, to: first + 24 * q }, { now: first + 24 * q + 60_000 });
      assert.deepEqual(quality.map((d) => [d.estimated, d.failed]), [[0, 0], [0, 0], [0, 0]],
        'no estimate, and no failure before the meter existed');
    } finally {
      await service.stop();
      await store.close();
    }
  });

  it('estimates from its configured installation on, and refuses an installation time without a zone', async () => {
    const clock = new ManualClock(t0);
    const store = await SqliteMeterStore.open({ path: join(dir, 'installed-meter.db'), clock });
    const meter = parseMeterId('meter-installed');
    const first = t0 + 3 * 86_400_000 + 10 * q;
    await store.appendReadings(Array.from({ length: 9 },
      (_, k) => ({ meter, quantity: Q.activeEnergyImport, at: first + k * q, value: 5000 + 250 * k })));
    assert.throws(() => startMdmService({ store, meters: { meters: { 'meter-installed': { installedAt: '2026-01-08 00:00' } } } }),
      (e) => hasCode(e, 'PW_ERR_MDM_CONFIG') && /installedAt/.test(e.message));
    const service = startMdmService({ store, clock, timer: false,
      meters: { meters: { 'meter-installed': { installedAt: new Date(first - 2 * q).toISOString() } } } });
    try {
      await service.runOnce(first + 8 * q + 60_000);
      const intervals = await store.intervals(meter, Q.activeEnergyImport, { from: first - 86_400_000, to: first + 8 * q });
      assert.deepEqual(intervals.filter((i) => i.quality === 'estimated').map((i) => i.end), [first - q, first]);
    } finally {
      await service.stop();
      await store.close();
    }
  });
});
const lateMeter = parseMeterId('meter-late');

/** The interval ending at(k): 230 V positive sequence with the given VUF, a balanced 40 A load, and the energy register. */
function interval(k: number, vufPercent: number, meter = lateMeter): Snapshot {
  const phases = fromSymmetricalComponents({ zero: complex(0), positive: complex(230), negative: complex((230 * vufPercent) / 100) });
  const angle = (p: 1 | 2): number => (((arg(phases[0]) - arg(phases[p])) * 180) / Math.PI + 360) % 360;
  return {
    meter, at: at(k), values: new Map([
      [Q.voltageL1, abs(phases[0])], [Q.voltageL2, abs(phases[1])], [Q.voltageL3, abs(phases[2])], [Q.angleVoltageL2, angle(1)],
      [Q.angleVoltageL3, angle(2)],
      [Q.currentL1, 40], [Q.currentL2, 40], [Q.currentL3, 40], [Q.powerFactor, 0.97], [Q.activeEnergyImport, 1_000_000 + k * 2_000],
    ]),
  };
}

describe('alarms on late data through the MDM service', () => {
  it('judges backfilled intervals at their own times, once, after the live state moved on, and clears the silence when data comes',
    async () => {
    const clock = new ManualClock(at(1));
    const store = await SqliteMeterStore.open({ path: join(dir, 'late.db'), clock });
    const received: AlarmNotification[] = [];
    const notifier = { name: 'test', notify: (n: AlarmNotification) => { received.push(n); return Promise.resolve(); } };
    const service = startMdmService({ store, clock, timer: false, notifiers: [notifier] });
    const runAt = async (k: number, minutes = 1): Promise<number> => {
      clock.set(at(k) + minutes * 60_000);
      return (await service.runOnce()).transitions;
    };
    const report = async (snapshots: Snapshot[]): Promise<void> => { await store.appendSnapshots(snapshots); };
    const path = async (afterSeq = 0): Promise<string[]> => (await store.alarmTransitions({ afterSeq })).map((t) =>
      `${t.alarm.type}#${t.alarm.occurrence} ${t.from}→${t.alarm.state} at ${(t.at - t0) / q}`);
    try {
      for (let k = 1; k <= 8; k++) { await report([interval(k, 0.5)]); await runAt(k); }
      // Silent from interval 9: meter-silent (warn after 4 whole intervals) is raised at the run of 12.
      for (let k = 9; k <= 20; k++) await runAt(k);
      assert.deepEqual(await path(), ['meter-silent#1 normal→raised at 12.066666666666666']);
      // The newest interval arrives first (a live message overtaking the queued backlog): silence clears.
      await report([interval(21, 0.5)]);
      await runAt(21);
      assert.deepEqual((await path()).slice(1), ['meter-silent#1 raised→cleared at 21.066666666666666']);
      const seqBefore = (await store.alarmTransitions({})).at(-1)?.seq ?? 0;
      // The backlog of 9 … 20, with an imbalance that develops and goes inside it.
      //                        9    10   11   12   13   14   15   16   17   18   19   20
      const backlog = [0.5, 0.5, 2.5, 2.5, 2.6, 3.2, 3.3, 1.0, 1.0, 0.5, 0.5, 0.5];
      await report(backlog.map((v, i) => interval(9 + i, v)));
      await runAt(21, 5);
      assert.deepEqual(await path(seqBefore), [
        'voltage-unbalance#1 normal→raised at 12', 'voltage-unbalance#1 raised→escalated at 15',
        'voltage-unbalance#1 escalated→cleared at 17',
      ]);
      const record = await store.alarm(`${lateMeter}:voltage-unbalance:1`);
      assert.deepEqual([record?.state, record?.severity, record?.raisedAt, record?.clearedAt], ['cleared', 'critical', at(12), at(17)]);
      assert.equal((await service.alarms.list({ state: 'active', limit: 10 })).items.length, 0,
        'nothing is active: the newest data is balanced and reporting');

      // Nothing is judged twice: neither by the next run, nor by a service started again on the store.
      assert.equal(await runAt(22, 0), 0);
      await service.stop();
      const again = startMdmService({ store, clock, timer: false, notifiers: [notifier] });
      clock.set(at(22) + 120_000);
      assert.equal((await again.runOnce()).transitions, 0);

      // A second outage whose backlog ends in an imbalance the newer interval no longer shows: the late
      // occurrence ends where the judged data resumes, and the next live raise numbers past it.
      await report([interval(30, 0.5)]);
      await again.runOnce(at(30) + 60_000);
      const seqSecond = (await store.alarmTransitions({})).at(-1)?.seq ?? 0;
      await report([25, 26, 27, 28, 29].map((k) => interval(k, k >= 28 ? 2.5 : 0.5)));
      await again.runOnce(at(30) + 120_000);
      assert.deepEqual(await path(seqSecond), ['voltage-unbalance#2 normal→raised at 29', 'voltage-unbalance#2 raised→cleared at 30']);
      await report([31, 32].map((k) => interval(k, 2.5)));
      await again.runOnce(at(32) + 60_000);
      assert.deepEqual((await path(seqSecond)).slice(2), ['voltage-unbalance#3 normal→raised at 32']);
      // A run starts the deliveries without waiting for them (a slow notifier must not hold the runs).
      await again.flushNotifications();
      await again.stop();

      // Every transition reached the notifier once, in the order of the log.
      const log = await store.alarmTransitions({});
      assert.deepEqual(received.map((n) => `${n.id} ${n.state}`),
        log.map((t) => `${t.alarm.meter}/${t.alarm.type}/${t.alarm.occurrence} ${t.alarm.state}`));
      assert.deepEqual(await store.alarmTransitions({ unnotifiedOnly: true }), [], 'the outbox is empty');
    } finally {
      await service.stop();
      await store.close();
    }
  });

  it('clears the silence when the backlog starts to arrive, oldest first, and judges it in order as it comes', async () => {
    const meter = parseMeterId('meter-drain');
    const clock = new ManualClock(at(1));
    const store = await SqliteMeterStore.open({ path: join(dir, 'drain.db'), clock });
    const service = startMdmService({ store, clock, timer: false });
    const runAt = async (k: number, minutes = 1): Promise<void> => { clock.set(at(k) + minutes * 60_000); await service.runOnce(); };
    const path = async (): Promise<string[]> => (await store.alarmTransitions({})).map((t) =>
      `${t.alarm.type}#${t.alarm.occurrence} ${t.from}→${t.alarm.state} at ${Math.round(((t.at - t0) / q) * 60) / 60}`);
    try {
      for (let k = 1; k <= 8; k++) { await store.appendSnapshots([interval(k, 0.5, meter)]); await runAt(k); }
      for (let k = 9; k <= 20; k++) await runAt(k);
      // The link is back: the queue drains oldest first, the first part before the run of 21.
      //                                           9    10   11   12   13   14
      await store.appendSnapshots([0.5, 0.5, 2.5, 2.5, 2.6, 3.2].map((v, i) => interval(9 + i, v, meter)));
      await runAt(21);
      await store.appendSnapshots([3.3, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5].map((v, i) => interval(15 + i, v, meter)));
      await runAt(21, 3);
      const silentRaise = 12 + 1 / 15;
      const heard = 21 + 1 / 15;
      assert.deepEqual(await path(), [
        `meter-silent#1 normal→raised at ${Math.round(silentRaise * 60) / 60}`,
        'voltage-unbalance#1 normal→raised at 12',
        `meter-silent#1 raised→cleared at ${Math.round(heard * 60) / 60}`,
        'voltage-unbalance#1 raised→escalated at 15',
        'voltage-unbalance#1 escalated→cleared at 17',
      ]);
    } finally {
      await service.stop();
      await store.close();
    }
  });
});
