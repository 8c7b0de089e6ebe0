// The store conformance suite's tests of a store's life: retention, migrations, reopening,
// concurrent appends and use after close (store-conformance.ts has the data tests).
import assert from 'node:assert/strict';
import { hasCode, ManualClock, parseMeterId, Q } from '@phasewire/core';
import { dayMs, hourMs, intervalMs } from '../periods.ts';
import { conformanceTest as test, day0, energy, m1, newDatabase, reading, registerReads, type FreshStore,
  type StoreTarget } from './store-conformance-kit.ts';

/** Declares the lifecycle tests in the caller's describe block. */
export function storeLifecycleTests(target: StoreTarget, fresh: FreshStore): void {
    test('purges each data class after its own retention', async () => {
      const clock = new ManualClock(day0 + 2 * hourMs);
      const { store, db } = await fresh({ clock, retention: { rawReadings: 10, intervalData: 30, rollups: 60, audit: 15 } });
      await store.appendReadings([...registerReads(m1, day0, 5, 0, 10), reading(m1, Q.voltageL1, day0, 230)]);
      await store.appendReadings([reading(m1, Q.voltageL1, day0, 231)]);
      await store.writeIntervals([{ meter: m1, quantity: energy, end: day0 + intervalMs, stage: 'validated', value: 10,
        quality: 'validated' }], { kind: 'rule', rule: 'VEE' });
      const day = { from: day0, to: day0 + dayMs };
      const snapshotOf = async (): Promise<unknown> => ({
        raw: (await store.readings(m1, Q.voltageL1, day)).length,
        registers: (await store.readings(m1, energy, day)).length,
        validated: (await store.intervals(m1, energy, { from: day0, to: day0 + intervalMs }))[0]?.validated ?? null,
        rollups: (await store.rollups(m1, energy, 'day', day)).length,
        changes: (await store.intervalChanges(m1, energy, day)).length,
        conflicts: (await store.conflicts(m1, day)).length,
      });
      assert.deepEqual(await snapshotOf(), { raw: 1, registers: 5, validated: 10, rollups: 1, changes: 1, conflicts: 1 });
      clock.set(day0 + 20 * dayMs);
      await store.purge();
      assert.deepEqual(await snapshotOf(), { raw: 0, registers: 5, validated: 10, rollups: 1, changes: 0, conflicts: 0 });
      clock.set(day0 + 45 * dayMs);
      await store.purge();
      assert.deepEqual(await snapshotOf(), { raw: 0, registers: 0, validated: null, rollups: 1, changes: 0, conflicts: 0 });
      clock.set(day0 + 100 * dayMs);
      await store.purge();
      assert.deepEqual(await snapshotOf(), { raw: 0, registers: 0, validated: null, rollups: 0, changes: 0, conflicts: 0 });
      await store.close();
      const reopened = await target.open(db, { clock });
      assert.deepEqual((await reopened.readings(m1, Q.voltageL1, day)).length, 0);
      await reopened.close();
    });

    test('migrates a new database to the latest version, applying each migration once', async () => {
      const { store, db, clock } = await fresh();
      assert.equal(await store.schemaVersion(), target.latestVersion);
      await store.close();
      const applied = await target.appliedMigrations(db);
      assert.deepEqual(applied.map((m) => m.version), Array.from({ length: target.latestVersion }, (_, i) => i + 1));
      clock.advance(dayMs);
      const again = await target.open(db, { clock });
      await again.close();
      assert.deepEqual(await target.appliedMigrations(db), applied, 'reopening applies nothing');
    });

    test('migrates a database at an older version forward, keeping what it holds', async () => {
      const clock = new ManualClock(day0);
      const db = newDatabase();
      const old = await target.open(db, { clock, migrateTo: 1 });
      assert.equal(await old.schemaVersion(), 1);
      await old.close();
      clock.advance(dayMs);
      const store = await target.open(db, { clock });
      assert.equal(await store.schemaVersion(), target.latestVersion);
      await store.appendReadings(registerReads(m1, day0, 2, 0, 10));
      assert.deepEqual((await store.intervals(m1, energy, { from: day0, to: day0 + intervalMs })).map((i) => i.raw), [10]);
      await store.close();
      const applied = await target.appliedMigrations(db);
      assert.deepEqual(applied.map((m) => [m.version, m.appliedAt]),
        Array.from({ length: target.latestVersion }, (_, i) => [i + 1, i === 0 ? day0 : day0 + dayMs]));
    });

    test('keeps every committed reading across a reopen', async () => {
      const { store, db, clock } = await fresh();
      await store.appendReadings(registerReads(m1, day0, 10, 0, 10));
      await store.close();
      const reopened = await target.open(db, { clock });
      assert.equal((await reopened.readings(m1, energy, { from: day0, to: day0 + dayMs })).length, 10);
      assert.equal((await reopened.appendReadings(registerReads(m1, day0, 11, 0, 10))).inserted, 1,
        'what is stored is known after the reopen');
      assert.equal((await reopened.latest(m1))[0]?.at, day0 + 10 * intervalMs);
      const [day] = await reopened.rollups(m1, energy, 'day', { from: day0, to: day0 + dayMs });
      assert.equal(day?.sum, 100);
      await reopened.close();
    });

    test('commits concurrent appends, each with its own result', async () => {
      const { store } = await fresh();
      const meters = Array.from({ length: 20 }, (_, i) => parseMeterId(`meter-${String(i).padStart(4, '0')}`));
      const results = await Promise.all(meters.map((meter, i) => store.appendReadings(registerReads(meter, day0, i + 1, 0, 10))));
      assert.deepEqual(results.map((r) => r.inserted), meters.map((_, i) => i + 1));
      const again = await Promise.all(meters.map((meter) => store.appendReadings(registerReads(meter, day0, 1, 0, 10))));
      assert.ok(again.every((r) => r.duplicate === 1));
      assert.equal((await store.readingsAt(day0, [energy])).meters.length, 20);
      await store.close();
    });

    test('refuses use after close', async () => {
      const { store } = await fresh();
      await store.close();
      await assert.rejects(store.appendReadings([reading(m1, Q.voltageL1, day0, 230)]), (error) => hasCode(error, 'PW_ERR_STORE_CLOSED'));
      await assert.rejects(store.latest(m1), (error) => hasCode(error, 'PW_ERR_STORE_CLOSED'));
      await assert.rejects(store.checkWritable(), (error) => hasCode(error, 'PW_ERR_STORE_CLOSED'));
    });

    test('takes an empty write for the readiness probe and tells its size on disk, which grows with the data', async () => {
      const { store } = await fresh();
      await store.checkWritable();
      const empty = await store.sizeBytes();
      assert.ok(empty > 0, `an empty store still has its schema: ${empty} bytes`);
      await store.appendReadings(Array.from({ length: 2000 }, (_, i) => reading(m1, Q.voltageL1, day0 + i * intervalMs, 230 + i / 1000)));
      await store.maintain();
      assert.ok(await store.sizeBytes() > empty, 'the readings take room');
      await store.checkWritable();
      await store.close();
    });
}
