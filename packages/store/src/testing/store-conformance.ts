// The conformance suite of the MeterStore port: every implementation runs these same tests
// (sqlite-meter-store.test.ts, postgres-meter-store.test.ts). A behaviour the API promises is
// tested here, not in one store's own tests.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { hasCode, ManualClock, Q } from '@phasewire/core';
import { fleetValue, type FleetInterval } from '../fleet-interval.ts';
import { dayMs, hourMs, intervalMs } from '../periods.ts';
import { conformanceTest as test, day0, energy, freshStore, m1, m2, m3, reading, registerReads, snapshot,
  type StoreTarget } from './store-conformance-kit.ts';
import { storeLifecycleTests } from './store-lifecycle-conformance.ts';

export { day0, type StoreOpenOptions, type StoreTarget } from './store-conformance-kit.ts';

export function storeConformance(name: string, target: StoreTarget): void {
  const fresh = freshStore(target);

  void describe(`MeterStore conformance: ${name}`, () => {
    test('stores new readings and returns them in time order', async () => {
      const { store } = await fresh();
      const result = await store.appendReadings([
        reading(m1, Q.voltageL1, day0 + 2 * intervalMs, 231.5),
        reading(m1, Q.voltageL1, day0, 230.25),
        reading(m1, Q.voltageL1, day0 + intervalMs, 229.75),
        reading(m2, Q.voltageL1, day0, 228),
      ]);
      assert.deepEqual(result, { inserted: 4, duplicate: 0, conflicting: 0, conflicts: [] });
      const series = await store.readings(m1, Q.voltageL1, { from: day0, to: day0 + 3 * intervalMs });
      assert.deepEqual(series.map((r) => [r.at - day0, r.value]), [[0, 230.25], [intervalMs, 229.75], [2 * intervalMs, 231.5]]);
      assert.deepEqual((await store.readings(m1, Q.voltageL1, { from: day0 + intervalMs, to: day0 + 2 * intervalMs })).map((r) => r.value),
        [229.75], 'the range is half-open');
      await store.close();
    });

    test('treats a re-sent reading with the same value as a duplicate and changes nothing', async () => {
      const { store } = await fresh();
      const batch =
        [reading(m1, Q.currentL1, day0, 12.345), reading(m1, Q.currentL2, day0, 11.5), reading(m1, Q.currentL1, day0 + intervalMs, 12.5)];
      await store.appendReadings(batch);
      assert.deepEqual(await store.appendReadings(batch), { inserted: 0, duplicate: 3, conflicting: 0, conflicts: [] });
      assert.deepEqual((await store.readings(m1, Q.currentL1, { from: day0, to: day0 + dayMs })).map((r) => r.value), [12.345, 12.5]);
      await store.close();
    });

    test('keeps the first value when a reading comes again with another value, and reports and records the conflict once', async () => {
      const { store, clock } = await fresh();
      await store.appendReadings([reading(m1, Q.voltageL2, day0, 230), reading(m1, Q.voltageL2, day0 + intervalMs, 231)]);
      const arrived = clock.now();
      const result =
        await store.appendReadings([reading(m1, Q.voltageL2, day0, 235), reading(m1, Q.voltageL2, day0 + 2 * intervalMs, 232)]);
      assert.equal(result.inserted, 1);
      assert.equal(result.conflicting, 1);
      assert.deepEqual(result.conflicts, [{ meter: m1, quantity: Q.voltageL2, at: day0, stored: 230, received: 235, receivedAt: arrived }]);
      assert.deepEqual((await store.readings(m1, Q.voltageL2, { from: day0, to: day0 + 1 })).map((r) => r.value), [230],
        'the first value stays');
      clock.advance(60_000);
      const again = await store.appendReadings([reading(m1, Q.voltageL2, day0, 235)]);
      assert.equal(again.conflicting, 1, 'still reported');
      const recorded = await store.conflicts(m1, { from: day0, to: day0 + dayMs });
      assert.deepEqual(recorded, [{ meter: m1, quantity: Q.voltageL2, at: day0, stored: 230, received: 235, receivedAt: arrived }],
        'recorded once, at its first arrival');
      await store.close();
    });

    test('counts duplicates and conflicts between readings of the same batch, the first one winning', async () => {
      const { store } = await fresh();
      const result = await store.appendReadings([
        reading(m1, Q.frequency, day0, 50),
        reading(m1, Q.frequency, day0, 50),
        reading(m1, Q.frequency, day0, 50.01),
        reading(m1, Q.frequency, day0 - intervalMs, 49.99),
        reading(m1, Q.frequency, day0 - intervalMs, 49.99),
      ]);
      assert.deepEqual([result.inserted, result.duplicate, result.conflicting], [2, 2, 1]);
      assert.deepEqual((await store.readings(m1, Q.frequency, { from: day0 - dayMs, to: day0 + dayMs })).map((r) => r.value), [49.99, 50]);
      await store.close();
    });

    test('stores snapshots like readings, and merges a snapshot sent in parts', async () => {
      const { store } = await fresh();
      assert.equal((await store.appendSnapshots([snapshot(m1, day0, [[Q.voltageL1, 230], [Q.currentL1, 5]])])).inserted, 2);
      const second = await store.appendSnapshots([snapshot(m1, day0, [[Q.voltageL1, 230], [Q.powerFactorL1, 0.95]])]);
      assert.deepEqual([second.inserted, second.duplicate], [1, 1]);
      const values =
        await Promise.all([Q.voltageL1, Q.currentL1, Q.powerFactorL1].map((q) => store.readings(m1, q, { from: day0, to: day0 + 1 })));
      assert.deepEqual(values.map((series) => series.map((r) => r.value)), [[230], [5], [0.95]]);
      await store.close();
    });

    test('refuses a batch with a value that is not a finite number, and stores nothing of it', async () => {
      const { store } = await fresh();
      for (const bad of [Number.NaN, Infinity]) {
        await assert.rejects(store.appendReadings([reading(m1, Q.voltageL1, day0, 230), reading(m1, Q.voltageL1, day0 + intervalMs, bad)]),
          (error) => hasCode(error, 'PW_ERR_STORE_INVALID_READING'));
      }
      await assert.rejects(store.appendSnapshots([snapshot(m1, 1.5, [[Q.voltageL1, 230]])]),
        (error) => hasCode(error, 'PW_ERR_STORE_INVALID_READING'));
      assert.deepEqual(await store.readings(m1, Q.voltageL1, { from: 0, to: day0 + dayMs }), []);
      await store.close();
    });

    test('keeps values exactly: on the resolution grid, finer than it, negative and large', async () => {
      const { store } = await fresh();
      const values = [230.12, 230.123456789, -0.5, 1e15 + 0.5, 123456789.7, 0.1 + 0.2];
      await store.appendReadings(values.map((v, i) => reading(m1, Q.voltageL1, day0 + i * intervalMs, v)));
      assert.deepEqual((await store.readings(m1, Q.voltageL1, { from: day0, to: day0 + dayMs })).map((r) => r.value), values);
      await store.close();
    });

    test('derives 15-minute intervals from register reads and shows a gap as missing', async () => {
      const { store } = await fresh();
      await store.appendReadings([
        ...registerReads(m1, day0, 4, 1000, 250.5),
        reading(m1, energy, day0 + 5 * intervalMs, 2500),
        reading(m1, energy, day0 + 6 * intervalMs, 2600),
        reading(m1, energy, day0 + 6 * intervalMs + 60_000, 2610),
      ]);
      const grid = await store.intervals(m1, energy, { from: day0, to: day0 + 6 * intervalMs });
      assert.deepEqual(grid.map((i) => [(i.end - day0) / intervalMs, i.raw, i.value, i.quality]), [
        [1, 250.5, 250.5, 'measured'], [2, 250.5, 250.5, 'measured'], [3, 250.5, 250.5, 'measured'],
        [4, null, null, 'missing'], [5, null, null, 'missing'], [6, 100, 100, 'measured'],
      ]);
      await assert.rejects(store.intervals(m1, energy, { from: day0 + 1, to: day0 + intervalMs }),
        (error) => hasCode(error, 'PW_ERR_STORE_INVALID_RANGE'));
      await store.close();
    });

    test('fills both intervals around a register read that arrives late into a gap', async () => {
      const { store } = await fresh();
      await store.appendReadings([reading(m1, energy, day0, 1000), reading(m1, energy, day0 + 2 * intervalMs, 1600)]);
      await store.appendReadings([reading(m1, energy, day0 + intervalMs, 1250)]);
      const grid = await store.intervals(m1, energy, { from: day0, to: day0 + 2 * intervalMs });
      assert.deepEqual(grid.map((i) => i.raw), [250, 350]);
      await store.close();
    });

    test('writes validated and final stages with their provenance; the change log keeps each change once', async () => {
      const { store, clock } = await fresh();
      await store.appendReadings(registerReads(m1, day0, 3, 0, 100));
      const end = day0 + intervalMs;
      const vee = { kind: 'rule', rule: 'VEE-SPIKE', reason: 'above the 3-sigma band' } as const;
      assert.deepEqual(await store.writeIntervals([{ meter: m1, quantity: energy, end, stage: 'validated', value: 100,
        quality: 'suspect' }], vee), { written: 1, unchanged: 0 });
      assert.deepEqual(await store.writeIntervals([{ meter: m1, quantity: energy, end, stage: 'validated', value: 100,
        quality: 'suspect' }], vee), { written: 0, unchanged: 1 }, 'a re-run of VEE logs nothing');
      clock.advance(3_600_000);
      const editor = { kind: 'person', person: 'a.operator', reason: 'customer reading confirmed' } as const;
      await store.writeIntervals([{ meter: m1, quantity: energy, end, stage: 'final', value: 95.5, quality: 'edited' }], editor);
      const [first, second] = await store.intervals(m1, energy, { from: day0, to: day0 + 2 * intervalMs });
      assert.deepEqual(first, { meter: m1, quantity: energy, end, raw: 100, validated: 100, final: 95.5, value: 95.5, quality: 'edited' });
      assert.deepEqual(second,
        { meter: m1, quantity: energy, end: end + intervalMs, raw: 100, validated: null, final: null, value: 100, quality: 'measured' });
      const log = await store.intervalChanges(m1, energy, { from: day0, to: day0 + dayMs });
      assert.deepEqual(log.map(({ seq: _seq, ...change }) => change), [
        { meter: m1, quantity: energy, end, stage: 'validated', value: 100, quality: 'suspect', provenance: vee, at: day0 + 10 * dayMs },
        { meter: m1, quantity: energy, end, stage: 'final', value: 95.5, quality: 'edited', provenance: editor,
          at: day0 + 10 * dayMs + 3_600_000 },
      ]);
      assert.ok((log[1]?.seq ?? 0) > (log[0]?.seq ?? 0));
      await store.close();
    });

    test('refuses an edit without a reason, a stage on a quantity that is not a register and a value off the grid', async () => {
      const { store } = await fresh();
      const write = { meter: m1, quantity: energy, end: day0 + intervalMs, stage: 'final', value: 1, quality: 'edited' } as const;
      const refused = (error: unknown): boolean => hasCode(error, 'PW_ERR_STORE_INVALID_INTERVAL_WRITE');
      await assert.rejects(store.writeIntervals([write], { kind: 'person', person: 'a.operator', reason: '  ' }), refused);
      await assert.rejects(store.writeIntervals([{ ...write, quantity: Q.voltageL1 }], { kind: 'rule', rule: 'R' }), refused);
      await assert.rejects(store.writeIntervals([{ ...write, end: day0 + 60_000 }], { kind: 'rule', rule: 'R' }), refused);
      await assert.rejects(store.writeIntervals([{ ...write, quality: 'missing' }], { kind: 'rule', rule: 'R' }), refused);
      assert.deepEqual(await store.intervalChanges(m1, energy, { from: day0, to: day0 + dayMs }), []);
      await store.close();
    });

    test('rolls intervals up by hour, day and month, an estimate counted but not as measured', async () => {
      const { store } = await fresh();
      // Day 0 complete (97 reads → 96 intervals of 10 Wh) except the interval ending 01:00, whose read is missing.
      const reads = registerReads(m1, day0, 97, 5000, 10).filter((r) => r.at !== day0 + 4 * intervalMs);
      await store.appendReadings(reads);
      await store.writeIntervals([
        { meter: m1, quantity: energy, end: day0 + 4 * intervalMs, stage: 'validated', value: 7.5, quality: 'estimated' },
        { meter: m1, quantity: energy, end: day0 + 5 * intervalMs, stage: 'validated', value: 12.5, quality: 'estimated' },
      ], { kind: 'rule', rule: 'EST-LINEAR' });
      const hours = await store.rollups(m1, energy, 'hour', { from: day0, to: day0 + 2 * hourMs });
      assert.deepEqual(hours.map((h) => [h.start - day0, h.count, h.measured, h.sum]), [[0, 4, 3, 37.5], [hourMs, 4, 3, 42.5]]);
      const [day] = await store.rollups(m1, energy, 'day', { from: day0, to: day0 + dayMs });
      assert.deepEqual({ ...day }, { meter: m1, quantity: energy, period: 'day', start: day0, end: day0 + dayMs, basis: 'intervals',
        count: 96, measured: 94, sum: 960, mean: 10, min: null, max: null });
      const [month] = await store.rollups(m1, energy, 'month', { from: Date.UTC(2026, 0, 1), to: Date.UTC(2026, 1, 1) });
      assert.deepEqual([month?.start, month?.end, month?.count, month?.sum], [Date.UTC(2026, 0, 1), Date.UTC(2026, 1, 1), 96, 960]);
      await store.close();
    });

    test('keeps an estimate when the measured value arrives later, counting the interval once', async () => {
      const { store } = await fresh();
      await store.appendReadings([reading(m1, energy, day0, 0), reading(m1, energy, day0 + 2 * intervalMs, 40)]);
      await store.writeIntervals([{ meter: m1, quantity: energy, end: day0 + intervalMs, stage: 'validated', value: 15,
        quality: 'estimated' }], { kind: 'rule', rule: 'EST-LINEAR' });
      await store.appendReadings([reading(m1, energy, day0 + intervalMs, 18)]);
      const grid = await store.intervals(m1, energy, { from: day0, to: day0 + 2 * intervalMs });
      assert.deepEqual(grid.map((i) => [i.raw, i.value, i.quality]), [[18, 15, 'estimated'], [22, 22, 'measured']],
        'VEE decides when to replace an estimate');
      const [day] = await store.rollups(m1, energy, 'day', { from: day0, to: day0 + dayMs });
      assert.deepEqual([day?.count, day?.measured, day?.sum], [2, 2, 37]);
      await store.close();
    });

    test('rolls instantaneous readings up into count, mean, min and max', async () => {
      const { store } = await fresh();
      await store.appendReadings([228, 230, 232, 234, 240].map((v, i) => reading(m1, Q.voltageL1, day0 + i * intervalMs, v)));
      const [first, second] = await store.rollups(m1, Q.voltageL1, 'hour', { from: day0, to: day0 + dayMs });
      assert.deepEqual([first?.count, first?.mean, first?.min, first?.max, first?.measured], [4, 231, 228, 234, null]);
      assert.deepEqual([second?.start, second?.count, second?.sum], [day0 + hourMs, 1, 240]);
      const [day] = await store.rollups(m1, Q.voltageL1, 'day', { from: day0, to: day0 + dayMs });
      assert.deepEqual([day?.basis, day?.count, day?.mean, day?.min, day?.max], ['readings', 5, 232.8, 228, 240]);
      await store.close();
    });

    test('keeps day and month rollups current when an interval arrives a day late, before and after maintenance', async () => {
      const { store, clock } = await fresh({ clock: new ManualClock(day0 + dayMs + 3 * hourMs) });
      const reads = registerReads(m1, day0, 97, 0, 20);
      const late = reads.splice(50, 1);
      await store.appendReadings(reads);
      await store.appendReadings([reading(m1, Q.voltageL1, day0 + hourMs, 231)]);
      await store.maintain();
      const dayRollup = async (): Promise<[number, number, number] | undefined> => {
        const [day] = await store.rollups(m1, energy, 'day', { from: day0, to: day0 + dayMs });
        return day === undefined ? undefined : [day.count, day.measured ?? -1, day.sum];
      };
      const monthSum = async (): Promise<number | undefined> =>
        (await store.rollups(m1, energy, 'month', { from: Date.UTC(2026, 0, 1), to: Date.UTC(2026, 1, 1) }))[0]?.sum;
      assert.deepEqual(await dayRollup(), [94, 94, 1880]);
      clock.advance(dayMs);
      await store.appendReadings(late);
      assert.deepEqual(await dayRollup(), [96, 96, 1920], 'the late read closes two intervals of its day');
      assert.equal(await monthSum(), 1920);
      await store.maintain();
      assert.deepEqual(await dayRollup(), [96, 96, 1920], 'maintenance changes no figure');
      assert.equal(await monthSum(), 1920);
      assert.deepEqual((await store.readings(m1, Q.voltageL1, { from: day0, to: day0 + dayMs })).map((r) => r.value), [231]);
      assert.equal((await store.appendReadings(late)).duplicate, 1, 'a settled reading is still known as a duplicate');
      await store.close();
    });

    test('follows a VEE change on a settled day in its day and month rollups', async () => {
      const { store } = await fresh({ clock: new ManualClock(day0 + 3 * dayMs) });
      await store.appendReadings(registerReads(m1, day0, 97, 0, 20));
      await store.maintain();
      await store.writeIntervals([{ meter: m1, quantity: energy, end: day0 + intervalMs, stage: 'validated', value: null,
        quality: 'missing' }], { kind: 'rule', rule: 'VEE-NEGATIVE' });
      await store.writeIntervals([{ meter: m1, quantity: energy, end: day0 + 2 * intervalMs, stage: 'final', value: 50,
        quality: 'edited' }], { kind: 'person', person: 'a.operator', reason: 'site visit' });
      const [day] = await store.rollups(m1, energy, 'day', { from: day0, to: day0 + dayMs });
      assert.deepEqual([day?.count, day?.measured, day?.sum], [95, 96, 1920 - 20 - 20 + 50]);
      const [month] = await store.rollups(m1, energy, 'month', { from: day0 - 4 * dayMs, to: day0 + 30 * dayMs });
      assert.equal(month?.sum, 1930);
      await store.close();
    });

    test('returns the latest reading of every quantity; an older late reading does not replace it', async () => {
      const { store } = await fresh();
      await store.appendSnapshots([snapshot(m1, day0 + intervalMs, [[Q.voltageL1, 231], [Q.currentL1, 5]])]);
      await store.appendSnapshots([snapshot(m1, day0 + 2 * intervalMs, [[Q.voltageL1, 232]])]);
      await store.appendSnapshots([snapshot(m1, day0, [[Q.voltageL1, 229], [Q.currentL1, 4]])]);
      const latest = [...await store.latest(m1)].sort((a, b) => a.quantity.localeCompare(b.quantity));
      assert.deepEqual(latest, [reading(m1, Q.currentL1, day0 + intervalMs, 5), reading(m1, Q.voltageL1, day0 + 2 * intervalMs, 232)].sort((
        a,
        b,
      ) => a.quantity.localeCompare(b.quantity)));
      assert.deepEqual(await store.latest(m3), []);
      await store.close();
    });

    test('returns every meter at one interval, while recent and after maintenance', async () => {
      const { store } = await fresh({ clock: new ManualClock(day0 + 5 * dayMs) });
      const at = day0 + 40 * intervalMs;
      await store.appendSnapshots([
        snapshot(m1, at, [[Q.voltageL1, 230], [Q.currentL1, 5]]),
        snapshot(m2, at, [[Q.voltageL1, 231]]),
        snapshot(m3, at + intervalMs, [[Q.voltageL1, 232]]),
      ]);
      const rows = (fleet: FleetInterval): string[] => fleet.meters.map((meter, m) => `${meter} ${Array.from(
        fleet.values.subarray(m * fleet.quantities.length, (m + 1) * fleet.quantities.length),
        (v) => (Number.isNaN(v) ? '' : String(v)),
      ).join(' ')}`).sort();
      const voltage = await store.readingsAt(at, [Q.voltageL1]);
      assert.deepEqual([voltage.at, voltage.quantities, rows(voltage)], [at, [Q.voltageL1], [`${m1} 230`, `${m2} 231`]]);
      const both = await store.readingsAt(at, [Q.currentL1, Q.voltageL1]);
      assert.deepEqual(rows(both), [`${m1} 5 230`, `${m2}  231`], 'a meter without the quantity has null there');
      assert.equal(fleetValue(both, m2, Q.currentL1), null);
      const all = await store.readingsAt(at);
      assert.deepEqual([fleetValue(all, m1, Q.currentL1), fleetValue(all, m1, Q.voltageL1), fleetValue(all, m3, Q.voltageL1)],
        [5, 230, undefined]);
      await store.maintain();
      assert.deepEqual(rows(await store.readingsAt(at, [Q.currentL1, Q.voltageL1])), [`${m1} 5 230`, `${m2}  231`],
        'the same after compaction');
      // Late readings of the compacted day, before and after `at`, compacted in their turn.
      await store.appendSnapshots([snapshot(m1, at - 3 * intervalMs, [[Q.voltageL1, 229]]),
        snapshot(m2, at + 2 * intervalMs, [[Q.voltageL1, 233]])]);
      await store.maintain();
      assert.deepEqual(rows(await store.readingsAt(at, [Q.currentL1, Q.voltageL1])), [`${m1} 5 230`, `${m2}  231`],
        'the same after late data was compacted into the day');
      assert.deepEqual(rows(await store.readingsAt(at - 3 * intervalMs, [Q.voltageL1])), [`${m1} 229`]);
      await store.close();
    });

    test('counts measured intervals per meter per day, back to 96 after a backfill', async () => {
      const { store } = await fresh({ clock: new ManualClock(day0 + 3 * dayMs) });
      await store.appendReadings([...registerReads(m1, day0, 97, 0, 10), ...registerReads(m2, day0, 49, 0, 10)]);
      await store.maintain();
      const range = { from: day0, to: day0 + dayMs };
      const counts = async (): Promise<[string, number, number][]> =>
        (await store.completeness(range)).map((c) => [c.meter, c.measured, c.expected] as [string, number, number]).sort();
      assert.deepEqual(await counts(), [[m1, 96, 96], [m2, 48, 96]]);
      await store.appendReadings(registerReads(m2, day0 + 49 * intervalMs, 48, 490, 10));
      assert.deepEqual(await counts(), [[m1, 96, 96], [m2, 96, 96]]);
      await store.close();
    });

    storeLifecycleTests(target, fresh);
  });
}
